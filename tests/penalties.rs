//! The sparse and contractive penalties against hand computations and a finite-difference
//! Jacobian, and their refusal of impossible settings.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::nn::mlp::{Activation, Mlp, MlpConfig};
use aestudio::model::{Architecture, Objective, Preset};
use burn::prelude::*;

mod common;
use common::{assert_close, tensor2, values};

#[test]
fn sparsity_penalties_match_hand_computations() {
    let code = tensor2(&[&[0.1, -0.5, 0.0], &[0.3, 0.2, -0.4]]);
    assert_eq!(values(aestudio::nn::loss::l1_activity(code)), vec![0.6, 0.9]);
    // Mean activations 0.2 and 0.4 against rho 0.1: Σ ρ ln(ρ/ρ̂) + (1-ρ) ln((1-ρ)/(1-ρ̂)).
    let code = tensor2(&[&[0.1, 0.6], &[0.3, 0.2]]);
    let expected: f64 = [0.2f64, 0.4].iter().map(|&m| 0.1 * (0.1 / m).ln() + 0.9 * (0.9 / (1.0 - m)).ln()).sum();
    assert_close(values(aestudio::nn::loss::kl_sparsity(code.clone(), 0.1))[0], expected, 1e-6);
    assert_close(values(aestudio::nn::loss::kl_sparsity(tensor2(&[&[0.25, 0.25]]), 0.25))[0], 0.0, 1e-6);
}

/// `‖∂h/∂x‖²_F` of `mlp` at `x` by central differences, one input coordinate at a time.

fn finite_difference_jacobian_norm(mlp: &Mlp, x: &[f32], output_activation: Option<Activation>) -> f64 {
    let device = cpu_device();
    let n = x.len();
    let step = 1e-2f32;
    let mut rows = Vec::with_capacity(2 * n * n);
    for sign in [1.0f32, -1.0] {
        for i in 0..n {
            let mut shifted = x.to_vec();
            shifted[i] += sign * step;
            rows.extend(shifted);
        }
    }
    let (outputs, _) = mlp.forward_with_jacobian_norm(Tensor::from_data(TensorData::new(rows, [2 * n, n]), &device), output_activation);
    let outputs = values(outputs);
    let width = outputs.len() / (2 * n);
    (0..n)
        .flat_map(|i| (0..width).map(move |j| (i, j)))
        .map(|(i, j)| {
            let derivative = (outputs[i * width + j] - outputs[(n + i) * width + j]) as f64 / (2.0 * step as f64);
            derivative * derivative
        })
        .sum()
}

#[test]
fn the_contractive_penalty_matches_a_finite_difference_jacobian() {
    let device = cpu_device();
    device.seed(4);
    let x: Vec<f32> = (0..12).map(|i| ((i * 7) % 11) as f32 / 11.0).collect();
    let input = || Tensor::<2>::from_data(TensorData::new(x.clone(), [1, 12]), &device);
    for (widths, activation, output) in [
        (vec![12, 5], Activation::Sigmoid, Some(Activation::Sigmoid)), // the closed form, one layer
        (vec![12, 5], Activation::Relu, None),
        (vec![12, 8, 6, 3], Activation::Tanh, Some(Activation::Sigmoid)), // rows carried back
        (vec![12, 8, 4], Activation::Sigmoid, None),
    ] {
        let mlp = MlpConfig::new(widths.clone()).with_activation(activation).init(&device);
        let (_, analytic) = mlp.forward_with_jacobian_norm(input(), output);
        let analytic = values(analytic)[0] as f64;
        let numeric = finite_difference_jacobian_norm(&mlp, &x, output);
        assert!((analytic - numeric).abs() <= 2e-3 * numeric.max(1e-3), "{widths:?} {activation:?}: {analytic} vs {numeric}");
    }
}

#[test]
fn penalties_refuse_impossible_settings() {
    let refused = common::assert_refused;
    let sparse_kl = Preset::SparseKl.config();
    refused(sparse_kl.clone().with_objective(Objective::SparseKl { rho: 0.0, lambda: 1.0 }), "rho must be in (0, 1)");
    refused(sparse_kl.clone().with_objective(Objective::SparseKl { rho: 1.0, lambda: 1.0 }), "rho must be in (0, 1)");
    refused(sparse_kl.clone().with_objective(Objective::SparseL1 { lambda: -1.0 }), "lambda must be finite and >= 0");
    refused(sparse_kl.clone().with_objective(Objective::Contractive { lambda: f64::NAN }), "lambda must be finite");
    refused(sparse_kl.clone().with_code_activation(Some(Activation::Relu)), "needs a sigmoid code activation");
    refused(Preset::Cae.config().with_architecture(Architecture::Conv { channels: [8, 8] }), "dense encoder");
    refused(Preset::Ae.config().with_objective(Objective::Adversarial { weight: 1.0, prior: aestudio::model::Prior::Gaussian }), "needs a critic network");
    refused(Preset::Ae.config().with_critic(Some(aestudio::model::CriticConfig::default())), "only an adversarial objective");
    let adversarial = Preset::Ae.config().with_objective(Objective::Adversarial { weight: 1.0, prior: aestudio::model::Prior::Gaussian }).with_critic(Some(aestudio::model::CriticConfig::default()));
    refused(adversarial.clone().with_code_activation(Some(Activation::Sigmoid)), "takes no code activation");
    refused(adversarial.with_critic(Some(aestudio::model::CriticConfig { steps: 0, ..Default::default() })), "critic steps");
    refused(Preset::Vae.config().with_code_activation(Some(Activation::Sigmoid)), "takes no code activation");
}

#[test]
fn the_trimmed_loss_leaves_out_the_worst_share_of_a_batch_and_rescales_the_rest() {
    use aestudio::nn::loss::trimmed;
    let device = cpu_device();
    let per_sample = Tensor::<1>::from_floats([4.0, 1.0, 9.0, 2.0, 6.0], &device);
    // 40% of 5: the two largest (9 and 6) weigh 0, the other three 5/3 each, so the batch mean
    // is the kept samples' mean: (4 + 1 + 2) / 3.
    let expected = [4.0 * 5.0 / 3.0, 5.0 / 3.0, 0.0, 2.0 * 5.0 / 3.0, 0.0];
    for (got, want) in values(trimmed(per_sample.clone(), 0.4)).into_iter().zip(expected) {
        assert_close(got, want, 1e-5);
    }
    // 10% of 5 is no whole sample: nothing is left out.
    assert_eq!(values(trimmed(per_sample, 0.1)), [4.0, 1.0, 9.0, 2.0, 6.0]);
    // A trimmed batch ranks all its images, so a data-parallel run does not split it.
    let trimmed_run = aestudio::train::TrainingConfig::new().with_trim(0.2);
    assert!(!trimmed_run.shares_batches(&Preset::Ae.config()) && trimmed_run.with_trim(0.0).shares_batches(&Preset::Ae.config()));
    // A sender written before the trim existed (the page's forms, the Dawn test) is read with
    // no trim.
    let old = aestudio::train::TrainingConfig::from_json(r#"{"learning_rate":0.001,"batch_size":64,"epochs":2,"seed":3,"readback_every":50,"classes":null}"#).unwrap();
    assert_eq!((old.trim, old.batch_size), (0.0, 64));
    // The share is checked before a run starts.
    let error = aestudio::train::TrainingConfig::new().with_trim(0.6).validate(1000).unwrap_err();
    assert!(error.to_string().contains("trimmed share must be between 0 and 0.5"), "{error}");
}
