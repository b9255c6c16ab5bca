//! The JavaScript boundary: the only file with `#[wasm_bindgen]`. A module Web Worker owns one
//! [`Studio`]; every error crosses as a JS `Error` with a readable message, never as a panic.

use burn::prelude::*;
use js_sys::{Float32Array, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::AeError;
use crate::backend::{AdapterReport, BackendKind, cpu_device};
use crate::data::datasets::verify_md5;
use crate::data::preprocess::to_mnist;
use crate::data::{Dataset, DatasetFiles, PIXELS, Splits};
use crate::model::{Autoencoder, AutoencoderConfig, CriticConfig, Objective, Preset, Scale, weights};
use crate::nn::noise::Corruption;
use crate::train::semisupervised::{JointConfig, train_joint};
use crate::train::{NoReplicas, Replicas, Trainer, TrainingConfig, evaluate};
use crate::uses::anomaly::{self, Histogram};
use crate::uses::cluster;
use crate::uses::explore::{self, LatentMap, read_floats};
use crate::uses::pca::Pca;
use crate::uses::probe::{Features, LinearProbe, ProbeConfig, check_label_count};

impl From<AeError> for JsValue {
    fn from(err: AeError) -> JsValue {
        JsError::new(&err.to_string()).into()
    }
}

/// Plain JS objects, through JSON: one string and one `JSON.parse` cross the boundary, where
/// `serde-wasm-bindgen` crossed it once per value. Pixel arrays cross as typed arrays instead
/// (see [`with_arrays`]).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|err| JsError::new(&err.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("JSON.parse refused a reply"))
}

/// Adds `Float32Array` fields to a JS object.
fn with_arrays(object: JsValue, arrays: &[(&str, &[f32])]) -> Result<JsValue, JsError> {
    for (name, values) in arrays {
        Reflect::set(&object, &(*name).into(), &Float32Array::from(*values)).map_err(|_| JsError::new("cannot build a reply"))?;
    }
    Ok(object)
}

fn invalid(message: impl Into<String>) -> JsError {
    JsError::new(&AeError::InvalidConfig(message.into()).to_string())
}

#[wasm_bindgen(start)]
fn start() {
    run_static_constructors();
    // Panics are bugs; this makes them readable in the console instead of "unreachable".
    console_error_panic_hook::set_once();
}

/// Runs the static constructors (burn's and cubecl's `inventory` registrations, which the WebGPU
/// backend needs) exactly once. The start hook calls it; code that runs without that hook
/// (`wasm-bindgen-test`) must call it first.
///
/// Why by hand: without an export that calls `__wasm_call_ctors`, wasm-ld links the module
/// "command-style" and runs every constructor again at the top of every exported function, about
/// 1 ms on each call into wasm (and on each externref the glue allocates), which made one denoised
/// digit cost 10 ms. With this call the module is a library and the constructors run once.
pub fn run_static_constructors() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the linker-made function that runs the constructors, called once per instance.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
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

/// A WebGPU device, in the build that has burn's wgpu backend (`--features webgpu`).
#[cfg(feature = "webgpu")]
async fn webgpu_device() -> Result<Device, JsError> {
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|err| JsError::new(&AeError::Backend(format!("WebGPU device creation failed: {err}")).to_string()))
}

const CPU_ONLY_BUILD: &str = "this is the CPU-only build; WebGPU needs the page's WebGPU build (pkg-gpu)";

/// The default (CPU-only) build has no WebGPU backend: the page loads `pkg-gpu/` for that.
#[cfg(not(feature = "webgpu"))]
async fn webgpu_device() -> Result<Device, JsError> {
    Err(JsError::new(&AeError::Backend(CPU_ONLY_BUILD.into()).to_string()))
}

/// Whether this build has burn's WebGPU backend.
fn has_webgpu() -> bool {
    cfg!(feature = "webgpu")
}

