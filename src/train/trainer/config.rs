//! The settings of a training run, checked before anything runs.

use burn::prelude::*;

use crate::error::{AeResult, ensure, ensure_learning_rate};
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
}

impl TrainingConfig {
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
        ensure(self.readback_every >= 1, || "readback interval must be at least 1 step".into())
    }
}
