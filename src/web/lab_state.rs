//! The live worker's [`Lab`]: what it keeps about the model in use, outside the exported API.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::Lab;
use super::convert::{invalid, to_js, with_arrays, with_labels};
use burn::module::Module;

use crate::data::datasets::verify_md5;
use crate::data::{Dataset, DatasetFacts, DatasetFiles, DatasetTag};
use crate::model::{Account, Autoencoder, AutoencoderConfig, Scale, weights};
use crate::nn::noise::Corruption;
use crate::uses::anomaly;
use crate::uses::explore::{self, LatentMap};
use crate::uses::terms;

/// Where the model in use came from, as its weight file says.
#[derive(Default)]
pub(super) struct ModelOrigin {
    pub(super) provenance: String,
    /// The data set it learned; `None` for a file written before files recorded it.
    pub(super) dataset: Option<DatasetTag>,
}

/// What the page shows about the model in use.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ModelInfo {
    pub(super) description: String,
    pub(super) config: AutoencoderConfig,
    pub(super) provenance: String,
    pub(super) dataset: Option<DatasetTag>,
    pub(super) parameters: usize,
    /// Whether samples of the prior decode to images (sampling, the manifold, prior traversals).
    pub(super) has_prior: bool,
    /// Whether the encoder gives a Gaussian posterior (per-unit KL, total correlation).
    pub(super) has_posterior: bool,
    /// The unit of the objective: "per_sample" or "per_pixel".
    pub(super) scale: Scale,
    pub(super) code_size: usize,
    /// The objective in words and as an equation (TeX).
    pub(super) account: Account,
}

impl ModelInfo {
    pub(super) fn of(model: &Autoencoder, origin: &ModelOrigin) -> ModelInfo {
        let config = model.config().clone();
        ModelInfo {
            description: config.describe(),
            provenance: origin.provenance.clone(),
            dataset: origin.dataset.clone(),
            parameters: model.num_params(),
            has_prior: config.objective.has_prior(),
            has_posterior: config.objective.is_variational(),
            account: config.objective.account(),
            scale: config.objective.scale(),
            code_size: config.code_size,
            config,
        }
    }
}

impl Lab {
    /// Replaces the test set by dataset `name`'s (checksums verified); the training set and
    /// whatever was computed on the old test set go.
    pub(super) fn replace_test_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<DatasetFacts, JsError> {
        let files = DatasetFiles::by_name(name)?;
        verify_md5(files.test_images, images)?;
        verify_md5(files.test_labels, labels)?;
        let test = self.test.insert(Dataset::from_idx(images, labels)?);
        self.test_tag = Some(DatasetTag::of(name, test));
        let facts = DatasetFacts::of(&files, test, None);
        self.train = None;
        self.forget_model_results();
        Ok(facts)
    }

    /// Puts the model of a weight file in use, unless it learned another data set than the test
    /// set loaded here (its figures would be another's); a file that records none is taken.
    pub(super) fn adopt_model(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let loaded = weights::load(bytes, &self.device)?;
        if let (Some(learned), Some(shown)) = (&loaded.dataset, &self.test_tag) {
            learned.check_same(shown, "this model")?;
        }
        self.model = Some(loaded.model);
        self.origin = ModelOrigin { provenance: loaded.provenance, dataset: loaded.dataset };
        self.forget_model_results();
        Ok(())
    }

    pub(super) fn model(&self) -> Result<&Autoencoder, JsError> {
        self.model.as_ref().ok_or_else(|| invalid("no model is loaded"))
    }

    pub(super) fn test(&self) -> Result<&Dataset, JsError> {
        self.test.as_ref().ok_or_else(|| invalid("the test set is not loaded"))
    }

    /// Drops what was computed for the previous model or test set.
    pub(super) fn forget_model_results(&mut self) {
        self.map = None;
        self.scores = None;
        self.codes = None;
        self.errors = None;
    }

    /// Scores the test set (each image's reconstruction error) with the current model, unless
    /// that is done already.
    pub(super) async fn ensure_test_errors(&mut self) -> Result<(), JsError> {
        if self.errors.is_none() {
            self.errors = Some(anomaly::reconstruction_errors(self.model()?, self.test()?, &self.device).await?);
        }
        Ok(())
    }

    /// The errors [`Lab::ensure_test_errors`] made.
    pub(super) fn test_errors(&self) -> &[f32] {
        self.errors.as_deref().expect("ensure_test_errors runs first")
    }

    /// Encodes the test set with the current model, unless that is done already.
    pub(super) async fn ensure_test_codes(&mut self) -> Result<(), JsError> {
        if self.codes.is_none() {
            self.codes = Some(explore::encode_dataset(self.model()?, self.test()?, &self.device).await?);
        }
        Ok(())
    }

    /// The latent map, once drawn.
    pub(super) fn fitted_map(&self) -> Result<&LatentMap, JsError> {
        self.map.as_ref().ok_or_else(|| invalid("draw the latent map first"))
    }

    /// The codes [`Lab::ensure_test_codes`] made.
    pub(super) fn test_codes(&self) -> &[f32] {
        self.codes.as_deref().expect("ensure_test_codes runs first")
    }

    pub(super) async fn denoise_reply(&self, pixels: &[f32], corruption_json: &str, seed: u32, with_terms: bool) -> Result<JsValue, JsError> {
        let corruption: Corruption = serde_json::from_str(corruption_json).map_err(|err| invalid(format!("noise: {err}")))?;
        let denoised = explore::denoise(self.model()?, pixels, &corruption, seed as u64, &self.device).await?;
        let objective = match with_terms {
            true => {
                let model = self.model()?;
                Some(terms::objective_sum(&model.config().objective, model.config().image, &terms::input_terms(model, pixels, &corruption, seed as u64, &self.device).await?))
            }
            false => None,
        };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Figures {
            noisy_psnr: f32,
            output_psnr: f32,
            output_mse: f32,
            point: Option<[f32; 2]>,
            score: f32,
            percentile: Option<f64>,
            objective: Option<terms::ObjectiveSum>,
        }
        let figures = to_js(&Figures {
            noisy_psnr: denoised.noisy_psnr,
            output_psnr: denoised.output_psnr,
            output_mse: denoised.output_mse,
            point: self.map.as_ref().map(|map| map.project(&denoised.code)),
            score: denoised.clean_mse,
            percentile: self.scores.as_ref().map(|scores| anomaly::percentile_of(scores, denoised.clean_mse)),
            objective,
        })?;
        with_arrays(figures, &[("noisy", &denoised.noisy), ("output", &denoised.output), ("code", &denoised.code)])
    }

    pub(super) async fn latent_map_reply(&mut self, limit: usize) -> Result<JsValue, JsError> {
        let test = self.test()?;
        let (map, codes) = if limit == 0 || limit >= test.len() {
            self.ensure_test_codes().await?;
            LatentMap::from_codes(self.model()?.config().code_size, self.test_codes(), self.test()?)?
        } else {
            // A training snapshot's quick map: a prefix, not worth keeping for a model that lives 2 s.
            LatentMap::fit(self.model()?, &test.take(limit), &self.device).await?
        };
        let reply = to_js(&serde_json::json!({ "axes": codes.axes, "explained": codes.explained, "view": codes.view }))?;
        let reply = with_arrays(reply, &[("points", &codes.points)])?;
        with_labels(&reply, &codes.labels)?;
        self.map = Some(map);
        Ok(reply)
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}
