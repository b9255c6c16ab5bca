//! A benchmark, not a test: training throughput of the canonical VAE (784-400-20-400-784,
//! batch 128) on each CPU backend compiled into the wasm, in headless Chromium. Prints medians.
//! Run with `./build.sh bench-cpu-backends` (builds with `--features ndarray`).
#![cfg(target_arch = "wasm32")]

use aestudio::backend::cpu_backends;
use aestudio::mnist::Dataset;
use aestudio::model::Preset;
use aestudio::train::{Trainer, TrainingConfig};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BATCH: usize = 128;
const STEPS: usize = 24;
const REPEATS: usize = 5;

#[wasm_bindgen_test]
async fn vae_training_throughput_per_cpu_backend() {
    let data = Dataset::from_idx(
        include_bytes!("../data/mnist/slice-512-images-idx3-ubyte"),
        include_bytes!("../data/mnist/slice-512-labels-idx1-ubyte"),
    )
    .unwrap();
    let mut lines = Vec::new();
    for (name, device) in cpu_backends() {
        // Enough epochs that the run never ends. Readbacks come at each epoch's end (every 4 steps on
        // this slice); on the CPU they cost little.
        let config = TrainingConfig::new().with_batch_size(BATCH).with_epochs(1_000).with_readback_every(STEPS);
        let mut trainer = Trainer::new(&Preset::Vae.config(), config, &device, data.len()).unwrap();
        trainer.train_steps(&data, STEPS).await.unwrap(); // warm-up
        let mut rates = Vec::new();
        while rates.len() < REPEATS {
            let started = js_sys::Date::now();
            let first = trainer.train_steps(&data, 0).await.unwrap().step;
            let mut step = first;
            while step - first < STEPS {
                // Each call stops at an epoch's end (4 steps of this slice), so loop.
                step = trainer.train_steps(&data, STEPS - (step - first)).await.unwrap().step;
            }
            rates.push((STEPS * BATCH) as f64 / ((js_sys::Date::now() - started) / 1000.0));
        }
        rates.sort_by(f64::total_cmp);
        lines.push(format!("{name:>8}: median {:>6.0} samples/s (min {:.0}, max {:.0})", rates[REPEATS / 2], rates[0], rates[REPEATS - 1]));
    }
    for line in &lines {
        web_sys::console::log_1(&line.into());
    }
}
