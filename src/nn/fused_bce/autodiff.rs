//! The backward pass of [`FusedBceOps`]: the logits' gradient from the inner backend, the
//! targets' (`-x·g`, wanted only when the targets are themselves computed) from burn's ops.

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::{Autodiff, Backend, tensor::FloatTensor};

use super::FusedBceOps;

#[derive(Debug)]
struct BceBackward;

impl<B: Backend + FusedBceOps> Backward<B, 2> for BceBackward {
    type State = (NodeId, NodeId);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [logits_node, targets_node] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (logits_state, targets_state) = ops.state;
        let logits = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(logits_state);
        let targets = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(targets_state);
        if let Some(node) = targets_node {
            grads.register::<B>(node.id, B::float_neg(B::float_mul(logits.clone(), output_grad.clone())));
        }
        if let Some(node) = logits_node {
            grads.register::<B>(node.id, B::bce_with_logits_logits_gradient(logits, targets, output_grad));
        }
    }
}

impl<B: Backend + FusedBceOps, C: CheckpointStrategy> FusedBceOps for Autodiff<B, C> {
    fn bce_with_logits_elementwise(logits: FloatTensor<Self>, targets: FloatTensor<Self>) -> FloatTensor<Self> {
        // Compute-bound: the backward pass reads the inputs, not the output.
        match BceBackward.prepare::<C>([logits.node(), targets.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&logits), prep.checkpoint(&targets));
                prep.finish(state, B::bce_with_logits_elementwise(logits.into_primitive(), targets.into_primitive()))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::bce_with_logits_elementwise(logits.into_primitive(), targets.into_primitive())),
        }
    }
}
