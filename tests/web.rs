//! Browser tests (`wasm-bindgen-test` in headless Chromium): the CPU backend trains on a real
//! MNIST slice, and a WebGPU forward and backward pass matches the CPU's numbers.
#![cfg(target_arch = "wasm32")]

use aestudio::backend::cpu_device;
use aestudio::data::Dataset;
use aestudio::data::PIXELS;
use aestudio::model::{Architecture, AutoencoderConfig, Objective, Preset};
use aestudio::train::{Trainer, TrainingConfig};
use aestudio::model::weights;
use aestudio::web::probe_adapter;
use burn::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The first 512 training images of MNIST, cut by `./build.sh data`.
fn mnist_slice() -> Dataset {
    Dataset::from_idx(
        include_bytes!("../data/mnist/slice-512-images-idx3-ubyte"),
        include_bytes!("../data/mnist/slice-512-labels-idx1-ubyte"),
    )
    .expect("the slice parses")
}

#[wasm_bindgen_test]
async fn cpu_backend_trains_on_real_mnist_and_the_loss_falls() {
    let data = mnist_slice();
    assert_eq!(data.len(), 512);
    let config = TrainingConfig::new().with_batch_size(32).with_epochs(3).with_readback_every(4).with_seed(5);
    let mut trainer = Trainer::new(&Preset::Ae.config(), config, &cpu_device(), data.len()).unwrap();
    let first = trainer.train_steps(&data, 4).await.unwrap().train_loss.unwrap();
    let mut last = first;
    while !trainer.is_finished() {
        if let Some(loss) = trainer.train_steps(&data, 8).await.unwrap().train_loss {
            last = loss;
        }
    }
    assert!(last < 0.7 * first, "loss went from {first} to {last}");
}

/// The first layer's product and weight gradient in wasm, where the input's zeros are skipped
/// (`src/nn/sparse.rs`, with narrower panels than natively), against f64 sums by hand.
#[wasm_bindgen_test]
async fn dense_layer_on_mostly_blank_digits_matches_the_hand_computation() {
    let (batch, outputs) = (6, 61); // 61 columns: panels of 16, one of 8 and 5 single columns
    let device = cpu_device().autodiff();
    let data = mnist_slice();
    let x: Vec<f32> = (0..batch).flat_map(|i| data.image(i).iter().map(|&p| p as f32 / 255.0).collect::<Vec<_>>()).collect();
    let weight: Vec<f32> = (0..PIXELS * outputs).map(|k| ((k * 37 % 23) as f32 - 11.0) / 7.0).collect();
    let upstream: Vec<f32> = (0..batch * outputs).map(|k| ((k * 11 % 13) as f32 - 6.0) / 5.0).collect();
    let mut layer = burn::nn::LinearConfig::new(PIXELS, outputs).init(&device);
    layer.weight = burn::module::Param::from_tensor(Tensor::<1>::from_floats(weight.as_slice(), &device).reshape([PIXELS, outputs]));
    let input = Tensor::<1>::from_floats(x.as_slice(), &device).reshape([batch, PIXELS]);
    let output = aestudio::nn::dense::dense(&layer, input, false);
    let bias: Vec<f32> = layer.bias.as_ref().unwrap().val().into_data_async().await.unwrap().to_vec().unwrap();
    let gradients = (output.clone() * Tensor::<1>::from_floats(upstream.as_slice(), &device).reshape([batch, outputs])).sum().backward();
    let got: Vec<f32> = output.into_data_async().await.unwrap().to_vec().unwrap();
    let weight_grad: Vec<f32> = layer.weight.grad(&gradients).unwrap().into_data_async().await.unwrap().to_vec().unwrap();
    let close = |got: f32, expected: f64| (got as f64 - expected).abs() <= 1e-4 * expected.abs().max(1.0);
    for (k, &value) in got.iter().enumerate() {
        let (n, o) = (k / outputs, k % outputs);
        let expected = bias[o] as f64 + (0..PIXELS).map(|i| x[n * PIXELS + i] as f64 * weight[i * outputs + o] as f64).sum::<f64>();
        assert!(close(value, expected), "output ({n}, {o}): {value} against {expected}");
    }
    for (k, &value) in weight_grad.iter().enumerate() {
        let (i, o) = (k / outputs, k % outputs);
        let expected: f64 = (0..batch).map(|n| x[n * PIXELS + i] as f64 * upstream[n * outputs + o] as f64).sum();
        assert!(close(value, expected), "weight gradient ({i}, {o}): {value} against {expected}");
    }
}

