//! Gradients as one flat vector: the form in which data-parallel replicas (one per web worker)
//! exchange them. Each replica computes the gradient of its share of a batch, the leader sums the
//! shares, and every replica applies that same sum, so their weights and optimizer states stay
//! identical without ever sending weights.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

use crate::error::{AeError, AeResult, ensure};

/// The gradients of `model`'s parameters in visiting order, concatenated; a parameter without a
/// gradient counts as zeros, so that every replica's vector lines up.
///
/// # Shapes
/// - output: `[model.num_params()]`
pub async fn flatten<M: Module>(model: &M, gradients: &GradientsParams) -> AeResult<Vec<f32>> {
    struct Collect<'a> {
        gradients: &'a GradientsParams,
        device: Device,
        pieces: Vec<Tensor<1>>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let piece = self.gradients.get::<D>(param.id).unwrap_or_else(|| Tensor::zeros(param.val().dims(), &self.device));
            let length = piece.shape().num_elements();
            self.pieces.push(piece.reshape([length]));
        }
    }
    let device = model.devices().first().cloned().ok_or_else(|| AeError::Backend("model has no device".into()))?.inner();
    let mut collect = Collect { gradients, device, pieces: Vec::new() };
    model.visit(&mut collect);
    if collect.pieces.is_empty() {
        return Ok(Vec::new());
    }
    let flat = Tensor::cat(collect.pieces, 0).into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
    flat.try_into_vec::<f32>().map_err(|err| AeError::Backend(format!("{err:?}")))
}

/// The inverse of [`flatten`]: `flat` cut into `model`'s parameter shapes, on `device` (the
/// device the gradients live on: the model's, without autodiff).
pub fn unflatten<M: Module>(model: &M, flat: &[f32], device: &Device) -> AeResult<GradientsParams> {
    let expected = model.num_params();
    ensure(flat.len() == expected, || format!("a flat gradient of this model has {expected} values, got {}", flat.len()))?;
    struct Split {
        flat: Tensor<1>,
        offset: usize,
        gradients: GradientsParams,
    }
    impl ModuleVisitor for Split {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let dims = param.val().dims();
            let length: usize = dims.iter().product();
            let piece = self.flat.clone().slice(self.offset..self.offset + length).reshape(dims);
            self.gradients.register::<D>(param.id, piece);
            self.offset += length;
        }
    }
    let flat = Tensor::<1>::from_data(TensorData::new(flat.to_vec(), [flat.len()]), device);
    let mut split = Split { flat, offset: 0, gradients: GradientsParams::new() };
    model.visit(&mut split);
    Ok(split.gradients)
}

/// Adds `other` into `sum`, element by element (shares of one batch, already weighted).
pub fn accumulate(sum: &mut [f32], other: &[f32]) -> AeResult<()> {
    ensure(sum.len() == other.len(), || format!("gradients of different lengths: {} and {}", sum.len(), other.len()))?;
    for (total, value) in sum.iter_mut().zip(other) {
        *total += value;
    }
    Ok(())
}
