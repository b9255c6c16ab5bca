//! The JavaScript boundary: the only file with `#[wasm_bindgen]`. A module Web Worker owns one
//! [`Studio`]; every error crosses as a JS `Error` with a readable message, never as a panic.

use burn::prelude::*;
use js_sys::{Float32Array, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::AeError;
use crate::backend::{AdapterReport, BackendKind, cpu_device};
use crate::mnist::{MNIST, Splits};
use crate::model::{Autoencoder, AutoencoderConfig, PIXELS, Preset};
use crate::train::{Trainer, TrainingConfig, evaluate};

impl From<AeError> for JsValue {
    fn from(err: AeError) -> JsValue {
        JsError::new(&err.to_string()).into()
    }
}

/// Plain JS objects (maps as objects, `None` as `null`), as `JSON.parse` would give.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|err| JsError::new(&err.to_string()))
}

fn invalid(message: impl Into<String>) -> JsError {
    JsError::new(&AeError::InvalidConfig(message.into()).to_string())
}

#[wasm_bindgen(start)]
fn start() {
    // Panics are bugs; this makes them readable in the console instead of "unreachable".
    console_error_panic_hook::set_once();
}

/// Asks the browser for a WebGPU adapter and reports what it is, without creating a device.
pub async fn probe_adapter() -> AdapterReport {
    let mut report = AdapterReport::default();
    let global = js_sys::global();
    let Ok(navigator) = Reflect::get(&global, &"navigator".into()) else { return report };
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return report;
    }
    report.api_present = true;
    let Ok(request) = Reflect::get(&gpu, &"requestAdapter".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return report;
    };
    let Ok(promise) = request.call0(&gpu).and_then(|p| p.dyn_into::<js_sys::Promise>()) else { return report };
    let adapter = match JsFuture::from(promise).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => adapter,
        _ => return report,
    };
    report.adapter_found = true;
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let text = |key: &str| Reflect::get(&info, &key.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    report.vendor = text("vendor");
    report.architecture = text("architecture");
    report.description = text("description");
    // Newer browsers put the flag on the info, older ones on the adapter.
    report.is_fallback = [&info, &adapter]
        .iter()
        .any(|holder| Reflect::get(holder, &"isFallbackAdapter".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false));
    report
}

/// Which backend a session runs on, and why.
#[derive(Serialize)]
struct BackendInfo {
    kind: BackendKind,
    reason: String,
    adapter: AdapterReport,
}

/// A training and inference session: data, a model, and the device they live on.
#[wasm_bindgen]
pub struct Studio {
    device: Device,
    backend: BackendInfo,
    data: Option<Splits>,
    trainer: Option<Trainer>,
    /// The latest good weights for inference; kept when a run diverges.
    model: Option<Autoencoder>,
}

#[wasm_bindgen]
impl Studio {
    /// Opens a session. `prefer` is "auto" (WebGPU on a real adapter, else the CPU), "cpu", or
    /// "gpu" (WebGPU on whatever adapter the browser gives, even a software one).
    pub async fn create(prefer: String) -> Result<Studio, JsError> {
        let adapter = probe_adapter().await;
        let (use_gpu, reason) = match prefer.as_str() {
            "cpu" => (false, "the CPU backend was chosen".to_string()),
            "gpu" if adapter.adapter_found => (true, "WebGPU was chosen".to_string()),
            "gpu" => return Err(JsError::new(&AeError::Backend(adapter.reason_for_cpu()).to_string())),
            "auto" if adapter.is_real_gpu() => (true, format!("a WebGPU adapter was found ({} {})", adapter.vendor, adapter.architecture)),
            "auto" => (false, adapter.reason_for_cpu()),
            other => return Err(invalid(format!("backend must be auto, cpu or gpu, got '{other}'"))),
        };
        let (device, kind) = if use_gpu {
            let device = Device::wgpu_options()
                .init_async()
                .await
                .map_err(|err| JsError::new(&AeError::Backend(format!("WebGPU device creation failed: {err}")).to_string()))?;
            (device, BackendKind::Gpu)
        } else {
            (cpu_device(), BackendKind::Cpu)
        };
        Ok(Studio { device, backend: BackendInfo { kind, reason, adapter }, data: None, trainer: None, model: None })
    }