/// What the browser's WebGPU adapter is, and whether the page should use it:
/// `{api_present, adapter_found, is_fallback, vendor, architecture, description, real_gpu}`.
/// The page asks this of the small CPU build before it downloads the WebGPU build.
#[wasm_bindgen(js_name = probeWebGpu)]
pub async fn probe_webgpu() -> Result<JsValue, JsError> {
    let report = probe_adapter().await;
    #[derive(Serialize)]
    struct Probe {
        #[serde(flatten)]
        report: AdapterReport,
        real_gpu: bool,
    }
    to_js(&Probe { real_gpu: report.is_real_gpu(), report })
}

/// Which backend a session runs on, and why.
#[derive(Serialize)]
struct BackendInfo {
    kind: BackendKind,
    reason: String,
    adapter: AdapterReport,
}

fn pixels_of(data: &Dataset, indices: &[u32]) -> Result<Float32Array, JsError> {
    let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
    for &index in indices {
        let index = index as usize;
        if index >= data.len() {
            return Err(invalid(format!("test image {index} does not exist")));
        }
        pixels.extend(data.image(index).iter().map(|&p| p as f32 / 255.0));
    }
    Ok(Float32Array::from(pixels.as_slice()))
}

/// A training session: data, a model, and the device they live on.
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
        run_static_constructors();
        let adapter = probe_adapter().await;
        let (use_gpu, reason) = match prefer.as_str() {
            "cpu" => (false, "the CPU backend was chosen".to_string()),
            "gpu" if !has_webgpu() => return Err(JsError::new(&AeError::Backend(CPU_ONLY_BUILD.into()).to_string())),
            "gpu" if adapter.adapter_found => (true, "WebGPU was chosen".to_string()),
            "gpu" => return Err(JsError::new(&AeError::Backend(adapter.reason_for_cpu()).to_string())),
            "auto" if adapter.is_real_gpu() && has_webgpu() => (true, format!("a WebGPU adapter was found ({} {})", adapter.vendor, adapter.architecture)),
            "auto" if adapter.is_real_gpu() => (false, format!("a WebGPU adapter was found ({} {}), but the WebGPU build was not loaded", adapter.vendor, adapter.architecture)),
            "auto" => (false, adapter.reason_for_cpu()),
            other => return Err(invalid(format!("backend must be auto, cpu or gpu, got '{other}'"))),
        };
        let (device, kind) = if use_gpu { (webgpu_device().await?, BackendKind::Gpu) } else { (cpu_device(), BackendKind::Cpu) };
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

    /// The objectives the training form offers: `[{label, objective, critic}]`, each objective
    /// with its default settings (its fields are the form's fields) and, for one that trains a
    /// critic, the critic's default configuration.
    pub fn objectives() -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Choice {
            label: &'static str,
            objective: Objective,
            critic: Option<CriticConfig>,
        }
        let choices: Vec<Choice> = Objective::CHOICES
            .iter()
            .map(|objective| Choice { label: objective.label(), objective: *objective, critic: objective.needs_critic().then(CriticConfig::default) })
            .collect();
        to_js(&choices)
    }

    /// Loads a dataset ("mnist" or "fashion-mnist") from its four uncompressed IDX files; fails if
    /// any checksum differs.
    #[wasm_bindgen(js_name = loadDataset)]
    pub fn load_dataset(&mut self, name: &str, train_images: &[u8], train_labels: &[u8], test_images: &[u8], test_labels: &[u8]) -> Result<(), JsError> {
        let splits = Splits::from_idx_bytes(&DatasetFiles::by_name(name)?, train_images, train_labels, test_images, test_labels)?;
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
        self.train_steps_with(max_steps, &mut NoReplicas).await
    }

    /// [`Studio::train_steps`], each batch shared with the replica workers of `pool` (data-parallel,
    /// see `Trainer::train_steps_with`); they must have been started from this run's weights.
    #[wasm_bindgen(js_name = trainStepsShared)]
    pub async fn train_steps_shared(&mut self, max_steps: usize, pool: ReplicaPool) -> Result<JsValue, JsError> {
        self.train_steps_with(max_steps, &mut JsReplicas(pool, Vec::new())).await
    }

    async fn train_steps_with(&mut self, max_steps: usize, replicas: &mut impl Replicas) -> Result<JsValue, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("no run configured"))?;
        let outcome = trainer.train_steps_with(&data.train, max_steps, replicas).await;
        // Whatever happened, the trainer now holds good weights (restored ones after a NaN).
        self.model = Some(trainer.model());
        to_js(&outcome?)
    }

    /// The autoencoder as a regularizer: a linear classifier on the code of a fresh model of
    /// `model_json`, trained with the first `labels` training labels for `epochs` passes over the
    /// training set, alone and jointly with the decoder (reconstruction weight `alpha`):
    /// `{alone, joint}` test accuracies on the whole test set.
    #[wasm_bindgen(js_name = semiSupervised)]
    pub async fn semi_supervised(&self, model_json: &str, labels: usize, alpha: f64, epochs: usize) -> Result<JsValue, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let model: AutoencoderConfig = serde_json::from_str(model_json).map_err(|err| invalid(format!("model config: {err}")))?;
        check_label_count(labels, data.train.len())?;
        let labelled = data.train.take(labels);
        let config = JointConfig::new(model).with_epochs(epochs);
        let alone = train_joint(&config.clone().with_alpha(0.0), &labelled, &data.train, &self.device).await?.accuracy(&data.test, &self.device).await?;
        let joint = train_joint(&config.with_alpha(alpha), &labelled, &data.train, &self.device).await?.accuracy(&data.test, &self.device).await?;
        to_js(&serde_json::json!({ "alone": alone, "joint": joint }))
    }

    /// Evaluates the current model on the first `limit` test images (all if 0).
    pub async fn evaluate(&self, limit: usize) -> Result<JsValue, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        let model = self.model.as_ref().ok_or_else(|| invalid("no model"))?;
        let test = if limit == 0 { data.test.clone() } else { data.test.take(limit) };
        let eval = evaluate(model, &test, 500).await?;
        to_js(&eval)
    }

    /// Continues a run from saved weights at `step` (after a lost GPU, on this session's device):
    /// the model comes from `weights`, the schedule from `training_json`.
    pub fn resume(&mut self, weights: &[u8], training_json: &str, step: usize) -> Result<JsValue, JsError> {
        let training: TrainingConfig = serde_json::from_str(training_json).map_err(|err| invalid(format!("training config: {err}")))?;
        let data = self.data.as_ref().ok_or_else(|| invalid("load the data before resuming a run"))?;
        let loaded = weights::load(weights, &self.device.clone().autodiff())?;
        let description = loaded.model.config().describe();
        let trainer = Trainer::resume(loaded.model, training, &self.device, data.train.len(), step)?;
        self.model = Some(trainer.model());
        self.trainer = Some(trainer);
        to_js(&description)
    }

    /// The weights as a safetensors file (see `weights.rs`), with `provenance` in its metadata: during
    /// a run, those of the last finite loss readback.
    #[wasm_bindgen(js_name = exportWeights)]
    pub async fn export_weights(&self, provenance: String) -> Result<Vec<u8>, JsError> {
        // During a run, the weights last checked finite; a NaN may be on its way in the current ones.
        let verified = self.trainer.as_ref().map(Trainer::verified_model);
        let model = verified.as_ref().or(self.model.as_ref()).ok_or_else(|| invalid("no model"))?;
        Ok(weights::save(model, &provenance).await?)
    }

    /// Test images at `indices`, pixels in [0, 1], 784 per image.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        let data = self.data.as_ref().ok_or_else(|| invalid("no data loaded"))?;
        pixels_of(&data.test, indices)
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

