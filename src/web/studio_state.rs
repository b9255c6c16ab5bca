//! The training worker's [`Studio`] and a replica's [`Replica`]: what their exported methods do.

use wasm_bindgen::prelude::*;

use super::movies::MovieRun;
use super::{Replica, Studio};
use super::convert::training_config;
use super::convert::{invalid, to_js};
use crate::data::images::ImportedImages;
use crate::data::{DatasetFiles, Splits};
use crate::model::{Autoencoder, AutoencoderConfig, weights};
use crate::train::{Evaluation, Pace, Paced, Replicas, Trainer, TrainingConfig, evaluate};
use crate::train::semisupervised::{JointConfig, train_joint};
use crate::uses::probe::check_label_count;

impl Studio {
    /// Runs training steps, alone or with `replicas`, for the image model's run or the
    /// recommender's; the call ends early when `replicas` asks the run to yield.
    pub(super) async fn train_steps_with(&mut self, max_steps: usize, replicas: &mut impl Replicas) -> Result<JsValue, JsError> {
        let pace = self.pace.as_mut().ok_or_else(|| invalid("no run configured"))?;
        let started = js_sys::Date::now();
        let seconds = || (js_sys::Date::now() - started) / 1000.0;
        if let Some(run) = self.movie_run.as_mut() {
            let progress = run.trainer.train_steps_with(max_steps, replicas).await?;
            let pace = pace.advance(progress.step, progress.steps_per_epoch, seconds());
            return to_js(&Paced { progress, pace });
        }
        // Field by field: the trainer is borrowed mutably beside the data.
        let data = loaded(&self.data, &self.folder)?;
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("no run configured"))?;
        let outcome = trainer.train_steps_with(&data.train, max_steps, replicas).await;
        // Whatever happened, the trainer now holds good weights (restored ones after a NaN).
        self.model = Some(trainer.model());
        let progress = outcome?;
        let pace = pace.advance(progress.step, progress.steps_per_epoch, seconds());
        to_js(&Paced { progress, pace })
    }

    /// Starts a recommender's run on the loaded ratings; the image run, if any, ends.
    pub(super) fn start_movie_run(&mut self, model_json: &str, training_json: &str) -> Result<String, JsError> {
        let movies = self.movies.as_ref().ok_or_else(|| invalid("load the ratings before configuring a recommender"))?;
        let run = self.movie_run.insert(MovieRun::configure(movies, model_json, training_json, &self.device)?);
        self.pace = Some(Pace::new(run.trainer.config().epochs, run.trainer.config().batch_size, 0));
        self.trainer = None;
        Ok(run.describe())
    }

    /// Starts a fresh image model's run (the recommender's, if any, ends); returns its description.
    pub(super) fn start_run(&mut self, model: AutoencoderConfig, training: TrainingConfig) -> Result<String, JsError> {
        let data = loaded(&self.data, &self.folder).map_err(|_| invalid("load the data before configuring a run"))?;
        // The form's presets are written for MNIST; a folder's images may be another shape.
        let model = model.for_images(data.train.shape())?;
        let mut trainer = Trainer::new(&model, training, &self.device, data.train.len())?;
        trainer.restrict_to_classes(&data.train)?;
        self.movie_run = None;
        self.pace = Some(Pace::new(trainer.config().epochs, trainer.config().batch_size, 0));
        self.model = Some(trainer.model());
        self.trainer = Some(trainer);
        Ok(model.describe())
    }

    /// The dataset's splits, once loaded.
    pub(super) fn data(&self) -> Result<&Splits, JsError> {
        loaded(&self.data, &self.folder)
    }

    /// A linear classifier on the code of a fresh `model`, with the first `labels` training
    /// labels, alone and jointly with the decoder: `{alone, joint}` test accuracies.
    pub(super) async fn semi_supervised_reply(&self, model: AutoencoderConfig, labels: usize, alpha: f64, epochs: usize) -> Result<serde_json::Value, JsError> {
        let data = self.data()?;
        check_label_count(labels, data.train.len())?;
        let labelled = data.train.take(labels);
        let config = JointConfig::new(model).with_epochs(epochs);
        let alone = train_joint(&config.clone().with_alpha(0.0), &labelled, &data.train, &self.device).await?.accuracy(&data.test, &self.device).await?;
        let joint = train_joint(&config.with_alpha(alpha), &labelled, &data.train, &self.device).await?.accuracy(&data.test, &self.device).await?;
        Ok(serde_json::json!({ "alone": alone, "joint": joint }))
    }

    /// The current model's evaluation on the first `limit` test images (all if 0), or a
    /// recommender's `{rmse}` on the test ratings.
    pub(super) async fn evaluate_reply(&self, limit: usize) -> Result<JsValue, JsError> {
        if let (Some(run), Some(movies)) = (&self.movie_run, &self.movies) {
            return to_js(&run.evaluate(movies, &self.device).await?);
        }
        let data = self.data()?;
        let test = if limit == 0 { data.test.clone() } else { data.test.take(limit) };
        let evaluation = evaluate(self.model()?, &test, 500).await?;
        to_js(&EvaluationReply { summary: evaluation.summary(), evaluation })
    }

    /// Continues an image run from a weight file at `step`; returns the model's description.
    pub(super) fn resume_run(&mut self, bytes: &[u8], training: TrainingConfig, step: usize) -> Result<String, JsError> {
        let data = loaded(&self.data, &self.folder).map_err(|_| invalid("load the data before resuming a run"))?;
        let loaded = weights::load(bytes, &self.device.clone().autodiff())?;
        let description = loaded.model.config().describe();
        self.pace = Some(Pace::new(training.epochs, training.batch_size, step));
        let mut trainer = Trainer::resume(loaded.model, training, &self.device, data.train.len(), step)?;
        // A run on some classes resumes only from its start (its order is theirs).
        trainer.restrict_to_classes(&data.train)?;
        self.model = Some(trainer.model());
        self.trainer = Some(trainer);
        self.movie_run = None;
        Ok(description)
    }

    /// The weight file of the run (a recommender's, or an image model's: during a run, the
    /// weights last checked finite, since a NaN may be on its way in the current ones), with
    /// `provenance` or else the run's own account of itself ([`Studio::run_provenance`]).
    pub(super) async fn weights_file(&self, provenance: Option<String>, keep: bool) -> Result<Vec<u8>, JsError> {
        let provenance = match provenance {
            Some(provenance) => provenance,
            None => self.run_provenance()?,
        };
        let provenance = provenance.as_str();
        if let Some(run) = &self.movie_run {
            return Ok(run.export(provenance, keep).await?);
        }
        let verified = self.trainer.as_ref().map(Trainer::verified_model);
        let model = verified.as_ref().or(self.model.as_ref()).ok_or_else(|| invalid("no model"))?;
        Ok(weights::save_with_dataset(model, provenance, self.tag.as_ref()).await?)
    }

    /// How the run's weights came to be: the model, the data it learned, how far the run went
    /// and with which settings.
    fn run_provenance(&self) -> Result<String, JsError> {
        if let Some(run) = &self.movie_run {
            return Ok(run.provenance());
        }
        let trainer = self.trainer.as_ref().ok_or_else(|| invalid("no run configured"))?;
        let config = trainer.config();
        let data = self.tag.as_ref().map_or("its data", |tag| DatasetFiles::by_name(&tag.name).map_or(tag.name.as_str(), |files| files.label));
        Ok(format!(
            "{}, trained in the browser on {data}: {} of {} epochs (step {}, batch {}, lr {})",
            self.model()?.config().describe(),
            trainer.step() / trainer.steps_per_epoch().max(1),
            config.epochs,
            trainer.step(),
            config.batch_size,
            config.learning_rate
        ))
    }

    /// The latest good weights, for inference.
    pub(super) fn model(&self) -> Result<&Autoencoder, JsError> {
        self.model.as_ref().ok_or_else(|| invalid("no model"))
    }
}

