//! Crossing the JavaScript boundary: replies as plain JS objects (by `serde-wasm-bindgen`) with
//! typed arrays for pixels, and errors as JS `Error`s with the crate's message.

use burn::prelude::*;
use js_sys::{Float32Array, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::AeError;
use crate::data::Dataset;
use crate::model::{Account, AutoencoderConfig, Preset};
use crate::train::TrainingConfig;
use crate::train::run_form::{FormFields, preset_fields, run_from_form};
use crate::uses::explore::read_floats;

/// Every error of the crate reaches JavaScript as an `Error` with the same message.
impl From<AeError> for JsValue {
    fn from(err: AeError) -> JsValue {
        JsError::new(&err.to_string()).into()
    }
}

/// Plain JS objects built value by value with `serde-wasm-bindgen` (JSON-compatible: a `None` is
/// `null`, a map an object): faster than a JSON text and `JSON.parse` for the replies measured
/// (`tests/web_bench.rs`, docs/benchmarks.md). Pixel arrays cross as typed arrays instead (see
/// [`with_arrays`]); the forms' inputs still cross as JSON text, which measured faster.
pub(super) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|err| JsError::new(&format!("cannot build a reply: {err}")))
}

/// Adds `Float32Array` fields to a JS object.
pub(super) fn with_arrays(object: JsValue, arrays: &[(&str, &[f32])]) -> Result<JsValue, JsError> {
    for (name, values) in arrays {
        Reflect::set(&object, &(*name).into(), &Float32Array::from(*values)).map_err(|_| JsError::new("cannot build a reply"))?;
    }
    Ok(object)
}

pub(super) fn invalid(message: impl Into<String>) -> JsError {
    JsError::new(&AeError::InvalidConfig(message.into()).to_string())
}

pub(super) fn pixels_of(data: &Dataset, indices: &[u32]) -> Result<Float32Array, JsError> {
    let mut pixels = Vec::with_capacity(indices.len() * data.shape().values());
    for &index in indices {
        let index = index as usize;
        if index >= data.len() {
            return Err(invalid(format!("test image {index} does not exist")));
        }
        pixels.extend(data.image(index).iter().map(|&p| p as f32 / 255.0));
    }
    Ok(Float32Array::from(pixels.as_slice()))
}

pub(super) async fn floats<const D: usize>(tensor: Tensor<D>) -> Result<Float32Array, JsError> {
    Ok(Float32Array::from(read_floats(tensor).await?.as_slice()))
}

/// Adds a `labels` field (a `Uint8Array`) to a JS object.
pub(super) fn with_labels(object: &JsValue, labels: &[u8]) -> Result<(), JsError> {
    Reflect::set(object, &"labels".into(), &js_sys::Uint8Array::from(labels)).map_err(|_| JsError::new("cannot build a reply"))?;
    Ok(())
}

/// A model configuration sent by the page as JSON.
pub(super) fn model_config(json: &str) -> Result<AutoencoderConfig, JsError> {
    AutoencoderConfig::from_json(json).map_err(|err| invalid(format!("model config: {err}")))
}

/// A training configuration sent by the page as JSON.
pub(super) fn training_config(json: &str) -> Result<TrainingConfig, JsError> {
    TrainingConfig::from_json(json).map_err(|err| invalid(format!("training config: {err}")))
}

/// A run's settings that passed the checks: the run itself, the model's description, parameter
/// count and the account of its objective.
#[derive(Serialize)]
pub(super) struct ValidRun {
    model: AutoencoderConfig,
    training: TrainingConfig,
    description: String,
    parameters: usize,
    account: Account,
}

/// Reads and checks the Train form's fields (`train::run_form`, JSON) against `train_len`
/// training images.
pub(super) fn validated_run(fields_json: &str, train_len: usize) -> Result<ValidRun, JsError> {
    let fields: FormFields = serde_json::from_str(fields_json).map_err(|err| invalid(format!("the form's fields: {err}")))?;
    let (model, training) = run_from_form(&fields)?;
    model.validate()?;
    training.validate(train_len)?;
    // Parameters are lazy, so counting them allocates nothing even for a huge model.
    let parameters = model.init(&crate::backend::cpu_device())?.num_params();
    Ok(ValidRun { description: model.describe(), parameters, account: model.objective.account(), model, training })
}

/// The presets the page's form offers, `{name: fields}` (see `train::run_form`).
pub(super) fn page_presets() -> std::collections::BTreeMap<&'static str, FormFields> {
    Preset::ALL.iter().filter(|p| p.offered_in_page()).map(|p| (p.name(), preset_fields(*p))).collect()
}
