//! A benchmark, not a test (`./build.sh bench browser`): in headless Chromium, training throughput
//! of the canonical VAE and the convolutional DAE (batch 128) on the CPU backend and on WebGPU,
//! the single-thread wasm matmul peak the CPU figures are measured against, the test set's
//! evaluation time and one denoise's latency. Each figure is printed as a `bench-result` JSON line
//! for `tests/bench/record.mjs`. Medians over repeated runs after a warm-up.
#![cfg(target_arch = "wasm32")]

use aestudio::backend::{cpu_backends, cpu_device};
use aestudio::uses::explore;
use aestudio::data::Dataset;
use aestudio::model::Preset;
use aestudio::nn::noise::Corruption;
use aestudio::train::{Trainer, TrainingConfig, evaluate};
use burn::prelude::*;
use serde_json::{Value, json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BATCH: usize = 128;

/// `performance.now()`: sub-millisecond, where `Date.now()` counts whole milliseconds.
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &"now".into()).unwrap().into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

fn report(mut figure: Value) {
    figure["where"] = "browser".into();
    web_sys::console::log_1(&format!("bench-result {figure}").into());
}

/// Median, minimum and maximum.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[0], values[values.len() - 1])
}

fn training_slice() -> Dataset {
    Dataset::from_idx(
        include_bytes!("../data/mnist/slice-512-images-idx3-ubyte"),
        include_bytes!("../data/mnist/slice-512-labels-idx1-ubyte"),
    )
    .unwrap()
}

/// Samples/s of `steps` optimizer steps, median of `repeats` runs after one warm-up run.
async fn training_rates(preset: Preset, device: &Device, steps: usize, repeats: usize) -> (f64, f64, f64) {
    let data = training_slice();
    // Enough epochs that the run never ends; one loss readback per timed run.
    let config = TrainingConfig::new().with_batch_size(BATCH).with_epochs(1_000_000).with_readback_every(steps);
    let mut trainer = Trainer::new(&preset.config(), config, device, data.len()).unwrap();
    let mut rates = Vec::new();
    for run in 0..=repeats {
        let started = now_ms();
        let first = trainer.train_steps(&data, 0).await.unwrap().step;
        let mut step = first;
        while step - first < steps {
            // Each call stops at an epoch's end (4 steps of this slice), so loop.
            step = trainer.train_steps(&data, steps - (step - first)).await.unwrap().step;
        }
        // A readback waits for the device's queue (a GPU runs ahead).
        trainer.model().reconstruct(data.batch(&[0], device)).into_data_async().await.unwrap();
        if run > 0 {
            rates.push((steps * BATCH) as f64 / ((now_ms() - started) / 1000.0));
        }
    }
    spread(rates)
}

fn report_training(backend: &str, preset: Preset, (median, min, max): (f64, f64, f64)) {
    let flops = preset.config().flops_per_sample().training;
    report(json!({ "kind": "train", "backend": backend, "model": preset.name(), "median": median, "min": min, "max": max, "flops": flops }));
}

#[wasm_bindgen_test]
async fn cpu_training_throughput() {
    // `flex`, and `ndarray` too in a build with `--features ndarray`.
    for (name, cpu) in cpu_backends() {
        report_training(name, Preset::Vae, training_rates(Preset::Vae, &cpu, 24, 5).await);
        report_training(name, Preset::ConvDae, training_rates(Preset::ConvDae, &cpu, 8, 5).await);
    }
}

/// Single-thread f32 matmul through the same kernels as training (burn `flex`, `gemm` with wasm
/// SIMD): a 1024³ product (the peak), and the VAE's largest layer at batch 128.
#[wasm_bindgen_test]
async fn matmul_peak() {
    let cpu = cpu_device();
    for (name, [m, k, n]) in [("1024x1024x1024", [1024, 1024, 1024]), ("128x784x400", [128, 784, 400])] {
        let a = Tensor::<2>::random([m, k], burn::tensor::Distribution::Default, &cpu);
        let b = Tensor::<2>::random([k, n], burn::tensor::Distribution::Default, &cpu);
        let repeats = if m == 1024 { 3 } else { 200 };
        let mut rates = Vec::new();
        for run in 0..=5 {
            let started = now_ms();
            for _ in 0..repeats {
                let product = a.clone().matmul(b.clone());
                product.into_data_async().await.unwrap();
            }
            if run > 0 {
                // In f64: 2·1024³·3 overflows wasm32's usize.
                let flops = 2.0 * (m * k) as f64 * n as f64 * repeats as f64;
                rates.push(flops / ((now_ms() - started) / 1000.0) / 1e9);
            }
        }
        let (median, min, max) = spread(rates);
        report(json!({ "kind": "matmul", "shape": name, "median": median, "min": min, "max": max }));
    }
}