#[wasm_bindgen]
extern "C" {
    /// The training worker's replica workers (`www/train-worker.js`), as the leader drives them.
    pub type ReplicaPool;
    #[wasm_bindgen(method, getter)]
    fn count(this: &ReplicaPool) -> usize;
    /// Asks each replica for its share of the next batch.
    #[wasm_bindgen(method, js_name = startShares)]
    fn start_shares(this: &ReplicaPool);
    /// A promise of their flat gradients, an array of `Float32Array`s.
    #[wasm_bindgen(method)]
    fn collect(this: &ReplicaPool) -> js_sys::Promise;
    /// Sends each replica the summed gradient, in the buffer its share came in (`Float32Array`s).
    #[wasm_bindgen(method)]
    fn apply(this: &ReplicaPool, sums: js_sys::Array);
}

/// The pool, and the buffers the replicas' shares came in: the sum goes back in them, so no
/// step allocates a JS buffer (2.6 MB for the VAE) on either side.
struct JsReplicas(ReplicaPool, Vec<Float32Array>);

impl Replicas for JsReplicas {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn start_shares(&mut self) {
        self.0.start_shares();
    }
    async fn collect(&mut self) -> crate::error::AeResult<Vec<Vec<f32>>> {
        let shares = JsFuture::from(self.0.collect())
            .await
            .map_err(|err| AeError::Backend(format!("a replica worker failed: {}", err.as_string().unwrap_or_else(|| format!("{err:?}")))))?;
        let shares: js_sys::Array = shares.dyn_into().map_err(|_| AeError::Backend("replicas answered without an array".into()))?;
        self.1 = shares
            .iter()
            .map(|share| share.dyn_into::<Float32Array>().map_err(|_| AeError::Backend("a replica's gradient is not a Float32Array".into())))
            .collect::<Result<_, _>>()?;
        Ok(self.1.iter().map(Float32Array::to_vec).collect())
    }
    fn apply(&mut self, sum: &[f32]) {
        let sums = js_sys::Array::new();
        for buffer in self.1.drain(..) {
            buffer.copy_from(sum);
            sums.push(&buffer);
        }
        self.0.apply(sums);
    }
}

