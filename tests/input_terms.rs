//! The objective's terms for one input, as the page's Draw panel shows them beside the formula:
//! each term checked against a hand computation from the model's own outputs.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::data::ImageShape;
use aestudio::model::{Architecture, AutoencoderConfig, Objective};
use aestudio::nn::mlp::Activation;
use aestudio::nn::noise::Corruption;
use aestudio::model::Preset;
use aestudio::uses::explore::{self, images_tensor, read_floats};
use aestudio::uses::terms::{InputTerms, input_terms, objective_sum};
use pollster::block_on;
use burn::tensor::{Distribution, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};

fn first_test_digit() -> Vec<f32> {
    let test = &common::mnist().test;
    block_on(read_floats(test.batch(&[0], &cpu_device()))).unwrap()
}

fn small(objective: Objective) -> AutoencoderConfig {
    AutoencoderConfig::new(8).with_architecture(Architecture::Mlp { hidden: vec![32] }).with_objective(objective)
}

#[test]
fn a_plain_autoencoders_reconstruction_term_is_the_cross_entropy_of_its_output() {
    let cpu = cpu_device();
    let model = small(Objective::Reconstruction).init(&cpu).unwrap();
    let digit = first_test_digit();
    let terms = block_on(input_terms(&model, &digit, &Corruption::None, 1, &cpu)).unwrap();
    let output = block_on(read_floats(model.reconstruct(images_tensor(&digit, 784, &cpu).unwrap()))).unwrap();
    let by_hand: f64 = digit.iter().zip(&output).map(|(&x, &p)| {
        let (x, p) = (x as f64, (p as f64).clamp(1e-7, 1.0 - 1e-7));
        -(x * p.ln() + (1.0 - x) * (1.0 - p).ln())
    }).sum();
    assert!((terms.reconstruction as f64 - by_hand).abs() < 1e-3 * by_hand, "{} against {by_hand}", terms.reconstruction);
    // Per pixel, with nothing else in it.
    assert!((terms.objective as f64 - by_hand / 784.0).abs() < 1e-5, "{}", terms.objective);
    assert!(terms.kl.is_none() && terms.penalty.is_none());
}

#[test]
fn a_beta_vaes_objective_is_its_reconstruction_plus_beta_times_its_kl() {
    let cpu = cpu_device();
    let model = small(Objective::Variational { beta: 4.0 }).with_corruption(Corruption::Gaussian { sigma: 0.5 }).init(&cpu).unwrap();
    let digit = first_test_digit();
    let noise = Corruption::Gaussian { sigma: 0.5 };
    let terms = block_on(input_terms(&model, &digit, &noise, 7, &cpu)).unwrap();
    let kl = terms.kl.expect("a VAE has a KL term");
    assert!(kl > 0.0 && terms.reconstruction > 0.0, "{terms:?}");
    let sum = terms.reconstruction + 4.0 * kl;
    assert!((terms.objective - sum).abs() < 1e-3 * sum, "{} against {sum}", terms.objective);
    // The same seed draws the same noise and the same code: the figures do not flicker.
    let again = block_on(input_terms(&model, &digit, &noise, 7, &cpu)).unwrap();
    assert_eq!((again.reconstruction, again.kl), (terms.reconstruction, terms.kl));
}

#[test]
fn a_sparse_autoencoders_penalty_is_the_l1_norm_of_its_code() {
    let cpu = cpu_device();
    let lambda = 1e-3;
    let model = small(Objective::SparseL1 { lambda }).with_code_activation(Some(Activation::Relu)).init(&cpu).unwrap();
    let digit = first_test_digit();
    let terms = block_on(input_terms(&model, &digit, &Corruption::None, 1, &cpu)).unwrap();
    let code = block_on(read_floats(explore::encode_pixels(&model, &digit, &cpu).unwrap())).unwrap();
    let l1: f32 = code.iter().map(|h| h.abs()).sum();
    let penalty = terms.penalty.expect("a sparse AE has a penalty");
    assert!((penalty - l1).abs() < 1e-4 * l1.max(1.0), "{penalty} against {l1}");
    let sum = terms.reconstruction / 784.0 + lambda as f32 * penalty;
    assert!((terms.objective - sum).abs() < 1e-5, "{} against {sum}", terms.objective);
}