/// The 10,000 test images through the pretrained denoiser, and one drawing's denoise (noise,
/// forward pass, the clean input's score) as the live worker runs it.
#[wasm_bindgen_test]
async fn evaluation_and_denoise_latency() {
    let cpu = cpu_device();
    let test = Dataset::from_idx(include_bytes!("../data/mnist/t10k-images-idx3-ubyte"), include_bytes!("../data/mnist/t10k-labels-idx1-ubyte")).unwrap();
    let model = aestudio::model::weights::load(include_bytes!("../www/models/dae.safetensors"), &cpu).unwrap().model;
    let mut times = Vec::new();
    for run in 0..=5 {
        let started = now_ms();
        evaluate(&model, &test, 1000).await.unwrap();
        if run > 0 {
            times.push(now_ms() - started);
        }
    }
    let (median, min, max) = spread(times);
    report(json!({ "kind": "evaluate", "backend": "flex", "model": "dae", "images": test.len(), "median": median, "min": min, "max": max }));

    let pixels: Vec<f32> = test.image(0).iter().map(|&p| p as f32 / 255.0).collect();
    let corruption = Corruption::Gaussian { sigma: 0.3 };
    let mut times = Vec::new();
    for seed in 0..520 {
        let started = now_ms();
        explore::denoise(&model, &pixels, &corruption, seed, &cpu).await.unwrap();
        if seed >= 20 {
            times.push(now_ms() - started);
        }
    }
    times.sort_by(f64::total_cmp);
    let p95 = times[times.len() * 95 / 100];
    report(json!({ "kind": "denoise", "backend": "flex", "model": "dae", "median": times[times.len() / 2], "p95": p95 }));
}

/// WebGPU on whatever adapter Chromium offers (SwiftShader on a machine without a GPU).
#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn webgpu_training_throughput() {
    aestudio::web::run_static_constructors();
    let adapter = aestudio::web::probe_adapter().await;
    if !adapter.adapter_found {
        web_sys::console::log_1(&"no WebGPU adapter: no WebGPU figures".into());
        return;
    }
    let gpu = Device::wgpu_options().init_async().await.expect("a WebGPU device");
    let backend = format!("webgpu ({})", if adapter.architecture.is_empty() { &adapter.vendor } else { &adapter.architecture });
    let steps = if adapter.is_real_gpu() { 48 } else { 4 };
    report_training(&backend, Preset::Vae, training_rates(Preset::Vae, &gpu, steps, 3).await);
    report_training(&backend, Preset::ConvDae, training_rates(Preset::ConvDae, &gpu, steps, 3).await);
}

/// Microseconds per call of two ways of crossing, each run `calls` times in 7 alternating rounds
/// (the machine's load hits both alike): median, minimum and maximum of each.
fn per_call_alternating(calls: usize, mut first: impl FnMut(), mut second: impl FnMut()) -> [(f64, f64, f64); 2] {
    let timed = |cross: &mut dyn FnMut()| {
        let started = now_ms();
        for _ in 0..calls {
            cross();
        }
        1000.0 * (now_ms() - started) / calls as f64
    };
    let (mut firsts, mut seconds) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        firsts.push(timed(&mut first));
        seconds.push(timed(&mut second));
    }
    [spread(firsts), spread(seconds)]
}

/// A structured value crossing into JavaScript and back both ways: as JSON text (`serde_json`
/// and `JSON.parse` / `JSON.stringify`) and value by value with `serde-wasm-bindgen`. Replies: a
/// training progress and an evaluation; input: a model's configuration, as the page's forms send
/// it. The page uses whichever was faster here (docs/benchmarks.md).
#[wasm_bindgen_test]
fn boundary_crossing() {
    use aestudio::model::{AutoencoderConfig, Scale};
    use aestudio::train::{Evaluation, Progress};
    use serde::Serialize;
    use serde_wasm_bindgen::Serializer;
    const CALLS: usize = 20_000;
    let compatible = Serializer::json_compatible();
    let report_both = |what: &str, [json, values]: [(f64, f64, f64); 2]| {
        for (how, (median, min, max)) in [("json", json), ("serde-wasm-bindgen", values)] {
            report(json!({ "kind": "boundary", "value": what, "how": how, "median_us": median, "min_us": min, "max_us": max }));
        }
    };
    let progress = Progress {
        epoch: 3, step: 1200, steps_per_epoch: 469, train_loss: Some(104.2), epoch_loss: Some(105.7),
        critic: None, epoch_finished: false, finished: false,
    };
    report_both("progress (reply)", per_call_alternating(
        CALLS,
        || { js_sys::JSON::parse(&serde_json::to_string(&progress).unwrap()).unwrap(); },
        || { progress.serialize(&compatible).unwrap(); },
    ));
    let evaluation = Evaluation {
        loss: 104.91, scale: Scale::PerSample, reconstruction: 83.2, kl_per_sample: Some(21.7), penalty: None,
        bce_per_pixel: 0.106, mse_per_pixel: 0.0132, samples: 10_000,
    };
    report_both("evaluation (reply)", per_call_alternating(
        CALLS,
        || { js_sys::JSON::parse(&serde_json::to_string(&evaluation).unwrap()).unwrap(); },
        || { evaluation.serialize(&compatible).unwrap(); },
    ));
    let object = Preset::Vae.config().serialize(&compatible).unwrap();
    report_both("model configuration (input)", per_call_alternating(
        CALLS,
        || {
            let text: String = js_sys::JSON::stringify(&object).unwrap().into();
            serde_json::from_str::<AutoencoderConfig>(&text).unwrap();
        },
        || { serde_wasm_bindgen::from_value::<AutoencoderConfig>(object.clone()).unwrap(); },
    ));
}