/// Objective and input gradient of a small VAE, computed deterministically (decoding the
/// posterior mean) so that two devices can be compared. Returns (objective, d objective / d input).
async fn forward_backward(bytes: &[u8], input: &[f32], device: &Device) -> (f32, Vec<f32>) {
    let device = device.clone().autodiff();
    let model = weights::load(bytes, &device).unwrap().model;
    let batch = input.len() / PIXELS;
    let x = Tensor::<2>::from_data(TensorData::new(input.to_vec(), [batch, PIXELS]), &device).require_grad();
    let encoding = model.encode(x.clone());
    let logits = model.decode(encoding.mean.clone());
    let kl = aestudio::nn::loss::kl_to_standard_normal(encoding.mean, encoding.log_var.unwrap());
    let objective = (model.reconstruction_loss(logits, x.clone().detach()) + kl).mean();
    let gradients = objective.backward();
    let gradient = x.grad(&gradients).expect("input gradient");
    let objective: f32 = objective.into_scalar_async().await.unwrap();
    let gradient: Vec<f32> = gradient.into_data_async().await.unwrap().try_to_vec().unwrap();
    (objective, gradient)
}

/// Needs the WebGPU build (`--features webgpu`, as `./build.sh test` runs it).
#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn webgpu_forward_and_backward_match_the_cpu() {
    // No start hook runs under wasm-bindgen-test; the WebGPU backend needs the registrations.
    aestudio::web::run_static_constructors();
    let adapter = probe_adapter().await;
    assert!(adapter.adapter_found, "Chromium offered no WebGPU adapter: {adapter:?}");
    web_sys::console::log_1(&format!("WebGPU adapter: {adapter:?}").into());
    let gpu = Device::wgpu_options().init_async().await.expect("a WebGPU device");

    let cpu = cpu_device();
    cpu.seed(9);
    let config = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![32] }).with_objective(Objective::Variational { beta: 1.0 });
    let bytes = weights::save(&config.init(&cpu).unwrap(), "test").await.unwrap();
    let data = mnist_slice();
    let input: Vec<f32> = (0..8).flat_map(|i| data.image(i).iter().map(|&p| p as f32 / 255.0).collect::<Vec<_>>()).collect();

    let (cpu_objective, cpu_gradient) = forward_backward(&bytes, &input, &cpu).await;
    let (gpu_objective, gpu_gradient) = forward_backward(&bytes, &input, &gpu).await;
    assert!((cpu_objective - gpu_objective).abs() <= 1e-3 * cpu_objective.abs(), "objective: cpu {cpu_objective}, gpu {gpu_objective}");
    let scale = cpu_gradient.iter().fold(0f32, |m, g| m.max(g.abs()));
    let worst = cpu_gradient.iter().zip(&gpu_gradient).fold(0f32, |m, (c, g)| m.max((c - g).abs()));
    assert!(scale > 0.0 && worst <= 1e-3 * scale, "input gradient differs by {worst} (scale {scale})");
}

/// The message of a JS `Error` that crossed the boundary.
fn js_error_message(error: wasm_bindgen::JsError) -> String {
    let value: wasm_bindgen::JsValue = error.into();
    let error: js_sys::Error = value.dyn_into().expect("a JS Error, not a panic or a bare value");
    error.message().into()
}

