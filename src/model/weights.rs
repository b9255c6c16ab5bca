//! The weight file: a [safetensors](https://github.com/huggingface/safetensors) file whose metadata
//! holds the configuration that made the model, so one file is enough to rebuild it.
//! Values are f32 (f16 in a file saved for shipping, see [`Precision`]; both are read).
//!
//! Metadata keys: `format` = `"aestudio"`, `format_version` = [`FORMAT_VERSION`], `config` = the
//! [`AutoencoderConfig`] as JSON, `provenance` = free text (how the weights were trained),
//! `producer`, and `dataset` = the [`DatasetTag`] as JSON (the data set the model learned, its
//! image shape and its test set's fingerprint; absent in files written before it existed and in
//! a run's intermediate files). Tensors are little-endian f32, named by their module path
//! (`encoder.Mlp.layers.0.weight`) in burn's layout: a linear weight is `[in, out]`, the transpose
//! of PyTorch's. Any safetensors reader opens the file (`safetensors.torch.load_file` in PyTorch).
//!
//! Saving reads every parameter back with `into_data_async`, so it works on WebGPU too. Loading
//! treats the bytes as untrusted: the header is parsed and bounds-checked by the `safetensors`
//! crate, the configuration is validated, and every tensor's name, dtype and shape must match the
//! model that configuration builds (whose parameters are lazy, so nothing is allocated for a file
//! that is then refused) before a single value is copied.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::data::DatasetTag;
use crate::error::{AeError, AeResult};
use crate::model::{Autoencoder, AutoencoderConfig};

/// The `format` metadata value that marks an aestudio weight file.
pub const FORMAT: &str = "aestudio";
/// Version of the metadata layout written by [`save`]. Version 1 stored the objective as
/// `variational`, `beta` and `regularizer` fields; [`AutoencoderConfig::from_json`] reads both.
pub const FORMAT_VERSION: u32 = 2;
/// The versions [`load`] reads.
pub const READABLE_VERSIONS: [&str; 2] = ["1", "2"];
/// Largest file accepted: ample for any model the page can train (the default VAE is 2.6 MB).
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

/// A model read from a weight file, with the text saying how it was trained and, where the file
/// records it, the data set it learned.
#[derive(Debug)]
pub struct LoadedModel {
    pub model: Autoencoder,
    pub provenance: String,
    pub dataset: Option<DatasetTag>,
}

/// Serializes `model`: its configuration, `provenance` (free text) and every parameter, without
/// a data set (a run's intermediate file; see [`save_with_dataset`]).
pub async fn save(model: &Autoencoder, provenance: &str) -> AeResult<Vec<u8>> {
    save_with_dataset(model, provenance, None).await
}

/// [`save`], recording the data set the model learned when there is one.
pub async fn save_with_dataset(model: &Autoencoder, provenance: &str, dataset: Option<&DatasetTag>) -> AeResult<Vec<u8>> {
    let config = serde_json::to_string(model.config()).map_err(|err| AeError::Weights(err.to_string()))?;
    let mut extra = Vec::new();
    if let Some(tag) = dataset {
        extra.push(("dataset".to_string(), serde_json::to_string(tag).map_err(|err| AeError::Weights(err.to_string()))?));
    }
    save_module_as(model, FORMAT, FORMAT_VERSION, config, provenance, Precision::F32, extra).await
}

/// How the values of a weight file are stored: f32, or f16 for a shipped file that should be half
/// the download (a weight's rounding error, 2^-11 of it, is far below what a model resolves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    F32,
    F16,
}

/// Serializes any module with the metadata of this format: `format`, `format_version`, the
/// configuration as JSON, `provenance` and the producer.
pub(crate) async fn save_module<M: Module>(module: &M, format: &str, version: u32, config: String, provenance: &str) -> AeResult<Vec<u8>> {
    save_module_as(module, format, version, config, provenance, Precision::F32, Vec::new()).await
}

