//! The settings of a training run, checked before anything runs.

use burn::prelude::*;

use crate::error::{AeError, AeResult, ensure, ensure_learning_rate};
use crate::model::AutoencoderConfig;
use crate::model::prior::CLASSES;

/// Settings of a training run.
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// Adam's learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 128)]
    pub batch_size: usize,
    #[config(default = 10)]
    pub epochs: usize,
    /// Seeds the device RNG (initialization, noise, sampling) and the shuffling.
    #[config(default = 1)]
    pub seed: u64,
    /// Steps between two loss readbacks; a readback stalls a GPU pipeline, so not every step.
    #[config(default = 50)]
    pub readback_every: usize,
    /// Train on the images of these classes only (the one-class protocol of anomaly detection);
    /// all of them when absent. See [`crate::train::Trainer::restrict_to_classes`].
    pub classes: Option<Vec<u8>>,
    /// The share of each batch, its worst-reconstructed images, left out of the reconstruction
    /// term ([`crate::nn::loss::trimmed`]); 0 keeps every image. A folder's defaults use it.
    #[config(default = 0.0)]
    pub trim: f64,
}

/// A folder's batch size and trimmed share, unless the person sets them. Chosen on a validation
/// folder (2,000 MNIST training digits and 50 Fashion-MNIST training images, conv DAE, 10
/// epochs): the clothes' AUROC over batch 16-128 and trims 0-0.3 peaked at batch 16, trim 0.2
/// (docs/own-images.md has the grid). Small batches give a small folder enough steps; the trim
/// keeps the model from learning the folder's odd ones out.
pub const FOLDER_BATCH: usize = 16;
pub const FOLDER_TRIM: f64 = 0.2;

impl TrainingConfig {
    /// The training a person's own folder gets by default: [`FOLDER_BATCH`], [`FOLDER_TRIM`].
    pub fn for_folder() -> TrainingConfig {
        TrainingConfig::new().with_batch_size(FOLDER_BATCH).with_trim(FOLDER_TRIM)
    }

    /// Parses a configuration from JSON; a field added since a sender was written (`trim`) takes
    /// its default when missing, since burn's `Config` defaults apply to `new` alone.
    pub fn from_json(json: &str) -> AeResult<TrainingConfig> {
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(|err| AeError::InvalidConfig(err.to_string()))?;
        if let Some(fields) = value.as_object_mut() {
            fields.entry("trim").or_insert(serde_json::json!(0.0));
        }
        serde_json::from_value(value).map_err(|err| AeError::InvalidConfig(err.to_string()))
    }

    /// Whether a data-parallel run may split this run's batches of `model` between workers: not
    /// when the loss is a statistic of the whole batch, which a sum over shares is not (the KL
    /// sparsity's mean activations, the MMD to the prior, a clustering code centred on the
    /// batch's mean, and a trimmed loss, which ranks the whole batch's images).
    pub fn shares_batches(&self, model: &AutoencoderConfig) -> bool {
        !model.objective.uses_batch_statistic() && self.trim == 0.0
    }

    /// Refuses settings that cannot work on a training set of `train_len` images.
    pub fn validate(&self, train_len: usize) -> AeResult<()> {
        ensure_learning_rate(self.learning_rate)?;
        ensure(self.batch_size >= 1, || "batch size must be at least 1".into())?;
        ensure(self.batch_size <= train_len, || {
            format!("batch size {} is larger than the training set ({train_len} images)", self.batch_size)
        })?;
        ensure(self.epochs >= 1, || "epochs must be at least 1".into())?;
        if let Some(classes) = &self.classes {
            ensure(!classes.is_empty() && classes.iter().all(|&class| usize::from(class) < CLASSES), || {
                format!("the classes to train on must be some of 0 to {}, got {classes:?}", CLASSES - 1)
            })?;
        }
        ensure((0.0..=0.5).contains(&self.trim), || format!("the trimmed share must be between 0 and 0.5, got {}", self.trim))?;
        ensure(self.readback_every >= 1, || "readback interval must be at least 1 step".into())
    }
}
