//! The backward pass of [`DenseOps`]: every gradient from the inner backend's [`DenseOps`].

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::{Autodiff, Backend, tensor::FloatTensor};

use super::DenseOps;

#[derive(Debug)]
struct DenseBackward;

impl<B: Backend + DenseOps> Backward<B, 3> for DenseBackward {
    /// The input's and the weight's checkpoints, and the output when it went through a ReLU
    /// (whose gradient is a mask of it).
    type State = (NodeId, NodeId, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [x_node, weight_node, bias_node] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, relu_output) = ops.state;
        let grad = match relu_output {
            Some(output) => B::dense_relu_gradient(output, output_grad),
            None => output_grad,
        };
        if let Some(node) = x_node {
            let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
            grads.register::<B>(node.id, B::dense_input_gradient(weight, grad.clone()));
        }
        if let Some(node) = weight_node {
            let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
            grads.register::<B>(node.id, B::dense_weight_gradient(x, grad.clone()));
        }
        if let Some(node) = bias_node {
            grads.register::<B>(node.id, B::dense_bias_gradient(grad));
        }
    }
}

impl<B: Backend + DenseOps, C: CheckpointStrategy> DenseOps for Autodiff<B, C> {
    fn dense_forward(x: FloatTensor<Self>, weight: FloatTensor<Self>, bias: FloatTensor<Self>, relu: bool) -> FloatTensor<Self> {
        match DenseBackward.prepare::<C>([x.node(), weight.node(), bias.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let (x_state, weight_state) = (prep.checkpoint(&x), prep.checkpoint(&weight));
                let output = B::dense_forward(x.into_primitive(), weight.into_primitive(), bias.into_primitive(), relu);
                let state = (x_state, weight_state, relu.then(|| output.clone()));
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::dense_forward(x.into_primitive(), weight.into_primitive(), bias.into_primitive(), relu)),
        }
    }
}