/// [`save_module`] with the values stored at `precision` and `extra` metadata entries.
pub(crate) async fn save_module_as<M: Module>(
    module: &M,
    format: &str,
    version: u32,
    config: String,
    provenance: &str,
    precision: Precision,
    extra: Vec<(String, String)>,
) -> AeResult<Vec<u8>> {
    let mut collector = ParameterCollector { with_values: true, ..Default::default() };
    module.visit(&mut collector);
    let mut tensors = Vec::with_capacity(collector.values.len());
    for ((name, shape), tensor) in collector.parameters.into_iter().zip(collector.values) {
        let data = tensor.into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
        let values: Vec<f32> = data.convert::<f32>().try_to_vec().map_err(|err| AeError::Weights(format!("{err:?}")))?;
        let bytes: Vec<u8> = match precision {
            Precision::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Precision::F16 => values.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect(),
        };
        tensors.push((name, shape, bytes));
    }
    let dtype = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F16 => Dtype::F16,
    };
    let views = tensors
        .iter()
        .map(|(name, shape, bytes)| TensorView::new(dtype, shape.clone(), bytes).map(|view| (name.clone(), view)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| AeError::Weights(err.to_string()))?;
    let metadata = [
        ("format".to_string(), format.to_string()),
        ("format_version".to_string(), version.to_string()),
        ("config".to_string(), config),
        ("provenance".to_string(), provenance.to_string()),
        ("producer".to_string(), format!("aestudio {}", env!("CARGO_PKG_VERSION"))),
    ];
    // `collect` builds whichever map type the safetensors build uses (hashbrown without std).
    let metadata = metadata.into_iter().chain(extra).collect();
    safetensors::serialize(views, Some(metadata)).map_err(|err| AeError::Weights(err.to_string()))
}

/// What a weight file says of its model, read without building it.
#[derive(Debug)]
pub struct Header {
    pub config: AutoencoderConfig,
    pub provenance: String,
    pub dataset: Option<DatasetTag>,
}

/// Reads the configuration, provenance and data set of a weight file without building the model.
pub fn read_header(bytes: &[u8]) -> AeResult<Header> {
    let metadata = read_metadata(bytes, FORMAT, &READABLE_VERSIONS)?;
    let config = AutoencoderConfig::from_json(&metadata.config).map_err(|err| AeError::Weights(format!("the stored configuration is not valid: {err}")))?;
    config.validate().map_err(|err| AeError::Weights(format!("the stored configuration is refused: {err}")))?;
    let dataset: Option<DatasetTag> = metadata
        .dataset
        .map(|json| serde_json::from_str(&json).map_err(|err| AeError::Weights(format!("the recorded data set is not valid: {err}"))))
        .transpose()?;
    if let Some(tag) = &dataset
        && tag.shape != config.image.dims()
    {
        return Err(AeError::Weights(format!(
            "the model takes {} images, but its recorded data set has {:?}",
            config.image.describe(),
            tag.shape
        )));
    }
    Ok(Header { config, provenance: metadata.provenance, dataset })
}

/// The metadata entries a file of this format's family holds, as text.
pub(crate) struct Metadata {
    pub config: String,
    pub provenance: String,
    pub dataset: Option<String>,
}

/// The metadata of a file of `format`, in one of `versions`.
pub(crate) fn read_metadata(bytes: &[u8], format: &str, versions: &[&str]) -> AeResult<Metadata> {
    let bad = |why: String| AeError::Weights(why);
    if bytes.len() > MAX_FILE_BYTES {
        return Err(bad(format!("the file is {} bytes, more than the {MAX_FILE_BYTES} accepted", bytes.len())));
    }
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|err| bad(format!("not a safetensors file, or a truncated or corrupted one ({err})")))?;
    let metadata = header.metadata().clone().unwrap_or_default();
    if metadata.get("format").map(String::as_str) != Some(format) {
        return Err(bad(format!("a safetensors file, but not an {format} model (no format = \"{format}\" in its metadata)")));
    }
    let version = metadata.get("format_version").map(String::as_str).unwrap_or("none");
    if !versions.contains(&version) {
        return Err(bad(format!("format version {version} is not supported (this build reads versions {})", versions.join(" and "))));
    }
    let config = metadata.get("config").ok_or_else(|| bad("the metadata has no model configuration".into()))?;
    Ok(Metadata {
        config: config.clone(),
        provenance: metadata.get("provenance").cloned().unwrap_or_default(),
        dataset: metadata.get("dataset").cloned(),
    })
}

