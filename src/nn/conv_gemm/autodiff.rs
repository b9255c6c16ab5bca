//! The backward pass of [`ConvGemmOps`]: both gradients from the inner backend's [`ConvGemmOps`].

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::{Autodiff, Backend, tensor::FloatTensor};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};

use super::ConvGemmOps;

#[derive(Debug)]
struct Conv2dBackward;

impl<B: Backend + ConvGemmOps> Backward<B, 2> for Conv2dBackward {
    type State = (NodeId, NodeId, ConvOptions<2>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        if let Some(node) = x_node {
            let grad = B::conv2d_input_gradient(x.clone(), weight.clone(), output_grad.clone(), options.clone());
            grads.register::<B>(node.id, grad);
        }
        if let Some(node) = weight_node {
            grads.register::<B>(node.id, B::conv2d_weight_gradient(x, weight, output_grad, options));
        }
    }
}

#[derive(Debug)]
struct ConvTranspose2dBackward;

impl<B: Backend + ConvGemmOps> Backward<B, 2> for ConvTranspose2dBackward {
    type State = (NodeId, NodeId, ConvTransposeOptions<2>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [x_node, weight_node] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        if let Some(node) = x_node {
            let grad = B::conv_transpose2d_input_gradient(x.clone(), weight.clone(), output_grad.clone(), options.clone());
            grads.register::<B>(node.id, grad);
        }
        if let Some(node) = weight_node {
            grads.register::<B>(node.id, B::conv_transpose2d_weight_gradient(x, weight, output_grad, options));
        }
    }
}

impl<B: Backend + ConvGemmOps, C: CheckpointStrategy> ConvGemmOps for Autodiff<B, C> {
    fn conv2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        match Conv2dBackward.prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), prep.checkpoint(&weight), options.clone());
                prep.finish(state, B::conv2d_unbiased(x.into_primitive(), weight.into_primitive(), options))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::conv2d_unbiased(x.into_primitive(), weight.into_primitive(), options)),
        }
    }

    fn conv_transpose2d_unbiased(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvTransposeOptions<2>) -> FloatTensor<Self> {
        match ConvTranspose2dBackward.prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), prep.checkpoint(&weight), options.clone());
                prep.finish(state, B::conv_transpose2d_unbiased(x.into_primitive(), weight.into_primitive(), options))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::conv_transpose2d_unbiased(x.into_primitive(), weight.into_primitive(), options)),
        }
    }
}
