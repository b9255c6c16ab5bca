//! The dense layer as one operation (`src/nn/dense`): its output and its three gradients against
//! the same layer computed by hand in f64, with and without the ReLU, for an input that is a
//! transposed view, for one that needs no gradient, and for a mostly-zero one (which the CPU
//! multiplies by its nonzeros only, `src/nn/sparse.rs`).
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::nn::dense::dense;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// Deterministic values of both signs, so that about half the pre-activations are negative.
fn pattern(count: usize, seed: usize) -> Vec<f32> {
    (0..count).map(|i| (((i * 37 + seed * 11) % 23) as f32 - 11.0) / 7.0).collect()
}

/// The layer and its input, in f32 for burn and f64 for the hand computation.
struct Case {
    batch: usize,
    inputs: usize,
    outputs: usize,
    x: Vec<f32>,
    weight: Vec<f32>,
    bias: Vec<f32>,
    /// A different weight on each output element, so a gradient in the wrong place shows.
    upstream: Vec<f32>,
}

impl Case {
    /// A small layer with a dense input.
    fn new() -> Case {
        Case::sized([5, 7, 6])
    }

    fn sized([batch, inputs, outputs]: [usize; 3]) -> Case {
        let (x, weight, bias, upstream) = (pattern(batch * inputs, 1), pattern(inputs * outputs, 2), pattern(outputs, 3), pattern(batch * outputs, 4));
        Case { batch, inputs, outputs, x, weight, bias, upstream }
    }

    /// A wider layer whose input is 90% zeros, with an all-zero row and an all-zero column: the
    /// sparse product's every panel width (32, 16, 8 and single columns for 61 outputs) and its
    /// empty rows, in the forward product and in the weight's gradient.
    fn sparse() -> Case {
        let mut case = Case::sized([9, 40, 61]);
        let inputs = case.inputs;
        for (k, value) in case.x.iter_mut().enumerate() {
            let (n, i) = (k / inputs, k % inputs);
            if n == 3 || i == 5 || (k * 7919) % 10 != 0 {
                *value = 0.0;
            }
        }
        case
    }

    fn pre_activation(&self, n: usize, o: usize) -> f64 {
        let (inputs, outputs) = (self.inputs, self.outputs);
        self.bias[o] as f64 + (0..inputs).map(|i| self.x[n * inputs + i] as f64 * self.weight[i * outputs + o] as f64).sum::<f64>()
    }

    /// The gradient reaching the pre-activation at (n, o).
    fn pre_gradient(&self, n: usize, o: usize, relu: bool) -> f64 {
        if relu && self.pre_activation(n, o) <= 0.0 { 0.0 } else { self.upstream[n * self.outputs + o] as f64 }
    }

    fn layer(&self, device: &Device) -> Linear {
        let mut layer = LinearConfig::new(self.inputs, self.outputs).init(device);
        layer.weight = Param::from_tensor(Tensor::<1>::from_floats(self.weight.as_slice(), device).reshape([self.inputs, self.outputs]));
        layer.bias = Some(Param::from_tensor(Tensor::<1>::from_floats(self.bias.as_slice(), device)));
        layer
    }
}

fn close(got: f32, expected: f64, what: &str) {
    assert!((got as f64 - expected).abs() <= 1e-5 * expected.abs().max(1.0), "{what}: {got} against {expected}");
}

