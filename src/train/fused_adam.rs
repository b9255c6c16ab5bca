//! Adam in one pass over each parameter on the CPU.
//!
//! burn's Adam is a chain of a dozen tensor ops per parameter (two moment updates, a square, a
//! square root, a division, the scaled subtraction...), each a pass over memory that allocates
//! its output. Every step runs it over all weights (653k for the VAE), on every data-parallel
//! worker alike, whatever the batch. On the CPU this optimizer reads the gradient where it lies
//! (a slice of a data-parallel run's flat sum too) and updates both moments, and the parameter
//! when nothing else holds it, in place, in one loop ([`FusedAdamOps`], a `flex` extension).
//! In the page that made a VAE step 4-7% faster (docs/benchmarks.md, against TensorFlow.js).
//! Elsewhere (WebGPU) it is burn's Adam. The state is burn's [`AdamState`], so either one can
//! take over the other's state.

use burn::backend::{Backend, Dispatch, Flex, backend_extension, flex::FlexTensor, tensor::FloatTensor};
use burn::module::{ModuleMapper, Param};
use burn::optim::{Adam, AdamConfig, AdamState, AdaptiveMomentumState, GradientsParams, LearningRate, ModuleOptimizer, Optimizer};
use burn::prelude::*;
use burn::tensor::{DType, TensorData};

use crate::backend::flex_values;

/// Adam (no weight decay, no AMSGrad), fused on the CPU.
#[derive(Clone)]
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    /// burn's Adam with the same settings, for devices whose buffers the host cannot touch.
    elsewhere: Adam,
}

impl FusedAdam {
    /// Adam with decays `beta_1`, `beta_2` and `epsilon` added to the root of the second moment.
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32) -> Self {
        let elsewhere = AdamConfig::new().with_beta_1(beta_1).with_beta_2(beta_2).with_epsilon(epsilon).build();
        FusedAdam { beta_1, beta_2, epsilon, elsewhere }
    }

    /// Whether a step on `device` (a parameter's, without autodiff) runs fused, on the host.
    pub fn fuses_on(device: &Device) -> bool {
        *device == crate::backend::cpu_device()
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(&self, lr: LearningRate, tensor: Tensor<D>, grad: Tensor<D>, state: Option<AdamState<D>>) -> (Tensor<D>, Option<AdamState<D>>) {
        let device = tensor.device();
        if !Self::fuses_on(&device) || tensor.dtype() != DType::F32 || grad.dtype() != DType::F32 {
            return self.elsewhere.step(lr, tensor, grad, state);
        }
        let (time, moment_1, moment_2) = match state {
            Some(state) => (state.momentum.time, state.momentum.moment_1, state.momentum.moment_2),
            None => (0, tensor.zeros_like(), tensor.zeros_like()),
        };
        let time = time + 1;
        // The bias corrections folded into the step size and epsilon, as burn's Adam does.
        let correction_2 = (1.0 - self.beta_2.powi(time as i32)).sqrt();
        let step_size = lr as f32 * correction_2 / (1.0 - self.beta_1.powi(time as i32));
        let decays_and_epsilon = [self.beta_1, self.beta_2, self.epsilon * correction_2];
        let (parameter, moment_1, moment_2) = <Dispatch as FusedAdamOps>::adam_update(
            tensor.into_dispatch(),
            grad.into_dispatch(),
            moment_1.into_dispatch(),
            moment_2.into_dispatch(),
            step_size,
            decays_and_epsilon,
        );
        let momentum = AdaptiveMomentumState::new(time, Tensor::from_dispatch(moment_1), Tensor::from_dispatch(moment_2));
        (Tensor::from_dispatch(parameter), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: AdamState<D>, device: &Device) -> AdamState<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// One optimizer step of `model`, moved into the step rather than cloned: a clone shares every
/// weight, and the fused Adam then copies each before updating it (2.2% of a native VAE step
/// before the autoencoders' trainer moved its model). Meanwhile `model` holds a hollow stand-in,
/// every parameter one zero, which the stepped model replaces.
pub fn step_moved<M: Module>(optimizer: &mut ModuleOptimizer, learning_rate: f64, model: &mut M, gradients: GradientsParams) {
    let stand_in = model.clone().map(&mut Hollow);
    let moved = std::mem::replace(model, stand_in);
    *model = optimizer.step(learning_rate, moved, gradients);
}

/// Replaces every float parameter by a one-element zero (keeping its id), so that the module
/// holds none of the original's buffers.
struct Hollow;

impl ModuleMapper for Hollow {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, _) = param.consume();
        let device = tensor.device();
        Param::initialized(id, Tensor::zeros([1; D], &device))
    }
}

/// One Adam update of a parameter: `(parameter, moment_1, moment_2)` after a step with `grad`.
/// `decays_and_epsilon` is `[beta_1, beta_2, epsilon]`, the latter bias-corrected like
/// `step_size`. Only `flex` has it (the optimizer asks for it only on the CPU).
#[backend_extension(Flex)]
pub trait FusedAdamOps: Backend {
    fn adam_update(
        parameter: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step_size: f32,
        decays_and_epsilon: [f32; 3],
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl FusedAdamOps for Flex {
    fn adam_update(parameter: FlexTensor, grad: FlexTensor, moment_1: FlexTensor, moment_2: FlexTensor, step_size: f32, decays_and_epsilon: [f32; 3]) -> (FlexTensor, FlexTensor, FlexTensor) {
        let [beta_1, beta_2, epsilon] = decays_and_epsilon;
        let mut scratch = None;
        let g = flex_values(&grad, &mut scratch);
        // The moments are the optimizer's own, so they are updated in place; the parameter is
        // too once nothing else holds it (else it is copied once, as a new buffer would be).
        let (mut parameter, mut moment_1, mut moment_2) = (owned(parameter), owned(moment_1), owned(moment_2));
        let (p, m, v) = (storage(&mut parameter), storage(&mut moment_1), storage(&mut moment_2));
        assert!(g.len() == p.len() && m.len() == p.len() && v.len() == p.len(), "a parameter, its gradient and its moments have one shape");
        for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = beta_1 * *m + (1.0 - beta_1) * g;
            *v = beta_2 * *v + (1.0 - beta_2) * g * g;
            *p -= step_size * *m / (v.sqrt() + epsilon);
        }
        (parameter, moment_1, moment_2)
    }
}

/// `tensor` as the sole owner of a buffer of exactly its values, in order (copied if not).
fn owned(mut tensor: FlexTensor) -> FlexTensor {
    let count = tensor.layout().num_elements();
    let whole_buffer = tensor.layout().contiguous_offsets() == Some((0, count));
    if whole_buffer && tensor.try_storage_mut::<f32>().is_some_and(|values| values.len() == count) {
        return tensor;
    }
    let shape = burn::backend::TensorMetadata::shape(&tensor);
    let mut scratch = None;
    FlexTensor::from_data(TensorData::new(flex_values(&tensor, &mut scratch).to_vec(), shape))
}

fn storage(tensor: &mut FlexTensor) -> &mut [f32] {
    tensor.try_storage_mut::<f32>().expect("an owned tensor")
}
