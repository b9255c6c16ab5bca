//! The training worker's [`Studio`]: what its exported methods share.

use wasm_bindgen::prelude::*;

use super::Studio;
use super::convert::invalid;
use crate::data::Splits;
use crate::model::Autoencoder;

impl Studio {
    /// The dataset's splits, once loaded.
    pub(super) fn data(&self) -> Result<&Splits, JsError> {
        self.data.as_ref().ok_or_else(|| invalid("no data loaded"))
    }

    /// The latest good weights, for inference.
    pub(super) fn model(&self) -> Result<&Autoencoder, JsError> {
        self.model.as_ref().ok_or_else(|| invalid("no model"))
    }
}
