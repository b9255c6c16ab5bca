//! AutoRec's weight file: the same safetensors layout as the autoencoders' (see
//! [`crate::model::weights`]), with format `aestudio-autorec` and, as its configuration, the
//! model's [`AutoRecConfig`] and the MovieLens ids behind its rows and columns, so a file alone
//! can take a visitor's ratings by movie id. Loading treats the bytes as untrusted.

use burn::module::{Param, ParamId};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::ratings::{RatingSplit, Ratings};
use crate::error::{AeError, AeResult};
use crate::model::weights::{Precision, load_module, read_metadata, save_module_as};
use crate::recommend::autorec::{AutoRec, AutoRecConfig, Orientation};

/// The `format` metadata value of an AutoRec weight file.
pub const FORMAT: &str = "aestudio-autorec";
pub const FORMAT_VERSION: u32 = 1;

/// What an AutoRec file says besides its tensors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AutoRecHeader {
    pub config: AutoRecConfig,
    /// The MovieLens user id of each user index, ascending.
    pub user_ids: Vec<u32>,
    /// The MovieLens movie id of each movie index, ascending.
    pub item_ids: Vec<u32>,
    /// Training ratings of each movie (empty if unknown): recommendations skip rarely rated movies.
    #[serde(default)]
    pub item_rating_counts: Vec<u32>,
    /// Set in an I-AutoRec made to recommend: the weight decay it was trained with, which
    /// folding in a visitor reuses; the file then holds the movies' codes (`item_codes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fold_in_lambda: Option<f64>,
}

impl AutoRecHeader {
    /// Refuses a header whose ids do not match its configuration.
    pub fn validate(&self) -> AeResult<()> {
        self.config.validate()?;
        let ascending = |ids: &[u32]| ids.windows(2).all(|pair| pair[0] < pair[1]);
        if self.user_ids.len() != self.config.users || self.item_ids.len() != self.config.items {
            return Err(AeError::Weights(format!(
                "the file lists {} user ids and {} movie ids for a model of {} users and {} movies",
                self.user_ids.len(),
                self.item_ids.len(),
                self.config.users,
                self.config.items
            )));
        }
        if !self.item_rating_counts.is_empty() && self.item_rating_counts.len() != self.config.items {
            return Err(AeError::Weights(format!("the file counts ratings of {} movies, not {}", self.item_rating_counts.len(), self.config.items)));
        }
        if !ascending(&self.user_ids) || !ascending(&self.item_ids) {
            return Err(AeError::Weights("the file's user or movie ids are not strictly ascending".into()));
        }
        match self.fold_in_lambda {
            Some(lambda) if self.config.orientation != Orientation::Item || !lambda.is_finite() || lambda < 0.0 => Err(AeError::Weights(
                format!("a fold-in weight decay of {lambda} belongs to no {:?}-AutoRec", self.config.orientation),
            )),
            _ => Ok(()),
        }
    }
}

impl AutoRecHeader {
    /// The header of a model of `config` trained on `split` of `ratings`.
    pub fn new(config: AutoRecConfig, ratings: &Ratings, split: &RatingSplit) -> AutoRecHeader {
        let mut item_rating_counts = vec![0u32; split.items];
        for rating in &split.train {
            item_rating_counts[rating.item as usize] += 1;
        }
        AutoRecHeader { config, user_ids: ratings.user_ids.clone(), item_ids: ratings.item_ids.clone(), item_rating_counts, fold_in_lambda: None }
    }

    /// This header for `model` as it will be saved: an I-AutoRec that carries its movies' codes
    /// says the weight decay `lambda` a visitor is folded in with.
    pub fn for_model(&self, model: &AutoRec, lambda: f64) -> AutoRecHeader {
        AutoRecHeader { fold_in_lambda: model.item_codes.as_ref().map(|_| lambda), ..self.clone() }
    }
}

/// An AutoRec read from a file, with its header and the text saying how it was trained.
#[derive(Debug)]
pub struct LoadedAutoRec {
    pub model: AutoRec,
    pub header: AutoRecHeader,
    pub provenance: String,
}

/// Serializes `model` with `header` and `provenance`.
pub async fn save(model: &AutoRec, header: &AutoRecHeader, provenance: &str) -> AeResult<Vec<u8>> {
    save_as(model, header, provenance, Precision::F32).await
}

/// [`save`] with the values stored at `precision` (f16 for the page's shipped recommenders).
pub async fn save_as(model: &AutoRec, header: &AutoRecHeader, provenance: &str, precision: Precision) -> AeResult<Vec<u8>> {
    header.validate()?;
    if header.fold_in_lambda.is_some() != model.item_codes.is_some() {
        return Err(AeError::Weights("an I-AutoRec's file holds its movies' codes exactly when its header gives their weight decay".into()));
    }
    let config = serde_json::to_string(header).map_err(|err| AeError::Weights(err.to_string()))?;
    save_module_as(model, FORMAT, FORMAT_VERSION, config, provenance, precision, Vec::new()).await
}

/// Rebuilds the AutoRec stored in `bytes` on `device`, or says why the file is refused.
pub fn load(bytes: &[u8], device: &Device) -> AeResult<LoadedAutoRec> {
    let metadata = read_metadata(bytes, FORMAT, &["1"])?;
    let (config, provenance) = (metadata.config, metadata.provenance);
    let header: AutoRecHeader =
        serde_json::from_str(&config).map_err(|err| AeError::Weights(format!("the stored configuration is not valid: {err}")))?;
    header.validate().map_err(|err| AeError::Weights(format!("the stored configuration is refused: {err}")))?;
    let described = format!("{:?}-AutoRec of {} hidden units", header.config.orientation, header.config.hidden);
    let mut template = header.config.init(device)?;
    if header.fold_in_lambda.is_some() {
        let shape = [header.config.items, header.config.hidden];
        // Lazy, like the layers': nothing is allocated before the file's values replace it.
        let init = move |device: &Device, _| Tensor::zeros(shape, device);
        template.item_codes = Some(Param::uninitialized(ParamId::new(), init, device.clone(), false, Shape::new(shape)));
    }
    let model = load_module(bytes, template, &described, device)?;
    Ok(LoadedAutoRec { model, header, provenance })
}
