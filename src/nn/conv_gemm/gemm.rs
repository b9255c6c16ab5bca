//! Convolutions as matrix products, on the host: the forward passes and the gradients.
//!
//! For `y = conv2d(x, w)` with `P = patches(x)` (`[channels·ky·kx, positions]` per sample):
//! - `y = w · P` (`w` as `[out_channels, channels·ky·kx]`);
//! - `dw = Σ dy · Pᵀ` (`dy` as `[out_channels, positions]`): products where burn's fallback runs a
//!   convolution with the batch as its channels;
//! - `dx = col2im(wᵀ · dy)`, which is also the transposed convolution's forward pass.
//!
//! A transposed convolution swaps the roles: its output's patches take `P`'s place.
//!
//! Each sample is its own product. A sample of a `[batch, channels, height, width]` tensor is
//! already a `[channels, height · width]` matrix, so the products read and write the tensors in
//! place, and a sample's patches (28 KB for the conv DAE's widest) stay in cache between their
//! gathering and their product. One product over the whole batch needed the channel axis moved to
//! the front and back, and a patch matrix of megabytes; the per-sample products trained the conv
//! DAE 0.99-1.35x as fast in four alternating rounds (docs/benchmarks.md).

use super::patches::{Patches, Window};
use crate::nn::matrix::{View, multiply};

/// `conv2d(x, weight)` without bias.
///
/// # Shapes
/// - x: `[batch, channels, height, width]`
/// - weight: `[out_channels, channels · kernel[0] · kernel[1]]`
/// - output: `[batch, out_channels, positions[0], positions[1]]`
pub fn convolve(x: &[f32], x_dims: [usize; 4], weight: &[f32], out_channels: usize, positions: [usize; 2], window: &Window) -> Vec<f32> {
    let [batch, channels, height, width] = x_dims;
    let patches = Patches::new(x_dims, positions, window);
    let position_count = positions[0] * positions[1];
    let (mut columns, mut plane) = (vec![0.0; patches.rows() * position_count], Vec::new());
    let mut output = vec![0.0; batch * out_channels * position_count];
    let samples = x.chunks_exact(channels * height * width).zip(output.chunks_exact_mut(out_channels * position_count));
    for (sample, out) in samples {
        patches.gather(sample, &mut columns, &mut plane);
        multiply(out, View::new(weight, [out_channels, patches.rows()]), View::new(&columns, [patches.rows(), position_count]), false);
    }
    output
}

/// `conv_transpose2d(x, weight)` without bias: each input value spreads its kernel over the output.
///
/// # Shapes
/// - x: `[batch, channels, height, width]`, the window's positions
/// - weight: `[channels, out_channels · kernel[0] · kernel[1]]`
/// - output: `output_dims` = `[batch, out_channels, out_height, out_width]`
pub fn convolve_transposed(x: &[f32], x_dims: [usize; 4], weight: &[f32], output_dims: [usize; 4], window: &Window) -> Vec<f32> {
    let [_, channels, height, width] = x_dims;
    let patches = Patches::new(output_dims, [height, width], window);
    let (mut columns, mut plane) = (vec![0.0; patches.rows() * height * width], Vec::new());
    let mut output = vec![0.0; output_dims.iter().product()];
    let samples = x.chunks_exact(channels * height * width).zip(output.chunks_exact_mut(output_dims[1] * output_dims[2] * output_dims[3]));
    for (sample, out) in samples {
        multiply(&mut columns, View::transposed(weight, [channels, patches.rows()]), View::new(sample, [channels, height * width]), false);
        patches.scatter(&columns, out, &mut plane);
    }
    output
}

/// `Σ_n left[n] · patches(right[n])ᵀ`: a weight gradient, `[left_channels, right_channels · taps]`.
///
/// # Shapes
/// - left: `[batch, left_channels, positions[0] · positions[1]]`
/// - right: `[batch, right_channels, height, width]`
pub fn weight_gradient(left: &[f32], left_dims: [usize; 3], right: &[f32], right_dims: [usize; 4], positions: [usize; 2], window: &Window) -> Vec<f32> {
    let [_, left_channels, position_count] = left_dims;
    assert_eq!(position_count, positions[0] * positions[1], "the left operand has one value per window position");
    let patches = Patches::new(right_dims, positions, window);
    let (mut columns, mut plane) = (vec![0.0; patches.rows() * position_count], Vec::new());
    let mut sum = vec![0.0; left_channels * patches.rows()];
    let samples = left.chunks_exact(left_channels * position_count).zip(right.chunks_exact(right_dims[1..].iter().product()));
    for (index, (left, right)) in samples.enumerate() {
        patches.gather(right, &mut columns, &mut plane);
        let right = View::transposed(&columns, [patches.rows(), position_count]);
        multiply(&mut sum, View::new(left, [left_channels, position_count]), right, index > 0);
    }
    sum
}
