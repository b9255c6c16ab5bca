//! Moving images to and from the layouts a matrix multiply wants: a convolution's patches as the
//! rows of a matrix (im2col) and back (col2im), and the channel axis first or the sample axis first.

use std::ops::Range;

/// The sliding window of a 2-D convolution; the padding is the one before the first row and column
/// (a window hanging past the end reads zeros either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
}

/// The patches of `samples` of `source` (`[batch, channels, height, width]`) as columns: one row per
/// channel and kernel tap, one column per sample and window position (`positions`, row-major).
///
/// # Shapes
/// - output: `[channels · kernel[0] · kernel[1], samples.len() · positions[0] · positions[1]]`
pub fn patch_columns(source: &[f32], dims: [usize; 4], samples: Range<usize>, positions: [usize; 2], window: &Window) -> Vec<f32> {
    let [_, channels, height, width] = dims;
    let (plane_len, taps, position_count) = (height * width, window.kernel[0] * window.kernel[1], positions[0] * positions[1]);
    let reads = window.reads(positions, [height, width]);
    let row_len = samples.len() * position_count;
    let mut columns = vec![0.0; channels * taps * row_len];
    // One plane at a time, with a zero after it that the padding reads.
    let mut plane = vec![0.0; plane_len + 1];
    for (chunk_index, sample) in samples.enumerate() {
        for channel in 0..channels {
            plane[..plane_len].copy_from_slice(&source[(sample * channels + channel) * plane_len..][..plane_len]);
            for (tap, reads) in reads.chunks_exact(position_count).enumerate() {
                let out = &mut columns[(channel * taps + tap) * row_len + chunk_index * position_count..][..position_count];
                out.iter_mut().zip(reads).for_each(|(value, &at)| *value = plane[at as usize]);
            }
        }
    }
    columns
}

/// The adjoint of [`patch_columns`] (col2im): adds each column value back where its patch read it,
/// so overlapping windows sum, into `target` (`[batch, channels, height, width]`) at `samples`.
pub fn add_patch_columns(columns: &[f32], dims: [usize; 4], samples: Range<usize>, positions: [usize; 2], window: &Window, target: &mut [f32]) {
    let [_, channels, height, width] = dims;
    let (plane_len, taps, position_count) = (height * width, window.kernel[0] * window.kernel[1], positions[0] * positions[1]);
    let reads = window.reads(positions, [height, width]);
    let row_len = samples.len() * position_count;
    // The slot after the plane collects what falls in the padding, and is dropped.
    let mut plane = vec![0.0; plane_len + 1];
    for (chunk_index, sample) in samples.enumerate() {
        for channel in 0..channels {
            let target = &mut target[(sample * channels + channel) * plane_len..][..plane_len];
            plane[..plane_len].copy_from_slice(target);
            for (tap, reads) in reads.chunks_exact(position_count).enumerate() {
                let values = &columns[(channel * taps + tap) * row_len + chunk_index * position_count..][..position_count];
                values.iter().zip(reads).for_each(|(&value, &at)| plane[at as usize] += value);
            }
            target.copy_from_slice(&plane[..plane_len]);
        }
    }
}

impl Window {
    /// For each kernel tap and window position (both row-major), the pixel of a `[height, width]`
    /// plane the tap reads there; `height · width` (one past the plane) where it reads padding.
    fn reads(&self, positions: [usize; 2], [height, width]: [usize; 2]) -> Vec<u32> {
        let at = |axis: usize, position: usize, tap: usize, size: usize| {
            (position * self.stride[axis] + tap * self.dilation[axis]).checked_sub(self.padding[axis]).filter(|&at| at < size)
        };
        let outside = (height * width) as u32;
        let mut reads = Vec::with_capacity(self.kernel[0] * self.kernel[1] * positions[0] * positions[1]);
        for tap_row in 0..self.kernel[0] {
            for tap_col in 0..self.kernel[1] {
                for out_row in 0..positions[0] {
                    let row = at(0, out_row, tap_row, height);
                    reads.extend((0..positions[1]).map(|out_col| match (row, at(1, out_col, tap_col, width)) {
                        (Some(row), Some(col)) => (row * width + col) as u32,
                        _ => outside,
                    }));
                }
            }
        }
        reads
    }
}

/// `samples` of `source` (`[batch, channels, len]`) with the channel first: `[channels, samples · len]`.
pub fn channels_first(source: &[f32], [_, channels, len]: [usize; 3], samples: Range<usize>) -> Vec<f32> {
    let count = samples.len();
    let mut out = vec![0.0; channels * count * len];
    for (chunk_index, sample) in samples.enumerate() {
        for channel in 0..channels {
            let from = &source[(sample * channels + channel) * len..][..len];
            out[(channel * count + chunk_index) * len..][..len].copy_from_slice(from);
        }
    }
    out
}

/// The inverse of [`channels_first`] for one chunk: `chunk` (`[channels, samples · len]`) written
/// into `target` (`[batch, channels, len]`) at `samples`.
pub fn scatter_samples(chunk: &[f32], [_, channels, len]: [usize; 3], samples: Range<usize>, target: &mut [f32]) {
    let count = samples.len();
    for (chunk_index, sample) in samples.enumerate() {
        for channel in 0..channels {
            let from = &chunk[(channel * count + chunk_index) * len..][..len];
            target[(sample * channels + channel) * len..][..len].copy_from_slice(from);
        }
    }
}