#[test]
fn a_wrong_sized_input_is_refused() {
    let cpu = cpu_device();
    let model = small(Objective::Reconstruction).init(&cpu).unwrap();
    let message = block_on(input_terms(&model, &[0.0; 10], &Corruption::None, 1, &cpu)).unwrap_err().to_string();
    assert!(message.contains("has 784 values, got 10"), "{message}");
}


#[test]
fn the_written_out_sum_of_every_objective_adds_up_to_its_value() {
    // What the page shows (each term's weight times its value) must add up to what the model
    // minimizes, for every kind of objective the presets use (not the DFC-VAE, whose feature
    // network is a shipped file).
    let cpu = cpu_device();
    let digit = first_test_digit();
    let presets = [Preset::Ae, Preset::Vae, Preset::BetaVae, Preset::SparseL1, Preset::SparseKl, Preset::Cae, Preset::Aae, Preset::WaeMmd, Preset::Bigan, Preset::VaeGan];
    for preset in presets {
        let model = preset.config().init(&cpu).unwrap();
        let objective = &model.config().objective;
        let sum = objective_sum(objective, ImageShape::MNIST, &block_on(input_terms(&model, &digit, &Corruption::None, 1, &cpu)).unwrap());
        let added: f64 = sum.terms.iter().map(|term| term.weight * f64::from(term.value.expect("one input gives every term here"))).sum();
        assert!((added - f64::from(sum.total)).abs() < 1e-4 * f64::from(sum.total).abs().max(1.0), "{preset:?}: {added} against {sum:?}");
    }
    // The per-pixel objectives divide the summed cross-entropy by the 784 pixels.
    let plain = objective_sum(&Objective::Reconstruction, ImageShape::MNIST, &block_on(input_terms(&small(Objective::Reconstruction).init(&cpu).unwrap(), &digit, &Corruption::None, 1, &cpu)).unwrap());
    assert_eq!((plain.terms.len(), plain.terms[0].weight, plain.unit), (1, 1.0 / 784.0, "per pixel"));
}

#[test]
fn the_same_seed_gives_the_same_noise_while_other_work_draws_from_the_device() {
    // The CPU device's generator is one per process, shared by every thread: noise drawn from it
    // after seeding it would change whenever another thread drew in between (a CI run failed so).
    let cpu = cpu_device();
    let model = small(Objective::Variational { beta: 1.0 }).init(&cpu).unwrap();
    let digit = first_test_digit();
    let noise = Corruption::Masking { keep_probability: 0.7 };
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                cpu.seed(1);
                drop(Tensor::<2>::random([64, 64], Distribution::Default, &cpu));
            }
        });
        // Stops the drawing thread even when an assertion fails, or the scope would wait forever.
        struct Stop<'a>(&'a AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let _stop = Stop(&stop);
        let denoised = block_on(explore::denoise(&model, &digit, &noise, 7, &cpu)).unwrap();
        let terms = block_on(input_terms(&model, &digit, &noise, 7, &cpu)).unwrap();
        for _ in 0..50 {
            assert_eq!(block_on(explore::denoise(&model, &digit, &noise, 7, &cpu)).unwrap().noisy, denoised.noisy);
            let again = block_on(input_terms(&model, &digit, &noise, 7, &cpu)).unwrap();
            assert_eq!((again.reconstruction, again.kl), (terms.reconstruction, terms.kl));
        }
    });
}

#[test]
fn the_sum_is_written_out_in_tex_with_each_value_under_its_symbol() {
    let terms = |kl, penalty| InputTerms { reconstruction: 98.766, kl, penalty, objective: 98.8142 };
    let vae = objective_sum(&Objective::Variational { beta: 4.0 }, ImageShape::MNIST, &terms(Some(0.0123), None));
    assert_eq!(vae.tex, r"\underbrace{98.77}_{-\log p(x\mid z)} + 4.00 \times \underbrace{0.0123}_{\mathrm{KL}} = 98.81\ \text{nats}");
    // The per-pixel reconstruction is divided by the 784 pixels, written as that fraction; a
    // short decimal weight stays a number.
    let sparse = objective_sum(&Objective::SparseL1 { lambda: 0.001 }, ImageShape::MNIST, &terms(None, Some(250.0)));
    assert_eq!(sparse.tex, r"\tfrac{1}{784}\,\underbrace{98.77}_{\ell} + 0.00100 \times \underbrace{250.0}_{\textstyle\sum_j |h_j|} = 98.81\ \text{per pixel}");
}
