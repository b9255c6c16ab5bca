//! Convolutions as matrix products on the CPU: forward, and the weight's gradient in one product.
//!
//! burn 0.22's autodiff takes a convolution's weight gradient from `burn-backend`'s generic
//! `conv2d_weight_backward`: a convolution with the batch as its channels and the output's
//! gradient, dilated by the stride, as its kernel. `flex` runs that through its direct loops, and
//! for the conv DAE it cost three to twenty times the forward pass (docs/benchmarks.md). Here the
//! convolution is a backend extension ([`ConvGemmOps`]) with its own backward pass. On `flex`, the
//! forward passes and both gradients are, per sample, patches (im2col, `patches.rs`) and a `gemm`
//! (`gemm.rs`): the weight's gradient is the output gradient times the input's patches, and the
//! input's is the transposed convolution. `flex`'s own direct loops ran the small-channel layers of
//! the conv DAE at 1-2 GFLOP/s. On a GPU (the `Cube` backends) everything is burn's own, as before.
//!
//! [`conv2d`] and [`conv_transpose2d`] take burn's modules, so weight files are unchanged.

mod autodiff;
mod flex;
mod gemm;
mod patches;

use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::prelude::*;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

pub use flex::host_weight_gradients;

/// A convolution with no bias, and the gradients its backward pass asks for.
///
/// The default bodies are burn's own operations (the GPU keeps them); `flex` overrides all six
/// (`flex.rs`), and the autodiff backend (`autodiff.rs`) routes its backward pass through them.
#[backend_extension(Flex, Cube: cfg(any(feature = "gpu", feature = "webgpu")), Autodiff)]
pub trait ConvGemmOps: Backend {
    /// A 2-D convolution without bias.
    fn conv2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        Self::conv2d(x, weight, None, options)
    }

    /// A 2-D transposed convolution without bias.
    fn conv_transpose2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvTransposeOptions<2>) -> FloatTensor<Self> {
        Self::conv_transpose2d(x, weight, None, options)
    }

    /// The gradient of [`ConvGemmOps::conv2d_unbiased`]'s input, given its output's.
    fn conv2d_input_gradient(x: FloatTensor<Self>, weight: FloatTensor<Self>, output_grad: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        Self::conv2d_x_backward(x, weight, output_grad, options)
    }

    /// The gradient of [`ConvGemmOps::conv_transpose2d_unbiased`]'s input, given its output's.
    fn conv_transpose2d_input_gradient(x: FloatTensor<Self>, weight: FloatTensor<Self>, output_grad: FloatTensor<Self>, options: ConvTransposeOptions<2>) -> FloatTensor<Self> {
        let _ = x; // the input's shape is the output gradient's and the options'
        Self::conv_transpose2d_x_backward(weight, output_grad, options)
    }

    /// The gradient of [`ConvGemmOps::conv2d_unbiased`]'s weight, given its output's.
    fn conv2d_weight_gradient(x: FloatTensor<Self>, weight: FloatTensor<Self>, output_grad: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        Self::conv2d_weight_backward(x, weight, output_grad, options)
    }

    /// The gradient of [`ConvGemmOps::conv_transpose2d_unbiased`]'s weight, given its output's.
    fn conv_transpose2d_weight_gradient(x: FloatTensor<Self>, weight: FloatTensor<Self>, output_grad: FloatTensor<Self>, options: ConvTransposeOptions<2>) -> FloatTensor<Self> {
        Self::conv_transpose2d_weight_backward(x, weight, output_grad, options)
    }
}

#[cfg(any(feature = "gpu", feature = "webgpu"))]
impl ConvGemmOps for burn::backend::Cube {}

/// `conv.forward(input)`, with the weight gradient of this module.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]`
/// - output: `[batch, channels_out, height_out, width_out]`
pub fn conv2d(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    let [_, _, height, width] = input.dims();
    let padding = [0, 1].map(|axis| padding_pair(&conv.padding, axis, [height, width][axis], conv.kernel_size[axis], conv.stride[axis]));
    let options = ConvOptions::new_with_padding(conv.stride, padding, conv.dilation, conv.groups);
    conv2d_with(input, conv.weight.val(), conv.bias.as_ref().map(|bias| bias.val()), options)
}

/// `burn::tensor::module::conv2d`, with the weight gradient of this module.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]`
/// - weight: `[channels_out, channels_in, kernel_height, kernel_width]`
/// - output: `[batch, channels_out, height_out, width_out]`
pub fn conv2d_with(input: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>, options: ConvOptions<2>) -> Tensor<4> {
    let output = Tensor::from_dispatch(<Dispatch as ConvGemmOps>::conv2d_unbiased(input.into_dispatch(), weight.into_dispatch(), options));
    with_bias(output, bias)
}

/// The padding (before, after) along `axis` of a `Conv2d`, as burn's module computes it.
fn padding_pair(padding: &PaddingConfig2d, axis: usize, size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    match *padding {
        PaddingConfig2d::Valid => (0, 0),
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)][axis],
        PaddingConfig2d::Same => {
            // The output keeps ceil(size / stride) positions; the odd pixel of padding goes after.
            let positions = size.div_ceil(stride);
            let total = if positions > 0 { ((positions - 1) * stride + kernel).saturating_sub(size) } else { 0 };
            (total / 2, total - total / 2)
        }
    }
}

/// `conv.forward(input)` for a transposed convolution, with the weight gradient of this module.
///
/// # Shapes
/// - input: `[batch, channels_in, height, width]`
/// - output: `[batch, channels_out, height_out, width_out]`
pub fn conv_transpose2d(conv: &ConvTranspose2d, input: Tensor<4>) -> Tensor<4> {
    let options = ConvTransposeOptions::new(conv.stride, conv.padding, conv.padding_out, conv.dilation, conv.groups);
    let output = Tensor::from_dispatch(<Dispatch as ConvGemmOps>::conv_transpose2d_unbiased(input.into_dispatch(), conv.weight.val().into_dispatch(), options));
    with_bias(output, conv.bias.as_ref().map(|bias| bias.val()))
}

/// The per-channel bias added by broadcasting (burn's autodiff sums its gradient).
fn with_bias(output: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    match bias {
        Some(bias) => {
            let channels = bias.dims()[0];
            output + bias.reshape([1, channels, 1, 1])
        }
        None => output,
    }
}
