//! Convolutions as matrix products, on the host: the forward passes and the gradients.
//!
//! For `y = conv2d(x, w)` with `P = patches(x)` (`[channels·ky·kx, samples·positions]`):
//! - `y = w · P` (`w` as `[out_channels, channels·ky·kx]`);
//! - `dw = dy · Pᵀ` (`dy` as `[out_channels, samples·positions]`): one product where burn's
//!   fallback runs a convolution with the batch as its channels;
//! - `dx = col2im(wᵀ · dy)`, which is also the transposed convolution's forward pass.
//!
//! A transposed convolution swaps the roles: its output's patches take `P`'s place. Batches whose
//! patch matrix would be large are done in chunks of samples.

use std::ops::Range;

use super::patches::{Window, add_patch_columns, channels_first, patch_columns, scatter_samples};
use crate::nn::matrix::{View, multiply};

/// Most values a chunk's patch matrix may hold (4 MiB).
const MAX_PATCH_VALUES: usize = 1 << 20;

/// The batch in chunks of samples whose patch matrix stays under [`MAX_PATCH_VALUES`].
fn chunks(batch: usize, positions: usize, patch_len: usize) -> impl Iterator<Item = Range<usize>> {
    let size = (MAX_PATCH_VALUES / (positions * patch_len).max(1)).max(1);
    (0..batch).step_by(size).map(move |start| start..(start + size).min(batch))
}

/// `conv2d(x, weight)` without bias.
///
/// # Shapes
/// - x: `[batch, channels, height, width]`
/// - weight: `[out_channels, channels · kernel[0] · kernel[1]]`
/// - output: `[batch, out_channels, positions[0], positions[1]]`
pub fn convolve(x: &[f32], x_dims: [usize; 4], weight: &[f32], out_channels: usize, positions: [usize; 2], window: &Window) -> Vec<f32> {
    let [batch, channels, _, _] = x_dims;
    let patch_len = channels * window.kernel[0] * window.kernel[1];
    let position_count = positions[0] * positions[1];
    let mut output = vec![0.0; batch * out_channels * position_count];
    let mut product = Vec::new();
    for samples in chunks(batch, position_count, patch_len) {
        let inner = samples.len() * position_count;
        let columns = patch_columns(x, x_dims, samples.clone(), positions, window);
        product.resize(out_channels * inner, 0.0);
        multiply(&mut product, View::new(weight, [out_channels, patch_len]), View::new(&columns, [patch_len, inner]), false);
        scatter_samples(&product, [batch, out_channels, position_count], samples, &mut output);
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
    let [batch, channels, height, width] = x_dims;
    let patch_len = output_dims[1] * window.kernel[0] * window.kernel[1];
    let mut output = vec![0.0; output_dims.iter().product()];
    let mut columns = Vec::new();
    for samples in chunks(batch, height * width, patch_len) {
        let inner = samples.len() * height * width;
        let x_columns = channels_first(x, [batch, channels, height * width], samples.clone());
        columns.resize(patch_len * inner, 0.0);
        multiply(&mut columns, View::transposed(weight, [channels, patch_len]), View::new(&x_columns, [channels, inner]), false);
        add_patch_columns(&columns, output_dims, samples, [height, width], window, &mut output);
    }
    output
}

/// `Σ_n left[n] · patches(right)[n]ᵀ`: a weight gradient, `[left_channels, right_channels · taps]`.
///
/// # Shapes
/// - left: `[batch, left_channels, positions[0] · positions[1]]`
/// - right: `[batch, right_channels, height, width]`
pub fn weight_gradient(left: &[f32], left_dims: [usize; 3], right: &[f32], right_dims: [usize; 4], positions: [usize; 2], window: &Window) -> Vec<f32> {
    let [batch, left_channels, position_count] = left_dims;
    assert_eq!(position_count, positions[0] * positions[1], "the left operand has one value per window position");
    let patch_len = right_dims[1] * window.kernel[0] * window.kernel[1];
    let mut sum = vec![0.0; left_channels * patch_len];
    for samples in chunks(batch, position_count, patch_len) {
        let inner = samples.len() * position_count;
        let columns = patch_columns(right, right_dims, samples.clone(), positions, window);
        let left_columns = channels_first(left, left_dims, samples.clone());
        let (left, right) = (View::new(&left_columns, [left_channels, inner]), View::transposed(&columns, [patch_len, inner]));
        multiply(&mut sum, left, right, samples.start > 0);
    }
    sum
}
