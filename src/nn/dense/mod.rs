//! A dense layer, `x·W + b` with an optional ReLU, as one operation forward and backward.
//!
//! As burn ops a dense layer is a matrix product, a broadcast add of the bias and the activation,
//! and its backward pass a mask for the ReLU, two products and a sum for the bias: each writes a
//! fresh tensor, and `flex` zeroes every product's output and copies it into an aligned buffer
//! before writing it (about 5% of a native VAE step). Here the layer is a backend extension
//! ([`DenseOps`]). On `flex` the forward pass is one `gemm` into a buffer that starts as the
//! bias, with the ReLU applied in place, and the backward pass one `gemm` per gradient into
//! buffers of our own (`flex.rs`). On a GPU (the `Cube` backends) it is burn's ops, as before.
//!
//! [`dense`] takes burn's `Linear`, so weight files are unchanged.

mod autodiff;
mod flex;

use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::Linear;
use burn::prelude::*;

/// A dense layer with a bias, and the gradients its backward pass asks for.
///
/// The default bodies are burn's own operations (the GPU keeps them); `flex` overrides them
/// (`flex.rs`), and the autodiff backend (`autodiff.rs`) routes its backward pass through them.
#[backend_extension(Flex, Cube: cfg(any(feature = "gpu", feature = "webgpu")), Autodiff)]
pub trait DenseOps: Backend {
    /// `x·W + b`, then `max(·, 0)` when `relu`.
    ///
    /// # Shapes
    /// - x: `[batch, inputs]`, weight: `[inputs, outputs]`, bias: `[outputs]`
    /// - output: `[batch, outputs]`
    fn dense_forward(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        composed::forward::<Self>(x, weight, bias, relu)
    }

    /// The gradient of the pre-activations, given the ReLU's `output` and its gradient.
    fn dense_relu_gradient(output: FloatTensor<Self>, output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::relu_backward(output, output_grad)
    }

    /// The input's gradient, `g·Wᵀ`, given the pre-activations' gradient `g`.
    fn dense_input_gradient(weight: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::input_gradient::<Self>(weight, grad)
    }

    /// The weight's gradient, `xᵀ·g`.
    fn dense_weight_gradient(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::weight_gradient::<Self>(x, grad)
    }

    /// The bias's gradient, `g` summed over the batch.
    fn dense_bias_gradient(grad: FloatTensor<Self>) -> FloatTensor<Self> {
        composed::bias_gradient::<Self>(grad)
    }
}

/// The layer as burn's ops: the defaults, and `flex`'s fallback for other dtypes.
mod composed {
    use burn::backend::{Backend, TensorMetadata, tensor::FloatTensor};

    pub fn forward<B: Backend>(x: FloatTensor<B>, weight: FloatTensor<B>, bias: FloatTensor<B>, relu: bool) -> FloatTensor<B> {
        let outputs = bias.shape()[0];
        let affine = B::float_add(B::float_matmul(x, weight), B::float_reshape(bias, [1, outputs].into()));
        if relu { B::relu(affine) } else { affine }
    }

    pub fn input_gradient<B: Backend>(weight: FloatTensor<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
        B::float_matmul(grad, B::float_transpose(weight))
    }

    pub fn weight_gradient<B: Backend>(x: FloatTensor<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
        B::float_matmul(B::float_transpose(x), grad)
    }

    pub fn bias_gradient<B: Backend>(grad: FloatTensor<B>) -> FloatTensor<B> {
        let outputs = grad.shape()[1];
        B::float_reshape(B::float_sum_dim(grad, 0), [outputs].into())
    }
}

#[cfg(any(feature = "gpu", feature = "webgpu"))]
impl DenseOps for burn::backend::Cube {}

/// `layer.forward(input)`, followed by a ReLU when `relu`, as one operation (burn's own for a
/// layer without a bias).
///
/// # Shapes
/// - input: `[batch, inputs]`
/// - output: `[batch, outputs]`
pub fn dense(layer: &Linear, input: Tensor<2>, relu: bool) -> Tensor<2> {
    let Some(bias) = &layer.bias else {
        let affine = layer.forward(input);
        return if relu { burn::tensor::activation::relu(affine) } else { affine };
    };
    let (weight, bias) = (layer.weight.val().into_dispatch(), bias.val().into_dispatch());
    Tensor::from_dispatch(<Dispatch as DenseOps>::dense_forward(input.into_dispatch(), weight, bias, relu))
}
