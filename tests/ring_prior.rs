//! An adversarial autoencoder taking its ring prior, against a VAE: alone in its own test binary,
//! because the device's random stream is shared by the tests of one binary, which run in
//! parallel; here the seeded run is the same every time. (Sharing the stream, one run in three
//! ended with the codes inside the ring: MMD² 0.69 against the usual 0.07; an adversarial game
//! of 1,560 steps depends on its draws. Alone, seeds 1, 2 and 3 give 0.073, 0.145 and 0.154
//! against the VAE's 1.26, 1.03 and 0.98.)
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::model::{Autoencoder, AutoencoderConfig, Preset, Prior};
use aestudio::nn::loss::mmd_inverse_multiquadratic;
use aestudio::train::{TrainingConfig, train_model};
use aestudio::uses::explore;
use burn::prelude::*;
use pollster::block_on;

mod common;
use common::mnist;

fn scalar(tensor: Tensor<1>) -> f64 {
    tensor.into_data().try_to_vec::<f32>().unwrap()[0] as f64
}

/// MMD² between the test codes of `model` and as many samples of `prior`.
fn code_mmd(model: &Autoencoder, prior: Prior) -> f64 {
    let device = cpu_device();
    let test = mnist().test.take(1000);
    let codes = block_on(explore::encode_dataset(model, &test, &device)).unwrap();
    let codes = Tensor::from_data(TensorData::new(codes, [1000, 2]), &device);
    device.seed(11);
    let samples = prior.sample(1000, 2, 1.0, None, &device);
    let variance = 4.0f64.powi(2) / 2.0 + 0.25; // the ring's per-axis variance
    scalar(mmd_inverse_multiquadratic(codes, samples, variance))
}

#[test]
fn an_adversarial_autoencoder_takes_its_ring_prior_and_a_vae_does_not() {
    let device = cpu_device();
    let train = mnist().train.take(20_000);
    // Ten passes over a third of MNIST: an adversarial game needs steps (at three epochs the
    // critic still wins and the codes sit inside the ring).
    let training = TrainingConfig::new().with_epochs(10).with_seed(1);
    let ring = Prior::Ring { radius: 4.0, std: 0.5, labelled: false };
    let aae = block_on(train_model(&Preset::AaeRing.config(), &training, &train, &device)).unwrap();
    let vae_config = AutoencoderConfig { code_size: 2, ..Preset::Vae.config() };
    let vae = block_on(train_model(&vae_config, &training, &train, &device)).unwrap();
    let (aae_mmd, vae_mmd) = (code_mmd(&aae, ring), code_mmd(&vae, ring));
    eprintln!("MMD² to the ring prior: AAE {aae_mmd:.4}, VAE {vae_mmd:.4}");
    assert!(aae_mmd < 0.3 && aae_mmd * 4.0 < vae_mmd, "MMD² to the ring: AAE {aae_mmd}, VAE {vae_mmd}");
}