    /// `{kind: "cpu"|"gpu", reason, adapter: {...}}`.
    pub fn backend(&self) -> Result<JsValue, JsError> {
        to_js(&self.backend)
    }

    /// The preset model configurations, `{name: config}`.
    pub fn presets() -> Result<JsValue, JsError> {
        let presets: std::collections::BTreeMap<&str, AutoencoderConfig> =
            Preset::ALL.iter().map(|p| (p.name(), p.config())).collect();
        to_js(&presets)
    }

    /// Loads MNIST from the four uncompressed IDX files; fails if any checksum differs.
    #[wasm_bindgen(js_name = loadMnist)]
    pub fn load_mnist(&mut self, train_images: &[u8], train_labels: &[u8], test_images: &[u8], test_labels: &[u8]) -> Result<(), JsError> {
        let splits = Splits::from_idx_bytes(&MNIST, train_images, train_labels, test_images, test_labels)?;
        self.data = Some(splits);
        Ok(())
    }

    /// Starts a fresh run from JSON configs (an `AutoencoderConfig` and a `TrainingConfig`);
    /// refuses impossible values before anything runs.
    pub fn configure(&mut self, model_json: &str, training_json: &str) -> Result<JsValue, JsError> {
        let model: AutoencoderConfig = serde_json::from_str(model_json).map_err(|err| invalid(format!("model config: {err}")))?;
        let training: TrainingConfig = serde_json::from_str(training_json).map_err(|err| invalid(format!("training config: {err}")))?;
        let data = self.data.as_ref().ok_or_else(|| invalid("load the data before configuring a run"))?;
        let trainer = Trainer::new(&model, training, &self.device, data.train.len())?;
        self.model = Some(trainer.model());
        self.trainer = Some(trainer);
        to_js(&model.describe())
    }

    /// Runs up to `max_steps` training steps (stopping at an epoch's end) and reports
    /// `{epoch, step, stepsPerEpoch, trainLoss, epochLoss, epochFinished, finished}`. On divergence the
    /// error says so and the last good weights stay in use.
    #[wasm_bindgen(js_name = trainSteps)]
    pub async fn train_steps(&mut self, max_steps: usize) -> Result<JsValue, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("no run configured"))?;
        let outcome = trainer.train_steps(&data.train, max_steps).await;
        // Whatever happened, the trainer now holds good weights (restored ones after a NaN).
        self.model = Some(trainer.model());
        to_js(&outcome?)
    }

    /// Evaluates the current model on the first `limit` test images (all if 0).
    pub async fn evaluate(&self, limit: usize) -> Result<JsValue, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let model = self.model.as_ref().ok_or_else(|| invalid("no model"))?;
        let test = if limit == 0 { data.test.clone() } else { data.test.take(limit) };
        let eval = evaluate(model, &test, 500).await?;
        to_js(&eval)
    }

    /// Test images at `indices`, pixels in [0, 1], 784 per image.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
        for &index in indices {
            let index = index as usize;
            if index >= data.test.len() {
                return Err(invalid(format!("test image {index} does not exist")));
            }
            pixels.extend(data.test.image(index).iter().map(|&p| p as f32 / 255.0));
        }
        Ok(Float32Array::from(pixels.as_slice()))
    }

    /// Reconstructions by the current model of the test images at `indices`, 784 per image.
    pub async fn reconstruct(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let model = self.model.as_ref().ok_or_else(|| invalid("no model"))?;
        if let Some(&bad) = indices.iter().find(|&&i| i as usize >= data.test.len()) {
            return Err(invalid(format!("test image {bad} does not exist")));
        }
        let indices: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        let input = data.test.batch(&indices, &self.device);
        let output = model.reconstruct(input).into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
        let pixels: Vec<f32> = output.try_to_vec().map_err(|err| AeError::Backend(format!("{err:?}")))?;
        Ok(Float32Array::from(pixels.as_slice()))
    }
}
