//! Binary cross-entropy with logits as one operation, forward and backward.
//!
//! Every model with Bernoulli pixels ends its step here, on `[batch, 784]` values. As burn
//! tensor ops the stable form `max(x, 0) - x·z + ln(1 + e^(-|x|))` is eight elementwise passes
//! forward and about a dozen backward, each writing a fresh tensor, with `exp` and `log1p`
//! computed by the scalar math library. In the native VAE's profile that was a fifth of a step.
//! Here it is a backend extension ([`FusedBceOps`]): on `flex` one pass forward and one backward,
//! with an `exp` and a `log1p` written so the compiler vectorizes them (`kernels.rs`); on a GPU
//! (the `Cube` backends) burn's own ops, as before, with the backward pass now `(σ(x) - z)·g`.

mod autodiff;
mod flex;
mod kernels;

use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::prelude::*;
use burn::tensor::Scalar;

/// The per-element binary cross-entropy with logits, and its gradient with respect to them.
///
/// The default bodies are burn's own operations (the GPU keeps them); `flex` overrides both
/// (`flex.rs`), and the autodiff backend (`autodiff.rs`) routes its backward pass through them.
#[backend_extension(Flex, Cube: cfg(any(feature = "gpu", feature = "webgpu")), Autodiff)]
pub trait FusedBceOps: Backend {
    /// `max(x, 0) - x·z + ln(1 + e^(-|x|))` per element, for `logits` x and `targets` z of one shape.
    fn bce_with_logits_elementwise(logits: FloatTensor<Self>, targets: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_bce::<Self>(logits, targets)
    }

    /// The gradient with respect to the logits, `(σ(x) - z)·g`, given the output's gradient `g`.
    fn bce_with_logits_logits_gradient(logits: FloatTensor<Self>, targets: FloatTensor<Self>, output_grad: FloatTensor<Self>) -> FloatTensor<Self> {
        composed_logits_gradient::<Self>(logits, targets, output_grad)
    }
}

#[cfg(any(feature = "gpu", feature = "webgpu"))]
impl FusedBceOps for burn::backend::Cube {}

/// The loss as burn's elementwise ops: the default, and `flex`'s fallback for other dtypes.
fn composed_bce<B: Backend>(logits: FloatTensor<B>, targets: FloatTensor<B>) -> FloatTensor<B> {
    let softplus_of_negative_magnitude = B::float_log1p(B::float_exp(B::float_neg(B::float_abs(logits.clone()))));
    let positive_part = B::float_clamp_min(logits.clone(), Scalar::Float(0.0));
    B::float_add(B::float_sub(positive_part, B::float_mul(logits, targets)), softplus_of_negative_magnitude)
}

/// The logits' gradient as burn's ops.
fn composed_logits_gradient<B: Backend>(logits: FloatTensor<B>, targets: FloatTensor<B>, output_grad: FloatTensor<B>) -> FloatTensor<B> {
    B::float_mul(B::float_sub(B::sigmoid(logits), targets), output_grad)
}

/// [`crate::nn::loss::bce_with_logits`] through [`FusedBceOps`]; targets of another shape are
/// expanded to the logits' first (a broadcast view, made contiguous by the fused pass).
///
/// # Shapes
/// - logits, targets: `[batch, features]`
/// - output: `[batch, features]`
pub fn bce_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<2> {
    let targets = if targets.dims() == logits.dims() { targets } else { targets.expand(logits.dims()) };
    Tensor::from_dispatch(<Dispatch as FusedBceOps>::bce_with_logits_elementwise(logits.into_dispatch(), targets.into_dispatch()))
}
