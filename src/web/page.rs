//! Exports for the page as a whole, outside any worker's session: the adapter probe, the
//! training form's check, what a weight file says before it is loaded, and the movie list.

use wasm_bindgen::prelude::*;

use super::adapter;
use super::convert::{self, to_js};
use crate::data::ratings::MOVIELENS_1M;
use crate::model::weights;
use crate::uses::anomaly;

/// The browser's WebGPU adapter and whether to use it (`{api_present, adapter_found, is_fallback,
/// vendor, architecture, description, real_gpu}`), asked of the CPU build before the WebGPU one.
#[wasm_bindgen(js_name = probeWebGpu)]
pub async fn probe_webgpu() -> Result<JsValue, JsError> {
    to_js(&adapter::probe_reply().await)
}

/// Reads the Train form's fields (`{name: text}` as JSON) as a run for `train_len` images:
/// `{model, training, description, parameters, account}`, or an `Error` naming what is wrong.
#[wasm_bindgen(js_name = validateRun)]
pub fn validate_run(fields_json: &str, train_len: usize) -> Result<JsValue, JsError> {
    to_js(&convert::validated_run(fields_json, train_len)?)
}

/// The data set a weight file records (`{name, shape, test_fingerprint}`), or null for a file
/// that records none; read from its header alone, so the page can switch before loading it.
#[wasm_bindgen(js_name = modelDataset)]
pub fn model_dataset(bytes: &[u8]) -> Result<JsValue, JsError> {
    to_js(&weights::read_header(bytes)?.dataset)
}

/// MovieLens 1M's movies from the bytes of `movies.dat`, checksum verified, in the file's order:
/// `[{id, title, genres}]`.
#[wasm_bindgen(js_name = parseMovies)]
pub fn parse_movies(bytes: &[u8]) -> Result<JsValue, JsError> {
    to_js(&MOVIELENS_1M.parse_movies(bytes)?.movies)
}

/// The Uses panel's one-class run on `classes` for `epochs` epochs (`uses::anomaly::one_class_run`):
/// `{model, training}`, as the Train form sends a run; or an `Error` with the reason.
#[wasm_bindgen(js_name = oneClassRun)]
pub fn one_class_run(classes: &[u8], epochs: usize) -> Result<JsValue, JsError> {
    let (model, training) = anomaly::one_class_run(classes, epochs)?;
    to_js(&serde_json::json!({ "model": model, "training": training }))
}