impl Replica {
    /// Joins the leader's run at `step` from its weight file, as share `part` of `parts` of every
    /// batch: a recommender's run when ratings are loaded, else an image model's.
    pub(super) fn join(&mut self, bytes: &[u8], training_json: &str, step: usize, [part, parts]: [usize; 2]) -> Result<(), JsError> {
        if part == 0 || part >= parts {
            return Err(invalid(format!("a replica is share 1 to {} of {parts}, got {part}", parts.saturating_sub(1))));
        }
        if let Some(movies) = &self.movies {
            self.movie_run = Some(MovieRun::join(movies, bytes, training_json, step, &self.device)?);
        } else {
            let training = training_config(training_json)?;
            let train = self.train.as_ref().ok_or_else(|| invalid("load the training set before starting a replica"))?;
            let loaded = weights::load(bytes, &self.device.clone().autodiff())?;
            let mut trainer = Trainer::resume(loaded.model, training, &self.device, train.len(), step)?;
            trainer.restrict_to_classes(train)?;
            self.trainer = Some(trainer);
        }
        (self.part, self.parts, self.last_share) = (part, parts, None);
        Ok(())
    }

    /// This replica's flat gradient for its share of the next batch (image or recommender run).
    pub(super) async fn share_gradients(&mut self) -> Result<Vec<f32>, JsError> {
        if let Some(run) = self.movie_run.as_mut() {
            return Ok(run.trainer.share_gradients(self.part, self.parts).await?);
        }
        let train = self.train.as_ref().ok_or_else(|| invalid("no training set"))?;
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("the replica has not joined a run"))?;
        Ok(trainer.share_gradients(train, self.part, self.parts).await?)
    }

    /// Completes the leader's sum from its own share and this replica's last, and applies it.
    pub(super) fn complete_sum(&mut self, leader_share: Vec<f32>) -> Result<(), JsError> {
        let own = self.last_share.take().ok_or_else(|| invalid("the leader completed a share this replica did not compute"))?;
        self.apply_sum(crate::train::replicas::completed_sum(leader_share, &own)?)
    }

    /// Applies the leader's summed gradient.
    pub(super) fn apply_sum(&mut self, sum: Vec<f32>) -> Result<(), JsError> {
        self.last_share = None;
        if let Some(run) = self.movie_run.as_mut() {
            return Ok(run.trainer.apply_gradients(sum)?);
        }
        let trainer = self.trainer.as_mut().ok_or_else(|| invalid("the replica has not joined a run"))?;
        Ok(trainer.apply_gradients(sum)?)
    }
}

impl Default for Replica {
    fn default() -> Self {
        Replica::new()
    }
}

/// A test-set evaluation as the page takes it: the figures, and the line that says them.
#[derive(serde::Serialize)]
struct EvaluationReply {
    #[serde(flatten)]
    evaluation: Evaluation,
    summary: String,
}

/// The splits runs train on: an imported folder's (held once, in the import), or the named data
/// set's. A free function so that a caller can borrow other fields mutably beside them.
pub(super) fn loaded<'a>(data: &'a Option<Splits>, folder: &'a Option<ImportedImages>) -> Result<&'a Splits, JsError> {
    folder.as_ref().map(|folder| &folder.splits).or(data.as_ref()).ok_or_else(|| invalid("no data loaded"))
}
