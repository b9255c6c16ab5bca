//! The dense layer as one operation (`src/nn/dense`): its output and its three gradients against
//! the same layer computed by hand in f64, with and without the ReLU, for an input that is a
//! transposed view and for one that needs no gradient.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::nn::dense::dense;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

const BATCH: usize = 5;
const INPUTS: usize = 7;
const OUTPUTS: usize = 6;

/// Deterministic values of both signs, so that about half the pre-activations are negative.
fn pattern(count: usize, seed: usize) -> Vec<f32> {
    (0..count).map(|i| (((i * 37 + seed * 11) % 23) as f32 - 11.0) / 7.0).collect()
}

/// The layer and its input, in f32 for burn and f64 for the hand computation.
struct Case {
    x: Vec<f32>,
    weight: Vec<f32>,
    bias: Vec<f32>,
    /// A different weight on each output element, so a gradient in the wrong place shows.
    upstream: Vec<f32>,
}

impl Case {
    fn new() -> Case {
        Case { x: pattern(BATCH * INPUTS, 1), weight: pattern(INPUTS * OUTPUTS, 2), bias: pattern(OUTPUTS, 3), upstream: pattern(BATCH * OUTPUTS, 4) }
    }

    fn pre_activation(&self, n: usize, o: usize) -> f64 {
        self.bias[o] as f64 + (0..INPUTS).map(|i| self.x[n * INPUTS + i] as f64 * self.weight[i * OUTPUTS + o] as f64).sum::<f64>()
    }

    /// The gradient reaching the pre-activation at (n, o).
    fn pre_gradient(&self, n: usize, o: usize, relu: bool) -> f64 {
        if relu && self.pre_activation(n, o) <= 0.0 { 0.0 } else { self.upstream[n * OUTPUTS + o] as f64 }
    }

    fn layer(&self, device: &Device) -> Linear {
        let mut layer = LinearConfig::new(INPUTS, OUTPUTS).init(device);
        layer.weight = Param::from_tensor(Tensor::<1>::from_floats(self.weight.as_slice(), device).reshape([INPUTS, OUTPUTS]));
        layer.bias = Some(Param::from_tensor(Tensor::<1>::from_floats(self.bias.as_slice(), device)));
        layer
    }
}

fn close(got: f32, expected: f64, what: &str) {
    assert!((got as f64 - expected).abs() <= 1e-5 * expected.abs().max(1.0), "{what}: {got} against {expected}");
}

fn check_forward_and_gradients(relu: bool) {
    let device = cpu_device().autodiff();
    let case = Case::new();
    let layer = case.layer(&device);
    // The input arrives as a transposed view, as a tensor's `transpose()` hands it on.
    let stored: Vec<f32> = (0..INPUTS * BATCH).map(|k| case.x[(k % BATCH) * INPUTS + k / BATCH]).collect();
    let x = Tensor::<1>::from_floats(stored.as_slice(), &device).reshape([INPUTS, BATCH]).require_grad();
    let upstream = Tensor::<1>::from_floats(case.upstream.as_slice(), &device).reshape([BATCH, OUTPUTS]);
    let output = dense(&layer, x.clone().transpose(), relu);
    let gradients = (output.clone() * upstream).sum().backward();

    for (k, &got) in values(output).iter().enumerate() {
        let (n, o) = (k / OUTPUTS, k % OUTPUTS);
        let pre = case.pre_activation(n, o);
        close(got, if relu { pre.max(0.0) } else { pre }, &format!("output ({n}, {o})"));
    }
    let x_grad = values(x.grad(&gradients).unwrap()); // [INPUTS, BATCH], as x is stored
    for (k, &got) in x_grad.iter().enumerate() {
        let (i, n) = (k / BATCH, k % BATCH);
        let expected: f64 = (0..OUTPUTS).map(|o| case.pre_gradient(n, o, relu) * case.weight[i * OUTPUTS + o] as f64).sum();
        close(got, expected, &format!("input gradient ({n}, {i})"));
    }
    let weight_grad = values(layer.weight.grad(&gradients).unwrap());
    for (k, &got) in weight_grad.iter().enumerate() {
        let (i, o) = (k / OUTPUTS, k % OUTPUTS);
        let expected: f64 = (0..BATCH).map(|n| case.x[n * INPUTS + i] as f64 * case.pre_gradient(n, o, relu)).sum();
        close(got, expected, &format!("weight gradient ({i}, {o})"));
    }
    let bias_grad = values(layer.bias.as_ref().unwrap().grad(&gradients).unwrap());
    for (o, &got) in bias_grad.iter().enumerate() {
        close(got, (0..BATCH).map(|n| case.pre_gradient(n, o, relu)).sum(), &format!("bias gradient {o}"));
    }
}

#[test]
fn affine_layer_matches_the_hand_computation() {
    check_forward_and_gradients(false);
}

#[test]
fn layer_with_relu_matches_the_hand_computation() {
    let case = Case::new();
    let negatives = (0..BATCH * OUTPUTS).filter(|k| case.pre_activation(k / OUTPUTS, k % OUTPUTS) < 0.0).count();
    assert!((5..25).contains(&negatives), "the case exercises both sides of the ReLU ({negatives} of 30 negative)");
    check_forward_and_gradients(true);
}

#[test]
fn an_input_without_gradient_still_trains_the_weights_and_a_nan_shows() {
    let device = cpu_device().autodiff();
    let case = Case::new();
    let layer = case.layer(&device);
    let x = Tensor::<1>::from_floats(case.x.as_slice(), &device).reshape([BATCH, INPUTS]);
    let gradients = dense(&layer, x.clone(), true).sum().backward();
    let weight_grad = values(layer.weight.grad(&gradients).unwrap());
    close(weight_grad[0], (0..BATCH).map(|n| if case.pre_activation(n, 0) > 0.0 { case.x[n * INPUTS] as f64 } else { 0.0 }).sum(), "weight gradient (0, 0)");
    // A NaN input stays NaN through the ReLU, so that a diverging run is seen as one.
    let poisoned = x.slice_assign([0..1, 0..1], Tensor::<2>::full([1, 1], f32::NAN, &device));
    let output = values(dense(&layer, poisoned, true));
    assert!(output[..OUTPUTS].iter().all(|value| value.is_nan()), "{:?}", &output[..OUTPUTS]);
    assert!(output[OUTPUTS..].iter().all(|value| value.is_finite()));
}
