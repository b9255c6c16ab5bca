//! The deep-feature-consistent VAE: trained against the shipped classifier, whose weights it
//! never changes, it learns to reconstruct pixels it never compares; its weight file is whole.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::model::{Preset, weights};
use aestudio::train::{Trainer, TrainingConfig, evaluate};
use aestudio::uses::classifier::load_classifier;
use burn::prelude::*;
use common::mnist;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

fn shipped_classifier(device: &Device) -> aestudio::uses::classifier::Classifier {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/classifier-mnist.safetensors")).unwrap();
    load_classifier(&bytes, device).unwrap().0
}

#[test]
fn a_dfc_vae_learns_pixels_from_features_alone_and_keeps_its_feature_network() {
    let device = cpu_device();
    let train = mnist().train.take(3000);
    let test = mnist().test.take(500);
    let config = Preset::DfcVae.config();
    let refused = Trainer::new(&config, TrainingConfig::new(), &device, train.len()).err().unwrap();
    assert!(refused.to_string().contains("trained network's features"), "{refused}");
    let wrong = Preset::Vae.config().init(&device).unwrap().with_feature_network(shipped_classifier(&device)).err().unwrap();
    assert!(wrong.to_string().contains("reconstructs pixels"), "{wrong}");

    let training = TrainingConfig::new().with_epochs(2).with_batch_size(64).with_seed(4);
    let mut trainer = Trainer::with_feature_network(&config, training, &device, train.len(), shipped_classifier(&device)).unwrap();
    let before = pollster::block_on(evaluate(&trainer.model(), &test, 250)).unwrap();
    while !trainer.is_finished() {
        pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    }
    let model = trainer.model();
    let after = pollster::block_on(evaluate(&model, &test, 250)).unwrap();
    assert!(after.loss < 0.6 * before.loss, "the objective falls: {} -> {}", before.loss, after.loss);
    assert!(after.mse_per_pixel < 0.75 * before.mse_per_pixel, "pixels improve though only features are compared: {} -> {}", before.mse_per_pixel, after.mse_per_pixel);
    assert!(after.penalty.unwrap() > 0.0 && after.kl_per_sample.unwrap() > 1.0, "{after:?}");

    let probe = test.batch(&(0..8).collect::<Vec<_>>(), &device);
    let untouched = values(shipped_classifier(&device).forward(probe.clone()));
    assert_eq!(values(model.feature_network().unwrap().forward(probe.clone())), untouched, "training never moves the feature network");
    let bytes = pollster::block_on(weights::save(&model, "test")).unwrap();
    let loaded = weights::load(&bytes, &device).unwrap().model;
    assert_eq!(values(loaded.feature_network().unwrap().forward(probe.clone())), untouched, "the weight file carries the feature network");
    assert_eq!(values(loaded.reconstruct(probe.clone())), values(model.reconstruct(probe)));
}