/// A follower of a data-parallel run, in a worker of its own (`www/replica-worker.js`): the same
/// training set and weights as the leader, one share of every batch (CPU backend).
#[wasm_bindgen]
pub struct Replica {
    device: Device,
    train: Option<Dataset>,
    trainer: Option<Trainer>,
    part: usize,
    parts: usize,
}

#[wasm_bindgen]
impl Replica {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Replica {
        Replica { device: cpu_device(), train: None, trainer: None, part: 0, parts: 1 }
    }

    /// Loads the training split of dataset `name`, checksums verified; returns its size.
    #[wasm_bindgen(js_name = loadTrainSet)]
    pub fn load_train_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        Ok(self.train.insert(DatasetFiles::by_name(name)?.train_split(images, labels)?).len())
    }

    /// Joins a run as share `part` of `parts`, from the leader's weights at `step` and its
    /// training config (JSON), so that both walk the same shuffled order.
    pub fn start(&mut self, weights: &[u8], training_json: &str, step: usize, part: usize, parts: usize) -> Result<(), JsError> {
        let training: TrainingConfig = serde_json::from_str(training_json).map_err(|err| invalid(format!("training config: {err}")))?;
        let train = self.train.as_ref().ok_or_else(|| invalid("load the training set before starting a replica"))?;
        if part == 0 || part >= parts {
            return Err(invalid(format!("a replica is share 1 to {} of {parts}, got {part}", parts.saturating_sub(1))));
        }
        let loaded = weights::load(weights, &self.device.clone().autodiff())?;
        let trainer = Trainer::resume(loaded.model, training, &self.device, train.len(), step)?;
        trainer.reseed_for_replica(part);
        (self.part, self.parts) = (part, parts);
        self.trainer = Some(trainer);
        Ok(())
    }

    /// This replica's share of the next batch: its flat gradient, written into `reuse` when that
    /// has the right length (the buffer the last sum came in), else into a new array.
    pub async fn share(&mut self, reuse: Option<Float32Array>) -> Result<Float32Array, JsError> {
        let train = self.train.as_ref().ok_or_else(|| invalid("no training set"))?;
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("the replica has not joined a run"))?;
        let gradient = trainer.share_gradients(train, self.part, self.parts).await?;
        Ok(match reuse {
            Some(buffer) if buffer.length() as usize == gradient.len() => {
                buffer.copy_from(&gradient);
                buffer
            }
            _ => Float32Array::from(gradient.as_slice()),
        })
    }

    /// Applies the leader's summed gradient.
    pub fn apply(&mut self, sum: &[f32]) -> Result<(), JsError> {
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("the replica has not joined a run"))?;
        Ok(trainer.apply_gradients(sum)?)
    }
}

