//! AutoRec's weight file: the same safetensors layout as the autoencoders' (see
//! [`crate::model::weights`]), with format `aestudio-autorec` and, as its configuration, the
//! model's [`AutoRecConfig`] and the MovieLens ids behind its rows and columns, so a file alone
//! can take a visitor's ratings by movie id. Loading treats the bytes as untrusted.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::ratings::{RatingSplit, Ratings};
use crate::error::{AeError, AeResult};
use crate::model::weights::{Precision, load_module, read_metadata, save_module_as};
use crate::recommend::autorec::{AutoRec, AutoRecConfig};

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
        Ok(())
    }
}

impl AutoRecHeader {
    /// The header of a model of `config` trained on `split` of `ratings`.
    pub fn new(config: AutoRecConfig, ratings: &Ratings, split: &RatingSplit) -> AutoRecHeader {
        let mut item_rating_counts = vec![0u32; split.items];
        for rating in &split.train {
            item_rating_counts[rating.item as usize] += 1;
        }
        AutoRecHeader { config, user_ids: ratings.user_ids.clone(), item_ids: ratings.item_ids.clone(), item_rating_counts }
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
    let config = serde_json::to_string(header).map_err(|err| AeError::Weights(err.to_string()))?;
    save_module_as(model, FORMAT, FORMAT_VERSION, config, provenance, precision).await
}

/// Rebuilds the AutoRec stored in `bytes` on `device`, or says why the file is refused.
pub fn load(bytes: &[u8], device: &Device) -> AeResult<LoadedAutoRec> {
    let (config, provenance) = read_metadata(bytes, FORMAT, &["1"])?;
    let header: AutoRecHeader =
        serde_json::from_str(&config).map_err(|err| AeError::Weights(format!("the stored configuration is not valid: {err}")))?;
    header.validate().map_err(|err| AeError::Weights(format!("the stored configuration is refused: {err}")))?;
    let described = format!("{:?}-AutoRec of {} hidden units", header.config.orientation, header.config.hidden);
    let model = load_module(bytes, header.config.init(device)?, &described, device)?;
    Ok(LoadedAutoRec { model, header, provenance })
}
