//! A small convolutional classifier of the images, trained by this project and shipped with the
//! page (no pretrained network can be downloaded here): its penultimate features are the space
//! in which the sample-quality yardstick (`uses::quality`) measures a Fréchet distance, and its
//! predictions say which classes a generative model's samples cover.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::Dataset;
use crate::error::{AeResult, ensure};
pub use crate::nn::classifier::{Classifier, ClassifierConfig};
use crate::uses::explore::read_floats;
use crate::uses::probe::softmax_cross_entropy;

/// Images per forward pass when a whole set is classified or its features are read.
const BATCH: usize = 500;

impl Classifier {
    /// The features of images given as rows of 784 pixels, `BATCH` at a time, row by row.
    pub async fn features_of(&self, pixels: &[f32], device: &Device) -> AeResult<Vec<f32>> {
        let mut features = Vec::new();
        for chunk in pixels.chunks(BATCH * crate::data::PIXELS) {
            features.extend(read_floats(self.features(crate::uses::explore::images_tensor(chunk, crate::data::PIXELS, device)?)).await?);
        }
        Ok(features)
    }

    /// The predicted class of each image given as rows of 784 pixels.
    pub async fn predict(&self, pixels: &[f32], device: &Device) -> AeResult<Vec<u8>> {
        let mut classes = Vec::new();
        for chunk in pixels.chunks(BATCH * crate::data::PIXELS) {
            let logits = self.forward(crate::uses::explore::images_tensor(chunk, crate::data::PIXELS, device)?);
            let predicted = read_floats(logits.argmax(1).float()).await?;
            classes.extend(predicted.into_iter().map(|class| class as u8));
        }
        Ok(classes)
    }

    /// Test accuracy on `data`.
    pub async fn accuracy(&self, data: &Dataset, device: &Device) -> AeResult<f64> {
        let predicted = self.predict(&data.scaled_pixels(), device).await?;
        Ok(predicted.iter().zip(data.labels()).filter(|(p, l)| p == l).count() as f64 / data.len().max(1) as f64)
    }
}

/// Trains a classifier of `config` on `data` for `epochs` epochs (Adam 1e-3, batch 128, seeded
/// shuffling) and returns it without autodiff.
pub async fn train_classifier(config: &ClassifierConfig, data: &Dataset, epochs: usize, seed: u64, device: &Device) -> AeResult<Classifier> {
    ensure(epochs >= 1 && !data.is_empty(), || "a classifier needs at least one epoch and one image".into())?;
    let device = device.clone().autodiff();
    device.seed(seed);
    let mut model = config.init(&device)?;
    let mut optimizer = AdamConfig::new().init();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(128) {
            let loss = softmax_cross_entropy(model.forward(data.batch(batch, &device)), data.one_hot(batch, config.classes, &device)).mean();
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-3, model, gradients);
        }
    }
    Ok(model.valid())
}

/// The `format` metadata value of a classifier's weight file.
pub const CLASSIFIER_FORMAT: &str = "aestudio-classifier";

/// Serializes a classifier with its configuration and `provenance`.
pub async fn save_classifier(classifier: &Classifier, config: &ClassifierConfig, provenance: &str) -> AeResult<Vec<u8>> {
    let json = serde_json::to_string(config).map_err(|err| crate::AeError::Weights(err.to_string()))?;
    crate::model::weights::save_module(classifier, CLASSIFIER_FORMAT, 1, json, provenance).await
}

/// Rebuilds a classifier from its weight file (checked as an autoencoder's is), with its
/// provenance.
pub fn load_classifier(bytes: &[u8], device: &Device) -> AeResult<(Classifier, String)> {
    let metadata = crate::model::weights::read_metadata(bytes, CLASSIFIER_FORMAT, &["1"])?;
    let (json, provenance) = (metadata.config, metadata.provenance);
    let config: ClassifierConfig = serde_json::from_str(&json).map_err(|err| crate::AeError::Weights(format!("the stored configuration is not valid: {err}")))?;
    let classifier = crate::model::weights::load_module(bytes, config.init(device)?, "classifier", device)?;
    Ok((classifier, provenance))
}