impl Default for Replica {
    fn default() -> Self {
        Replica::new()
    }
}

/// Checks a run's settings as the page's form gives them (an `AutoencoderConfig` and a
/// `TrainingConfig` as JSON) against a training set of `train_len` images; returns the model's
/// description and parameter count, or an `Error` with the reason.
#[wasm_bindgen(js_name = validateRun)]
pub fn validate_run(model_json: &str, training_json: &str, train_len: usize) -> Result<JsValue, JsError> {
    let model: AutoencoderConfig = serde_json::from_str(model_json).map_err(|err| invalid(format!("model config: {err}")))?;
    let training: TrainingConfig = serde_json::from_str(training_json).map_err(|err| invalid(format!("training config: {err}")))?;
    model.validate()?;
    training.validate(train_len)?;
    // Parameters are lazy, so counting them allocates nothing even for a huge model.
    let parameters = model.init(&cpu_device())?.num_params();
    #[derive(Serialize)]
    struct Valid {
        description: String,
        parameters: usize,
    }
    to_js(&Valid { description: model.describe(), parameters })
}

/// What the page shows about the model in use.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    description: String,
    config: AutoencoderConfig,
    provenance: String,
    parameters: usize,
    /// Whether samples of the prior decode to images (sampling, the manifold, prior traversals).
    has_prior: bool,
    /// The unit of the objective: "per_sample" or "per_pixel".
    scale: Scale,
    code_size: usize,
}

/// The live-inference session of the page's second worker: one model on the CPU (a forward pass
/// of one image takes well under a millisecond there, and never waits behind a training step),
/// the test set for the gallery, the latent map and the anomaly histogram, the training set for
/// linear probes, and every exploration of `explore.rs`.
#[wasm_bindgen]
pub struct Lab {
    device: Device,
    model: Option<Autoencoder>,
    provenance: String,
    test: Option<Dataset>,
    train: Option<Dataset>,
    /// The latent map of the test set, fitted on demand for the current model.
    map: Option<LatentMap>,
    /// The current model's anomaly score of every test image, computed on demand.
    scores: Option<Vec<f32>>,
    /// The current model's code of every test image (row by row), computed once for the latent
    /// map, the unit statistics, the probe and k-means.
    codes: Option<Vec<f32>>,
}

