//! The fused binary cross-entropy with logits (`src/nn/fused_bce`): its values and both
//! gradients against the probability form computed in f64, over the whole range of logits.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::nn::loss::bce_with_logits;
use burn::prelude::*;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// Logits from -90 to 90 (saturated sigmoids at both ends, 0 in the middle), each with the
/// targets 0, 0.3 and 1: `[3, 361]`.
fn grid() -> (Vec<f32>, Vec<f32>) {
    let logits: Vec<f32> = (0..361).map(|i| (i as f32 - 180.0) * 0.5).collect();
    let logits = [logits.clone(), logits.clone(), logits].concat();
    let targets = [0.0f32, 0.3, 1.0].iter().flat_map(|&z| std::iter::repeat_n(z, 361)).collect();
    (logits, targets)
}

/// `softplus(x) - x·z` in f64, with `softplus` the log of `1 + e^x` computed stably.
fn exact_bce(x: f32, z: f32) -> f64 {
    let (x, z) = (x as f64, z as f64);
    x.max(0.0) + (-x.abs()).exp().ln_1p() - x * z
}

fn sigmoid(x: f32) -> f64 {
    1.0 / (1.0 + (-x as f64).exp())
}

#[test]
fn values_match_the_exact_loss_over_the_range_of_logits() {
    let device = cpu_device();
    let (logits, targets) = grid();
    let got = values(bce_with_logits(Tensor::<1>::from_floats(logits.as_slice(), &device).reshape([3, 361]), Tensor::<1>::from_floats(targets.as_slice(), &device).reshape([3, 361])));
    for ((&x, &z), got) in logits.iter().zip(&targets).zip(got) {
        let exact = exact_bce(x, z);
        // Relative to the loss where it is large, absolute (1e-7) near 0.
        assert!((got as f64 - exact).abs() <= 1e-6 * exact.abs().max(0.1), "x {x}, z {z}: {got} against {exact}");
    }
}

#[test]
fn both_gradients_match_the_derivatives() {
    let device = cpu_device().autodiff();
    let (logits, targets) = grid();
    let x = Tensor::<1>::from_floats(logits.as_slice(), &device).reshape([3, 361]).require_grad();
    let z = Tensor::<1>::from_floats(targets.as_slice(), &device).reshape([3, 361]).require_grad();
    // A different weight on each element, so a gradient in the wrong place shows.
    let weights: Vec<f32> = (0..3 * 361).map(|i| 1.0 + (i % 7) as f32 * 0.25).collect();
    let upstream = Tensor::<1>::from_floats(weights.as_slice(), &device).reshape([3, 361]);
    let gradients = (bce_with_logits(x.clone(), z.clone()) * upstream).sum().backward();
    let logits_grad = values(x.grad(&gradients).unwrap());
    let targets_grad = values(z.grad(&gradients).unwrap());
    for i in 0..logits.len() {
        let (x, z, w) = (logits[i], targets[i], weights[i] as f64);
        let expected = (sigmoid(x) - z as f64) * w;
        assert!((logits_grad[i] as f64 - expected).abs() <= 1e-6 * w, "d/dx at x {x}, z {z}: {} against {expected}", logits_grad[i]);
        assert!((targets_grad[i] as f64 + x as f64 * w).abs() <= 1e-6 * (x.abs() as f64 * w).max(1.0), "d/dz at x {x}");
    }
}

#[test]
fn targets_of_one_row_are_broadcast_over_the_batch() {
    let device = cpu_device();
    let logits = Tensor::<1>::from_floats([-2.0, 0.0, 3.0, 1.0, -1.0, 0.5], &device).reshape([2, 3]);
    let targets = Tensor::<1>::from_floats([1.0, 0.5, 0.0], &device).reshape([1, 3]);
    let got = values(bce_with_logits(logits, targets));
    let expected = [(-2.0, 1.0), (0.0, 0.5), (3.0, 0.0), (1.0, 1.0), (-1.0, 0.5), (0.5, 0.0)].map(|(x, z)| exact_bce(x, z));
    for (got, expected) in got.iter().zip(expected) {
        assert!((*got as f64 - expected).abs() < 1e-6, "{got} against {expected}");
    }
}