fn check_forward_and_gradients(case: &Case, relu: bool) {
    let device = cpu_device().autodiff();
    let [batch, inputs, outputs] = [case.batch, case.inputs, case.outputs];
    let layer = case.layer(&device);
    // The input arrives as a transposed view, as a tensor's `transpose()` hands it on.
    let stored: Vec<f32> = (0..inputs * batch).map(|k| case.x[(k % batch) * inputs + k / batch]).collect();
    let x = Tensor::<1>::from_floats(stored.as_slice(), &device).reshape([inputs, batch]).require_grad();
    let upstream = Tensor::<1>::from_floats(case.upstream.as_slice(), &device).reshape([batch, outputs]);
    let output = dense(&layer, x.clone().transpose(), relu);
    let gradients = (output.clone() * upstream).sum().backward();

    for (k, &got) in values(output).iter().enumerate() {
        let (n, o) = (k / outputs, k % outputs);
        let pre = case.pre_activation(n, o);
        close(got, if relu { pre.max(0.0) } else { pre }, &format!("output ({n}, {o})"));
    }
    let x_grad = values(x.grad(&gradients).unwrap()); // [inputs, batch], as x is stored
    for (k, &got) in x_grad.iter().enumerate() {
        let (i, n) = (k / batch, k % batch);
        let expected: f64 = (0..outputs).map(|o| case.pre_gradient(n, o, relu) * case.weight[i * outputs + o] as f64).sum();
        close(got, expected, &format!("input gradient ({n}, {i})"));
    }
    let weight_grad = values(layer.weight.grad(&gradients).unwrap());
    for (k, &got) in weight_grad.iter().enumerate() {
        let (i, o) = (k / outputs, k % outputs);
        let expected: f64 = (0..batch).map(|n| case.x[n * inputs + i] as f64 * case.pre_gradient(n, o, relu)).sum();
        close(got, expected, &format!("weight gradient ({i}, {o})"));
    }
    let bias_grad = values(layer.bias.as_ref().unwrap().grad(&gradients).unwrap());
    for (o, &got) in bias_grad.iter().enumerate() {
        close(got, (0..batch).map(|n| case.pre_gradient(n, o, relu)).sum(), &format!("bias gradient {o}"));
    }
}

#[test]
fn affine_layer_matches_the_hand_computation() {
    check_forward_and_gradients(&Case::new(), false);
}

#[test]
fn layer_with_relu_matches_the_hand_computation() {
    let case = Case::new();
    let [batch, outputs] = [case.batch, case.outputs];
    let negatives = (0..batch * outputs).filter(|k| case.pre_activation(k / outputs, k % outputs) < 0.0).count();
    assert!((5..25).contains(&negatives), "the case exercises both sides of the ReLU ({negatives} of 30 negative)");
    check_forward_and_gradients(&case, true);
}

#[test]
fn an_input_without_gradient_still_trains_the_weights_and_a_nan_shows() {
    let device = cpu_device().autodiff();
    let case = Case::new();
    let [batch, inputs, outputs] = [case.batch, case.inputs, case.outputs];
    let layer = case.layer(&device);
    let x = Tensor::<1>::from_floats(case.x.as_slice(), &device).reshape([batch, inputs]);
    let gradients = dense(&layer, x.clone(), true).sum().backward();
    let weight_grad = values(layer.weight.grad(&gradients).unwrap());
    close(weight_grad[0], (0..batch).map(|n| if case.pre_activation(n, 0) > 0.0 { case.x[n * inputs] as f64 } else { 0.0 }).sum(), "weight gradient (0, 0)");
    // A NaN input stays NaN through the ReLU, so that a diverging run is seen as one.
    let poisoned = x.slice_assign([0..1, 0..1], Tensor::<2>::full([1, 1], f32::NAN, &device));
    let output = values(dense(&layer, poisoned, true));
    assert!(output[..outputs].iter().all(|value| value.is_nan()), "{:?}", &output[..outputs]);
    assert!(output[outputs..].iter().all(|value| value.is_finite()));
}

#[test]
fn mostly_zero_input_matches_the_hand_computation() {
    let case = Case::sparse();
    let nonzero = case.x.iter().filter(|value| **value != 0.0).count() as f64 / case.x.len() as f64;
    assert!((0.05..0.12).contains(&nonzero), "the input is sparse enough for the sparse product ({nonzero})");
    check_forward_and_gradients(&case, false);
    check_forward_and_gradients(&case, true);
}

#[test]
fn a_nan_in_a_mostly_zero_input_poisons_its_row() {
    let device = cpu_device();
    let case = Case::sparse();
    let [batch, inputs, outputs] = [case.batch, case.inputs, case.outputs];
    let mut x = case.x.clone();
    x[2 * inputs + 1] = f32::NAN;
    let output = values(dense(&case.layer(&device), Tensor::<1>::from_floats(x.as_slice(), &device).reshape([batch, inputs]), false));
    assert!(output[2 * outputs..3 * outputs].iter().all(|value| value.is_nan()));
    assert!(output[..2 * outputs].iter().chain(&output[3 * outputs..]).all(|value| value.is_finite()));
}