#[wasm_bindgen_test]
async fn bad_input_reaches_javascript_as_readable_errors() {
    use aestudio::web::Studio;
    let mut studio = Studio::create("cpu".into()).await.unwrap();
    let message = js_error_message(studio.configure("{\"code_size\": -3}", "{}").err().expect("refused"));
    assert!(message.contains("model config"), "{message}");
    let zero_code = serde_json::to_string(&AutoencoderConfig { code_size: 0, ..Preset::Ae.config() }).unwrap();
    let training = serde_json::to_string(&TrainingConfig::new()).unwrap();
    let message = js_error_message(studio.configure(&zero_code, &training).err().expect("refused"));
    assert!(message.contains("load the data"), "{message}");
    let message = js_error_message(Studio::create("quantum".into()).await.err().expect("refused"));
    assert!(message.contains("auto, cpu or gpu"), "{message}");
    #[cfg(not(feature = "webgpu"))]
    {
        let message = js_error_message(Studio::create("gpu".into()).await.err().expect("refused"));
        assert!(message.contains("CPU-only build"), "{message}");
    }
    let message = js_error_message(studio.load_dataset("mnist", b"junk", b"", b"", b"").err().expect("refused"));
    assert!(message.contains("failed its checksum"), "{message}");
    let message = js_error_message(studio.load_dataset("cifar", b"", b"", b"", b"").err().expect("refused"));
    assert!(message.contains("expected mnist or fashion-mnist"), "{message}");
    // The Movies panel's inputs: a ratings file that is not MovieLens 1M, a recommender before
    // its ratings, and a visitor's impossible rating.
    let message = js_error_message(studio.load_ratings(b"1::1193::5::978300760\n").err().expect("refused"));
    assert!(message.contains("ratings.dat failed its checksum"), "{message}");
    let message = js_error_message(studio.configure_recommender(r#"{"orientation":"user","hidden":8}"#, "{}").err().expect("refused"));
    assert!(message.contains("load the ratings"), "{message}");
    let mut lab = aestudio::web::Lab::new();
    let message = js_error_message(lab.recommend(&[1], &[4.0], 5, 0).await.err().expect("refused"));
    assert!(message.contains("no recommender"), "{message}");
    let message = js_error_message(lab.load_recommender(b"not a safetensors file").err().expect("refused"));
    assert!(message.starts_with("weights: "), "{message}");
}

#[wasm_bindgen_test]
async fn the_live_lab_refuses_a_bad_file_and_keeps_its_model() {
    use aestudio::web::Lab;
    let mut lab = Lab::new();
    let cpu = cpu_device();
    let config = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![16] }).with_objective(Objective::Variational { beta: 1.0 });
    let bytes = weights::save(&config.init(&cpu).unwrap(), "browser test").await.unwrap();
    lab.load_model(&bytes).expect("a valid file loads");
    let message = js_error_message(lab.load_model(&bytes[..bytes.len() - 9]).err().expect("refused"));
    assert!(message.starts_with("weights: ") && message.contains("truncated"), "{message}");
    // The model loaded first still answers: a drawing, prepared and denoised, comes back finite.
    let mut alpha = vec![0u8; 56 * 56];
    for y in 10..46 {
        alpha[y * 56 + 28] = 255;
    }
    let input = lab.prepare_drawing(&alpha, 56, 56).unwrap().to_vec();
    assert!(input.iter().sum::<f32>() > 10.0, "the stroke reached the 28x28 input");
    let reply = lab.denoise(&input, r#"{"kind":"gaussian","sigma":0.3}"#, 1, false).await.unwrap();
    assert!(js_sys::Reflect::get(&reply, &"objective".into()).unwrap().is_null(), "terms only when asked");
    let output: js_sys::Float32Array = js_sys::Reflect::get(&reply, &"output".into()).unwrap().dyn_into().unwrap();
    assert!(output.length() == 784 && output.to_vec().iter().all(|p| p.is_finite()));
    // The clean input's anomaly score comes with every answer; its percentile needs the test set.
    let score = js_sys::Reflect::get(&reply, &"score".into()).unwrap().as_f64().unwrap();
    assert!(score.is_finite() && score > 0.0, "score {score}");
    assert!(js_sys::Reflect::get(&reply, &"percentile".into()).unwrap().is_null());
    let message = js_error_message(lab.anomaly_histogram(40, None).await.err().expect("refused"));
    assert!(message.contains("test set is not loaded"), "{message}");
    // Asked for, the objective's terms add up: -ELBO = reconstruction + KL (beta 1).
    let reply = lab.denoise(&input, r#"{"kind":"gaussian","sigma":0.3}"#, 1, true).await.unwrap();
    let sum = js_sys::Reflect::get(&reply, &"objective".into()).unwrap();
    let field = |object: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::get(object, &name.into()).unwrap();
    let terms = js_sys::Array::from(&field(&sum, "terms"));
    let weighted = |index: u32| field(&terms.get(index), "weight").as_f64().unwrap() * field(&terms.get(index), "value").as_f64().unwrap();
    let (reconstruction, kl, total) = (weighted(0), weighted(1), field(&sum, "total").as_f64().unwrap());
    assert!(kl > 0.0 && (total - reconstruction - kl).abs() < 1e-3 * total, "{reconstruction} + {kl} against {total}");
    let message = js_error_message(lab.denoise(&input, r#"{"kind":"gaussian","sigma":9}"#, 1, false).await.err().expect("refused"));
    assert!(message.contains("sigma must be in (0, 2]"), "{message}");
}

/// Past the memory budget the page asks the core which files to read: at 64x64 colour 21,845 of
/// 21,850 files (256 MiB of pixels), the same choice every time.
#[wasm_bindgen_test]
async fn past_the_memory_budget_the_page_reads_the_cores_choice_of_files() {
    let Ok(mut studio) = aestudio::web::Studio::create("cpu".into()).await else { panic!("a CPU studio opens") };
    let paths: Vec<String> = (0..21_850).map(|i| format!("class{}/{i:05}.png", i % 7)).collect();
    let mut choose = || {
        studio.begin_import(64, true).map_err(|_| "an import begins").unwrap();
        studio.choose_files(paths.clone()).map_err(|_| "the core chooses").unwrap()
    };
    let flags = choose();
    assert_eq!(flags.iter().filter(|&&flag| flag == 1).count(), 21_845);
    assert_eq!(flags, choose());
}
