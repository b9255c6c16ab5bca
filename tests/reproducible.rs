//! A seeded run is reproducible. Its own test binary (so its own process): burn's CPU backend
//! keeps one global RNG, which tests running in parallel threads would otherwise share.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use aestudio::backend::cpu_device;
use aestudio::data::Dataset;
use aestudio::model::Preset;
use aestudio::train::{Trainer, TrainingConfig};

fn losses(seed: u64, data: &Dataset) -> Vec<f32> {
    let config = TrainingConfig::new().with_batch_size(32).with_epochs(1).with_readback_every(2).with_seed(seed);
    // The denoising AE draws noise every step and the VAE a code: both must replay exactly.
    [Preset::Dae, Preset::Vae]
        .iter()
        .flat_map(|preset| {
            let mut trainer = Trainer::new(&preset.config(), config.clone(), &cpu_device(), data.len()).unwrap();
            (0..4).map(|_| pollster::block_on(trainer.train_steps(data, 2)).unwrap().train_loss.unwrap()).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let data = Dataset::from_idx(
        &std::fs::read(dir.join("slice-512-images-idx3-ubyte")).unwrap(),
        &std::fs::read(dir.join("slice-512-labels-idx1-ubyte")).unwrap(),
    )
    .unwrap();
    let first = losses(3, &data);
    assert_eq!(first, losses(3, &data), "same seed, same losses");
    assert_ne!(first, losses(4, &data), "another seed, other losses");
}