#[wasm_bindgen]
impl Lab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Lab {
        run_static_constructors();
        Lab { device: cpu_device(), model: None, provenance: String::new(), test: None, train: None, map: None, scores: None, codes: None }
    }

    /// Loads the test split of dataset `name` ("mnist" or "fashion-mnist") from its two
    /// uncompressed IDX files (checksums verified).
    #[wasm_bindgen(js_name = loadTestSet)]
    pub fn load_test_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        let files = DatasetFiles::by_name(name)?;
        verify_md5(files.test_images, images)?;
        verify_md5(files.test_labels, labels)?;
        let test = Dataset::from_idx(images, labels)?;
        let count = test.len();
        self.test = Some(test);
        self.train = None;
        self.forget_model_results();
        Ok(count)
    }

    /// Loads the training split of dataset `name` (for linear probes), checksums verified.
    #[wasm_bindgen(js_name = loadTrainSet)]
    pub fn load_train_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        Ok(self.train.insert(DatasetFiles::by_name(name)?.train_split(images, labels)?).len())
    }

    /// Replaces the model by the one in a weight file, or refuses the file and keeps the current one.
    #[wasm_bindgen(js_name = loadModel)]
    pub fn load_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let loaded = weights::load(bytes, &self.device)?;
        self.model = Some(loaded.model);
        self.provenance = loaded.provenance;
        self.forget_model_results();
        self.model_info()
    }

    /// `{description, config, provenance, parameters, hasPrior, scale, codeSize}` of the current model.
    #[wasm_bindgen(js_name = modelInfo)]
    pub fn model_info(&self) -> Result<JsValue, JsError> {
        let model = self.model()?;
        let config = model.config().clone();
        to_js(&ModelInfo {
            description: config.describe(),
            provenance: self.provenance.clone(),
            parameters: model.num_params(),
            has_prior: config.objective.has_prior(),
            scale: config.objective.scale(),
            code_size: config.code_size,
            config,
        })
    }

    /// The current model as a safetensors weight file.
    #[wasm_bindgen(js_name = saveModel)]
    pub async fn save_model(&self) -> Result<Vec<u8>, JsError> {
        Ok(weights::save(self.model()?, &self.provenance).await?)
    }

    /// Turns a drawing's alpha channel (`width × height` bytes, ink opaque) into an MNIST-like
    /// 28x28 input (784 values in [0, 1]).
    #[wasm_bindgen(js_name = prepareDrawing)]
    pub fn prepare_drawing(&self, alpha: &[u8], width: usize, height: usize) -> Result<Float32Array, JsError> {
        let ink: Vec<f32> = alpha.iter().map(|&a| a as f32 / 255.0).collect();
        Ok(Float32Array::from(to_mnist(&ink, width, height)?.as_slice()))
    }

    /// Test images at `indices`, 784 values each.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        pixels_of(self.test()?, indices)
    }

    /// Corrupts `pixels` (one image) with `corruption_json` (`{"kind": "none" | "gaussian" |
    /// "masking", ...}`) drawn with `seed`, reconstructs it, and reports `{noisy, output, code,
    /// noisyPsnr, outputPsnr, outputMse, point, score, percentile}` (`point`: the code on the
    /// latent map, if fitted; `score`: the clean input's anomaly score, and `percentile` its rank
    /// among the test images' scores once the histogram exists).
    pub async fn denoise(&self, pixels: &[f32], corruption_json: &str, seed: u32) -> Result<JsValue, JsError> {
        let corruption: Corruption = serde_json::from_str(corruption_json).map_err(|err| invalid(format!("noise: {err}")))?;
        let denoised = explore::denoise(self.model()?, pixels, &corruption, seed as u64, &self.device).await?;
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Figures {
            noisy_psnr: f32,
            output_psnr: f32,
            output_mse: f32,
            point: Option<[f32; 2]>,
            score: f32,
            percentile: Option<f64>,
        }
        let figures = to_js(&Figures {
            noisy_psnr: denoised.noisy_psnr,
            output_psnr: denoised.output_psnr,
            output_mse: denoised.output_mse,
            point: self.map.as_ref().map(|map| map.project(&denoised.code)),
            score: denoised.clean_mse,
            percentile: self.scores.as_ref().map(|scores| anomaly::percentile_of(scores, denoised.clean_mse)),
        })?;
        with_arrays(figures, &[("noisy", &denoised.noisy), ("output", &denoised.output), ("code", &denoised.code)])
    }

    /// `count` digits from the prior of the current VAE at `temperature`, 784 values each.
    pub async fn sample(&self, count: usize, temperature: f64, seed: u32) -> Result<Float32Array, JsError> {
        self.device.seed(seed as u64);
        let images = explore::sample_prior(self.model()?, count, temperature, &self.device)?;
        floats(images).await
    }

    /// `steps` images between the codes of two images (784 values each), ends included.
    pub async fn interpolate(&self, from: &[f32], to: &[f32], steps: usize) -> Result<Float32Array, JsError> {
        floats(explore::interpolate(self.model()?, from, to, steps, &self.device)?).await
    }

    /// Encodes the test set (its first `limit` images; all if 0) and maps the codes to 2-D:
    /// `{points: [x0, y0, x1, ...], labels, axes: "code" | "pca", explained}`.
    #[wasm_bindgen(js_name = latentMap)]
    pub async fn latent_map(&mut self, limit: usize) -> Result<JsValue, JsError> {
        let test = self.test()?;
        let (map, codes) = if limit == 0 || limit >= test.len() {
            self.ensure_test_codes().await?;
            LatentMap::from_codes(self.model()?.config().code_size, self.test_codes(), self.test()?)?
        } else {
            // A training snapshot's quick map: a prefix, not worth keeping for a model that lives 2 s.
            LatentMap::fit(self.model()?, &test.take(limit), &self.device).await?
        };
        let reply = to_js(&serde_json::json!({ "axes": codes.axes, "explained": codes.explained }))?;
        let reply = with_arrays(reply, &[("points", &codes.points)])?;
        Reflect::set(&reply, &"labels".into(), &js_sys::Uint8Array::from(codes.labels.as_slice()))
            .map_err(|_| JsError::new("cannot build a reply"))?;
        self.map = Some(map);
        Ok(reply)
    }

    /// The image decoded at a point of the latent map.
    #[wasm_bindgen(js_name = decodePoint)]
    pub async fn decode_point(&self, x: f32, y: f32) -> Result<Float32Array, JsError> {
        let map = self.map.as_ref().ok_or_else(|| invalid("draw the latent map first"))?;
        floats(explore::decode_codes(self.model()?, &map.unproject([x, y]), &self.device)?).await
    }

    /// The decoded `side × side` manifold of a 2-D code, row by row from the top.
    pub async fn manifold(&self, side: usize) -> Result<Float32Array, JsError> {
        let map = self.map.as_ref().ok_or_else(|| invalid("draw the latent map first"))?;
        floats(explore::manifold(self.model()?, map, side, &self.device)?).await
    }

    /// Rows of decoded images, one per code dimension (the first `dimensions`), each setting that
    /// dimension of `image`'s code to `values` in turn.
    pub async fn traverse(&self, image: &[f32], dimensions: usize, values: &[f32]) -> Result<Float32Array, JsError> {
        let map = self.map.as_ref().ok_or_else(|| invalid("draw the latent map first"))?;
        floats(explore::traverse(self.model()?, map, image, dimensions, values, &self.device).await?).await
    }
}

