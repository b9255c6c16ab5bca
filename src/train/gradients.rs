//! Gradients as one flat vector: the form in which data-parallel replicas (one per web worker)
//! exchange them. Each replica computes the gradient of its share of a batch, the leader sums the
//! shares, and every replica applies that same sum, so their weights and optimizer states stay
//! identical without ever sending weights.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Gradients;

use crate::error::{AeError, AeResult, ensure};
use crate::model::{Autoencoder, Network};

/// The gradients of `network`'s parameters out of a backward pass (the other networks' are
/// dropped: an update of one network leaves the others as they are).
pub fn of_network(model: &Autoencoder, network: Network, mut gradients: Gradients) -> GradientsParams {
    struct Extract<'a> {
        gradients: &'a mut Gradients,
        params: GradientsParams,
    }
    impl ModuleVisitor for Extract<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(gradient) = param.val().grad_remove(self.gradients) {
                self.params.register(param.id, gradient);
            }
        }
    }
    let mut extract = Extract { gradients: &mut gradients, params: GradientsParams::new() };
    model.visit_network(network, &mut extract);
    extract.params
}

/// The number of values in `network`'s parameters: the length of its flat gradient.
pub fn network_len(model: &Autoencoder, network: Network) -> usize {
    struct Count(usize);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0 += param.lazy_shape().iter().product::<usize>();
        }
    }
    let mut count = Count(0);
    model.visit_network(network, &mut count);
    count.0
}

/// The gradients of `network`'s parameters in visiting order, concatenated; a parameter without
/// a gradient counts as zeros, so that every replica's vector lines up. The gradients are taken
/// out of `gradients`: a buffer nothing else holds is read in place.
///
/// # Shapes
/// - output: `[network_len(model, network)]`
pub async fn flatten(model: &Autoencoder, network: Network, gradients: GradientsParams) -> AeResult<Vec<f32>> {
    let device = crate::backend::device_of(model)?.inner();
    flatten_visited(gradients, device, |collect| model.visit_network(network, collect)).await
}

/// [`flatten`] for every parameter of any module (a model with a single network).
pub async fn flatten_module<M: Module>(module: &M, gradients: GradientsParams) -> AeResult<Vec<f32>> {
    let device = module.devices().first().cloned().ok_or_else(|| AeError::Backend("module has no device".into()))?.inner();
    flatten_visited(gradients, device, |collect| module.visit(collect)).await
}

/// Collects the gradients of the parameters that `visit` walks, in its order.
pub struct Collect {
    gradients: GradientsParams,
    device: Device,
    pieces: Vec<Tensor<1>>,
}

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let piece = self.gradients.remove::<D>(param.id).unwrap_or_else(|| Tensor::zeros(param.val().dims(), &self.device));
        let length = piece.shape().num_elements();
        self.pieces.push(piece.reshape([length]));
    }
}

async fn flatten_visited(gradients: GradientsParams, device: Device, visit: impl FnOnce(&mut Collect)) -> AeResult<Vec<f32>> {
    let on_host = device == crate::backend::cpu_device();
    let mut collect = Collect { gradients, device, pieces: Vec::new() };
    visit(&mut collect);
    if !on_host {
        // One readback from a GPU, of all pieces at once.
        if collect.pieces.is_empty() {
            return Ok(Vec::new());
        }
        let flat = Tensor::cat(collect.pieces, 0).into_data_async().await.map_err(backend_error)?;
        return flat.try_into_vec::<f32>().map_err(backend_error);
    }
    // On the CPU each piece is copied once, straight into the flat vector.
    let mut flat = Vec::with_capacity(collect.pieces.iter().map(|piece| piece.dims()[0]).sum());
    for piece in collect.pieces {
        let data = piece.into_data_async().await.map_err(backend_error)?;
        flat.extend_from_slice(data.as_slice::<f32>().map_err(backend_error)?);
    }
    Ok(flat)
}

fn backend_error(err: impl std::fmt::Debug) -> AeError {
    AeError::Backend(format!("{err:?}"))
}

/// The inverse of [`flatten`]: `flat` cut into `network`'s parameter shapes, on `device` (the
/// device the gradients live on: the model's, without autodiff). The pieces are views of `flat`'s
/// own buffer (no copy on the CPU).
pub fn unflatten(model: &Autoencoder, network: Network, flat: Vec<f32>, device: &Device) -> AeResult<GradientsParams> {
    let expected = network_len(model, network);
    ensure(flat.len() == expected, || format!("a flat gradient of this network has {expected} values, got {}", flat.len()))?;
    Ok(unflatten_visited(flat, device, |split| model.visit_network(network, split)))
}

/// [`unflatten`] for every parameter of any module.
pub fn unflatten_module<M: Module>(module: &M, flat: Vec<f32>, device: &Device) -> AeResult<GradientsParams> {
    let expected = module.num_params();
    ensure(flat.len() == expected, || format!("a flat gradient of this model has {expected} values, got {}", flat.len()))?;
    Ok(unflatten_visited(flat, device, |split| module.visit(split)))
}

/// Cuts a flat gradient into the shapes of the parameters that `visit` walks.
pub struct Split {
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

fn unflatten_visited(flat: Vec<f32>, device: &Device, visit: impl FnOnce(&mut Split)) -> GradientsParams {
    let length = flat.len();
    let flat = Tensor::<1>::from_data(TensorData::new(flat, [length]), device);
    let mut split = Split { flat, offset: 0, gradients: GradientsParams::new() };
    visit(&mut split);
    split.gradients
}

/// Adds `other` into `sum`, element by element (shares of one batch, already weighted).
pub fn accumulate(sum: &mut [f32], other: &[f32]) -> AeResult<()> {
    ensure(sum.len() == other.len(), || format!("gradients of different lengths: {} and {}", sum.len(), other.len()))?;
    for (total, value) in sum.iter_mut().zip(other) {
        *total += value;
    }
    Ok(())
}
