//! The survey's PCA section: a linear autoencoder (no hidden layer, identity output, squared
//! error) learns the subspace of PCA with as many components as its code.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::data::PIXELS;
use aestudio::model::Preset;
use aestudio::train::{TrainingConfig, evaluate, train_model};
use aestudio::uses::explore::{decode_codes, read_floats};
use aestudio::uses::pca::Pca;
use common::mnist;
use pollster::block_on;

#[test]
fn a_linear_autoencoder_spans_the_pca_subspace() {
    let device = cpu_device();
    let config = Preset::LinearAe.config();
    let code = config.code_size;
    let data = mnist().train.take(20_000);
    let training = TrainingConfig::new().with_epochs(EPOCHS).with_learning_rate(3e-3).with_seed(1);
    let model = block_on(train_model(&config, &training, &data, &device)).unwrap();
    // A linear decoder's span: its outputs for the unit codes minus its output for the zero code.
    let mut codes = vec![0.0f32; (code + 1) * code];
    for unit in 0..code {
        codes[unit * code + unit] = 1.0;
    }
    let outputs = block_on(read_floats(decode_codes(&model, &codes, &device).unwrap())).unwrap();
    let (units, origin) = outputs.split_at(code * PIXELS);
    let directions: Vec<f32> = units.chunks(PIXELS).flat_map(|row| row.iter().zip(origin).map(|(a, b)| a - b)).collect();
    let pca = Pca::fit(&data, code).unwrap();
    let cosines = pca.subspace_cosines(&directions, code).unwrap();
    // Every principal angle under 8 degrees (3 here after 30 epochs).
    assert!(cosines.iter().all(|&c| c > 0.99), "cosines of the principal angles: {cosines:?}");
    // The yardstick can fail: arbitrary directions are far from PCA's subspace.
    let arbitrary: Vec<f32> = (0..code * PIXELS).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
    assert!(pca.subspace_cosines(&arbitrary, code).unwrap()[0] < 0.5);
    // And it reconstructs the test set as well as PCA does, within 2%.
    let test = &mnist().test;
    let (autoencoder, linear) = (block_on(evaluate(&model, test, 1000)).unwrap().mse_per_pixel, pca.reconstruction_mse(test));
    assert!((autoencoder - linear).abs() < 0.02 * linear, "test MSE per pixel: linear AE {autoencoder}, PCA {linear}");
}

const EPOCHS: usize = 30;