#[wasm_bindgen]
impl Lab {
    /// Scores every test image (reconstruction MSE per pixel) with the current model and returns
    /// `{upper, counts, threshold}`: a histogram of `bins` bins up to the 99.5th percentile, and
    /// the 99th percentile, above which the page flags an input as unlike the training data.
    #[wasm_bindgen(js_name = anomalyHistogram)]
    pub async fn anomaly_histogram(&mut self, bins: usize) -> Result<JsValue, JsError> {
        let scores = anomaly::reconstruction_errors(self.model()?, self.test()?, &self.device).await?;
        let histogram = Histogram::of(&scores, bins, 0.995)?;
        let threshold = anomaly::quantile(&scores, 0.99);
        self.scores = Some(scores);
        #[derive(Serialize)]
        struct Reply {
            #[serde(flatten)]
            histogram: Histogram,
            threshold: f32,
        }
        to_js(&Reply { histogram, threshold })
    }

    /// What the code units do: `{filters, filterCount, meanActivations, rho, codeActivation}`:
    /// up to `count` first-layer filters as 784-pixel images (`null` for a conv encoder), each
    /// code unit's mean activation over the test set, and the sparsity target rho if any.
    pub async fn units(&mut self, count: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let model = self.model()?;
        let config = model.config();
        let filters = explore::filter_images(model, count).await?;
        let means = explore::column_means(self.test_codes(), config.code_size);
        let rho = config.objective.sparsity_target();
        let reply = to_js(&serde_json::json!({
            "filterCount": filters.as_ref().map_or(0, |f| f.len() / PIXELS),
            "rho": rho,
            "codeActivation": config.code_activation,
        }))?;
        let reply = with_arrays(reply, &[("meanActivations", &means)])?;
        if let Some(filters) = filters {
            return with_arrays(reply, &[("filters", &filters)]);
        }
        Ok(reply)
    }

