//! A convolution's patches of one sample as the rows of a matrix (im2col), and back (col2im).

/// The sliding window of a 2-D convolution; the padding is the one before the first row and column
/// (a window hanging past the end reads zeros either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
}

/// Where a convolution's patches read one sample: built once per operation, then used for every
/// sample of the batch.
pub struct Patches {
    /// For each kernel tap and window position (both row-major), the pixel of a plane it reads, or
    /// `plane_len` (one past the plane) where it reads padding.
    reads: Vec<u32>,
    channels: usize,
    plane_len: usize,
    position_count: usize,
}

impl Patches {
    /// The patches of `[channels, height, width]` samples (`dims` is `[batch, channels, height,
    /// width]`) at `positions` of `window`.
    pub fn new(dims: [usize; 4], positions: [usize; 2], window: &Window) -> Self {
        let [_, channels, height, width] = dims;
        Patches { reads: window.reads(positions, [height, width]), channels, plane_len: height * width, position_count: positions[0] * positions[1] }
    }

    /// Rows of a sample's patch matrix: one per channel and kernel tap.
    pub fn rows(&self) -> usize {
        self.reads.len() / self.position_count * self.channels
    }

    /// One sample's patches (im2col) into `columns`, `[channels · taps, positions]`, using `plane`
    /// as scratch: each channel's plane is copied there with a zero after it, which the padding reads.
    pub fn gather(&self, sample: &[f32], columns: &mut [f32], plane: &mut Vec<f32>) {
        plane.resize(self.plane_len + 1, 0.0);
        plane[self.plane_len] = 0.0;
        let per_channel = self.reads.len();
        for (channel, source) in sample.chunks_exact(self.plane_len).take(self.channels).enumerate() {
            plane[..self.plane_len].copy_from_slice(source);
            let out = &mut columns[channel * per_channel..][..per_channel];
            out.iter_mut().zip(&self.reads).for_each(|(value, &at)| *value = plane[at as usize]);
        }
    }

    /// The adjoint of [`Patches::gather`] (col2im): writes into `sample` the sum, at each pixel, of
    /// the column values whose patches read it. The slot after `plane` collects what falls in the
    /// padding, and is dropped.
    pub fn scatter(&self, columns: &[f32], sample: &mut [f32], plane: &mut Vec<f32>) {
        plane.resize(self.plane_len + 1, 0.0);
        let per_channel = self.reads.len();
        for (channel, target) in sample.chunks_exact_mut(self.plane_len).take(self.channels).enumerate() {
            plane.fill(0.0);
            let values = &columns[channel * per_channel..][..per_channel];
            values.iter().zip(&self.reads).for_each(|(&value, &at)| plane[at as usize] += value);
            target.copy_from_slice(&plane[..self.plane_len]);
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
