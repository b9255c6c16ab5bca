//! Adam in one pass over each parameter on the CPU.
//!
//! burn's Adam is a chain of a dozen tensor ops per parameter (two moment updates, a square, a
//! square root, a division, the scaled subtraction...), each a pass over memory that allocates
//! its output. Every step runs it over all weights (653k for the VAE), on every data-parallel
//! worker alike, whatever the batch. On the CPU this optimizer reads the parameter, its gradient
//! and both moments once and writes them back in the same loop. The weight and the moments come
//! back without a copy (their buffers are the f32 vectors this loop wrote); the gradient, a `flex`
//! output in a realigned allocation, is copied once. In the page that made a VAE step 4-7%
//! faster (README, "Ten times TensorFlow.js").
//! Elsewhere (WebGPU) it is burn's Adam. The state is burn's [`AdamState`], so either one can
//! take over the other's state.

use burn::optim::{Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::prelude::*;

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
        if !Self::fuses_on(&device) {
            return self.elsewhere.step(lr, tensor, grad, state);
        }
        let shape = tensor.shape();
        let (time, moments) = match state {
            Some(state) => (state.momentum.time, Some((state.momentum.moment_1, state.momentum.moment_2))),
            None => (0, None),
        };
        let time = time + 1;
        let mut parameter = host_values(tensor);
        let gradient = host_values(grad);
        let (mut moment_1, mut moment_2) = match moments {
            Some((first, second)) => (host_values(first), host_values(second)),
            None => (vec![0.0; parameter.len()], vec![0.0; parameter.len()]),
        };
        let correction_2 = (1.0 - self.beta_2.powi(time as i32)).sqrt();
        let step_size = lr as f32 * correction_2 / (1.0 - self.beta_1.powi(time as i32));
        let epsilon = self.epsilon * correction_2;
        let (beta_1, beta_2) = (self.beta_1, self.beta_2);
        for (((p, &g), m), v) in parameter.iter_mut().zip(&gradient).zip(&mut moment_1).zip(&mut moment_2) {
            *m = beta_1 * *m + (1.0 - beta_1) * g;
            *v = beta_2 * *v + (1.0 - beta_2) * g * g;
            *p -= step_size * *m / (v.sqrt() + epsilon);
        }
        let on_device = |values: Vec<f32>| Tensor::<D>::from_data(TensorData::new(values, shape.clone()), &device);
        let momentum = AdaptiveMomentumState::new(time, on_device(moment_1), on_device(moment_2));
        (on_device(parameter), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: AdamState<D>, device: &Device) -> AdamState<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// A CPU tensor's values: without a copy when nothing else holds its buffer and it was allocated as
/// f32 values (burn refuses to hand over `flex`'s over-aligned op outputs, and copies those).
fn host_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    // `flex` reads are ready at once, so a synchronous read never blocks, in wasm too.
    tensor.into_data().try_into_vec::<f32>().expect("a float parameter of f32")
}