    /// Test accuracy of a softmax linear probe on the codes, trained with the first `labels`
    /// training images for `epochs` epochs, and (up to 1,000 labels, where it stays quick) of
    /// the same probe on raw pixels: `{codes, pixels}`.
    pub async fn probe(&mut self, labels: usize, epochs: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let model = self.model()?;
        let (train, test) = (self.train.as_ref().ok_or_else(|| invalid("the training set is not loaded"))?, self.test()?);
        check_label_count(labels, train.len())?;
        let train = train.take(labels);
        let config = ProbeConfig::new().with_epochs(epochs);
        let width = model.config().code_size;
        let train_codes = Features { values: explore::encode_dataset(model, &train, &self.device).await?, width };
        let test_codes = Features { values: self.test_codes().to_vec(), width };
        let probe = LinearProbe::fit(&train_codes, train.labels(), &config, &self.device).await?;
        let on_codes = probe.accuracy(&test_codes, test.labels(), &self.device).await?;
        let on_pixels = if labels <= 1000 {
            let pixels = |data: &Dataset| Features { values: data.scaled_pixels(), width: PIXELS };
            let probe = LinearProbe::fit(&pixels(&train), train.labels(), &config, &self.device).await?;
            Some(probe.accuracy(&pixels(test), test.labels(), &self.device).await?)
        } else {
            None
        };
        to_js(&serde_json::json!({ "codes": on_codes, "pixels": on_pixels }))
    }

    /// PCA against the model: PCA fitted to the first `fit_images` training images with as many
    /// components as the code (at least 2), and both test reconstruction errors (MSE per pixel,
    /// clean inputs): `{components, pcaMse, modelMse, points, labels}`, with `points` the test
    /// images' coordinates on the first two principal directions (a 2-D embedding).
    #[wasm_bindgen(js_name = pcaComparison)]
    pub async fn pca_comparison(&mut self, fit_images: usize) -> Result<JsValue, JsError> {
        let train = self.train.as_ref().ok_or_else(|| invalid("the training set is not loaded"))?;
        let components = self.model()?.config().code_size.clamp(2, PIXELS);
        let pca = Pca::fit(&train.take(fit_images), components)?;
        if self.scores.is_none() {
            self.scores = Some(anomaly::reconstruction_errors(self.model()?, self.test()?, &self.device).await?);
        }
        let test = self.test()?;
        let pca_mse = pca.reconstruction_mse(test);
        let scores = self.scores.as_ref().expect("just computed");
        let model_mse = scores.iter().map(|&s| s as f64).sum::<f64>() / scores.len() as f64;
        let points: Vec<f32> = pca.project(test).chunks(components).flat_map(|row| [row[0], row[1]]).collect();
        let reply = to_js(&serde_json::json!({ "components": components, "pcaMse": pca_mse, "modelMse": model_mse }))?;
        let reply = with_arrays(reply, &[("points", &points)])?;
        Reflect::set(&reply, &"labels".into(), &js_sys::Uint8Array::from(test.labels())).map_err(|_| JsError::new("cannot build a reply"))?;
        Ok(reply)
    }

    /// k-means (k 10, k-means++, `restarts` restarts) on the test codes: `{accuracy, nmi}`.
    pub async fn cluster(&mut self, restarts: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let test = self.test()?;
        let solution = cluster::kmeans(self.test_codes(), self.model()?.config().code_size, 10, restarts, 300, 1)?;
        to_js(&serde_json::json!({
            "accuracy": cluster::cluster_accuracy(&solution.assignments, test.labels())?,
            "nmi": cluster::normalized_mutual_information(&solution.assignments, test.labels())?,
        }))
    }
}

impl Lab {
    fn model(&self) -> Result<&Autoencoder, JsError> {
        self.model.as_ref().ok_or_else(|| invalid("no model is loaded"))
    }

    fn test(&self) -> Result<&Dataset, JsError> {
        self.test.as_ref().ok_or_else(|| invalid("the test set is not loaded"))
    }

    /// Drops what was computed for the previous model or test set.
    fn forget_model_results(&mut self) {
        self.map = None;
        self.scores = None;
        self.codes = None;
    }

    /// Encodes the test set with the current model, unless that is done already.
    async fn ensure_test_codes(&mut self) -> Result<(), JsError> {
        if self.codes.is_none() {
            self.codes = Some(explore::encode_dataset(self.model()?, self.test()?, &self.device).await?);
        }
        Ok(())
    }

    /// The codes [`Lab::ensure_test_codes`] made.
    fn test_codes(&self) -> &[f32] {
        self.codes.as_deref().expect("ensure_test_codes runs first")
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

async fn floats<const D: usize>(tensor: Tensor<D>) -> Result<Float32Array, JsError> {
    Ok(Float32Array::from(read_floats(tensor).await?.as_slice()))
}
