//! The backward pass of [`ConvGemmOps`]: both gradients from the inner backend's [`ConvGemmOps`].

use core::marker::PhantomData;

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::{Autodiff, Backend, tensor::FloatTensor};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

use super::ConvGemmOps;

/// A convolution's options, and the gradients of the convolution they describe.
trait Convolution: Clone + Send + core::fmt::Debug + 'static {
    fn input_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B>;
    fn weight_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B>;
}

impl Convolution for ConvOptions<2> {
    fn input_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B> {
        B::conv2d_input_gradient(x, weight, output_grad, options)
    }

    fn weight_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B> {
        B::conv2d_weight_gradient(x, weight, output_grad, options)
    }
}

impl Convolution for ConvTransposeOptions<2> {
    fn input_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B> {
        B::conv_transpose2d_input_gradient(x, weight, output_grad, options)
    }

    fn weight_gradient<B: ConvGemmOps>(x: FloatTensor<B>, weight: FloatTensor<B>, output_grad: FloatTensor<B>, options: Self) -> FloatTensor<B> {
        B::conv_transpose2d_weight_gradient(x, weight, output_grad, options)
    }
}

#[derive(Debug)]
struct ConvBackward<O>(PhantomData<O>);

impl<B: Backend + ConvGemmOps, O: Convolution> Backward<B, 2> for ConvBackward<O> {
    type State = (NodeId, NodeId, O);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, O::input_gradient::<B>(x.clone(), weight.clone(), output_grad.clone(), options.clone()));
        }
        if let Some(node) = weight_node {
            grads.register::<B>(node.id, O::weight_gradient::<B>(x, weight, output_grad, options));
        }
    }
}

/// `forward(x, weight, options)` on the inner backend, recorded for [`ConvBackward`].
fn tracked<B: Backend + ConvGemmOps, C: CheckpointStrategy, O: Convolution>(
    x: FloatTensor<Autodiff<B, C>>,
    weight: FloatTensor<Autodiff<B, C>>,
    options: O,
    forward: fn(FloatTensor<B>, FloatTensor<B>, O) -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>> {
    match ConvBackward::<O>(PhantomData).prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
        OpsKind::Tracked(mut prep) => {
            let state = (prep.checkpoint(&x), prep.checkpoint(&weight), options.clone());
            prep.finish(state, forward(x.into_primitive(), weight.into_primitive(), options))
        }
        OpsKind::UnTracked(prep) => prep.finish(forward(x.into_primitive(), weight.into_primitive(), options)),
    }
}

impl<B: Backend + ConvGemmOps, C: CheckpointStrategy> ConvGemmOps for Autodiff<B, C> {
    fn conv2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        tracked::<B, C, _>(x, weight, options, B::conv2d_unbiased)
    }

    fn conv_transpose2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvTransposeOptions<2>) -> FloatTensor<Self> {
        tracked::<B, C, _>(x, weight, options, B::conv_transpose2d_unbiased)
    }
}