/// Rebuilds the model stored in `bytes` on `device`, or says why the file is refused.
pub fn load(bytes: &[u8], device: &Device) -> AeResult<LoadedModel> {
    let Header { config, provenance, dataset } = read_header(bytes)?;
    // Parameters are lazy: this allocates nothing until a value is read or replaced.
    let model = load_module(bytes, config.init(device)?, &config.describe(), device)?;
    Ok(LoadedModel { model, provenance, dataset })
}

/// Fills `template`'s parameters (lazy, freshly initialized) from `bytes`, after checking that
/// every tensor's name, dtype and shape is the one a `described` model has, and that every value
/// is finite (a NaN would make a model that outputs NaN everywhere).
pub(crate) fn load_module<M: Module>(bytes: &[u8], template: M, described: &str, device: &Device) -> AeResult<M> {
    let bad = |why: String| AeError::Weights(why);
    let file = SafeTensors::deserialize(bytes).map_err(|err| bad(format!("the tensors are unreadable ({err})")))?;
    let mut collector = ParameterCollector::default();
    template.visit(&mut collector);
    let expected: BTreeMap<String, Vec<usize>> = collector.parameters.into_iter().collect();
    let mut stored: Vec<&str> = file.names();
    stored.sort_unstable();
    if let Some(extra) = stored.iter().find(|name| !expected.contains_key(**name)) {
        return Err(bad(format!("tensor '{extra}' does not belong to a {described}")));
    }
    for (name, shape) in &expected {
        let tensor = file.tensor(name).map_err(|_| bad(format!("tensor '{name}' is missing for a {described}")))?;
        if !matches!(tensor.dtype(), Dtype::F32 | Dtype::F16) {
            return Err(bad(format!("tensor '{name}' is {:?}; only F32 and F16 are read", tensor.dtype())));
        }
        if tensor.shape() != shape.as_slice() {
            return Err(bad(format!("tensor '{name}' has shape {:?}, but a {described} needs {shape:?}", tensor.shape())));
        }
        if let Some(value) = values_of(&tensor).into_iter().find(|v| !v.is_finite()) {
            return Err(bad(format!("tensor '{name}' holds {value}: every weight must be a finite number")));
        }
    }
    let mut loader = ParameterLoader { file: &file, device: device.clone(), path: Vec::new() };
    Ok(template.map(&mut loader))
}

/// Lists every float parameter's module path (`encoder.Mlp.layers.0.weight`) and shape, and with
/// `with_values` its values too (flattened, so that one list holds parameters of every rank).
#[derive(Default)]
struct ParameterCollector {
    with_values: bool,
    path: Vec<String>,
    parameters: Vec<(String, Vec<usize>)>,
    values: Vec<Tensor<1>>,
}

impl ModuleVisitor for ParameterCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        // The lazy shape: listing the parameters of a model built to be loaded allocates nothing.
        self.parameters.push((self.path.join("."), param.lazy_shape().to_vec()));
        if self.with_values {
            self.values.push(param.val().flatten::<1>(0, D - 1));
        }
    }
}

/// Replaces every float parameter by the tensor of the same path in a checked file.
struct ParameterLoader<'a> {
    file: &'a SafeTensors<'a>,
    device: Device,
    path: Vec<String>,
}

impl ModuleMapper for ParameterLoader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        // `load` checked the name, dtype and shape of every tensor before mapping.
        let view = self.file.tensor(&self.path.join(".")).expect("checked by load");
        let tensor = Tensor::from_data(TensorData::new(values_of(&view), view.shape().to_vec()), &self.device);
        let id = param.id;
        param.transform_for_load(tensor, id)
    }
}

/// A checked tensor's values as f32 (its dtype is F32 or F16).
fn values_of(view: &TensorView<'_>) -> Vec<f32> {
    match view.dtype() {
        Dtype::F16 => view.data().chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        _ => view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
    }
}
