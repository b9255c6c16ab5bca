//! The fused loss on `flex`: one pass over contiguous f32 values each way.

use burn::backend::{Flex, TensorMetadata, flex::FlexTensor};
use burn::tensor::TensorData;

use crate::backend::{all_f32, flex_values};

use super::kernels::{bce_logits_gradient, bce_with_logits};
use super::{FusedBceOps, composed_bce, composed_logits_gradient};

impl FusedBceOps for Flex {
    fn bce_with_logits_elementwise(logits: FlexTensor, targets: FlexTensor) -> FlexTensor {
        if !all_f32(&[&logits, &targets]) {
            return composed_bce::<Flex>(logits, targets);
        }
        let shape = TensorMetadata::shape(&logits);
        let (mut s0, mut s1) = (None, None);
        let output = zip_map(flex_values(&logits, &mut s0), flex_values(&targets, &mut s1), bce_with_logits);
        FlexTensor::from_data(TensorData::new(output, shape))
    }

    fn bce_with_logits_logits_gradient(logits: FlexTensor, targets: FlexTensor, output_grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&logits, &targets, &output_grad]) {
            return composed_logits_gradient::<Flex>(logits, targets, output_grad);
        }
        let shape = TensorMetadata::shape(&logits);
        let (mut s0, mut s1, mut s2) = (None, None, None);
        let (logits, targets, output_grad) = (flex_values(&logits, &mut s0), flex_values(&targets, &mut s1), flex_values(&output_grad, &mut s2));
        assert!(targets.len() == logits.len() && output_grad.len() == logits.len(), "the fused loss's gradient has one shape");
        let gradient: Vec<f32> = logits.iter().zip(targets).zip(output_grad).map(|((&x, &z), &g)| bce_logits_gradient(x, z, g)).collect();
        FlexTensor::from_data(TensorData::new(gradient, shape))
    }
}

/// `f` of each pair, in a new vector (a plain loop, so the compiler vectorizes it).
fn zip_map(left: &[f32], right: &[f32], f: impl Fn(f32, f32) -> f32) -> Vec<f32> {
    assert_eq!(left.len(), right.len(), "the fused loss's inputs have one shape");
    left.iter().zip(right).map(|(&l, &r)| f(l, r)).collect()
}
