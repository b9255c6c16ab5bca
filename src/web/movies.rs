//! The page's recommender state behind the bindings in `web.rs`: MovieLens 1M and its split in
//! the training worker and its replicas, a run of I- or U-AutoRec, and the model the live worker
//! recommends with.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::ratings::{MOVIELENS_1M, RatingSplit, Ratings};
use crate::error::{AeError, AeResult};
use crate::recommend::train::test_rmse;
use crate::recommend::weights::{self, AutoRecHeader, LoadedAutoRec};
use crate::recommend::{AutoRecConfig, AutoRecTrainer, AutoRecTraining, Orientation};

/// The seed of the page's 90/10 split (the command line's first split).
const SPLIT_SEED: u64 = 1;

/// MovieLens 1M and the split the page trains and tests on.
pub(super) struct MovieData {
    pub(super) ratings: Ratings,
    pub(super) split: RatingSplit,
}

/// What the page says about the loaded ratings.
#[derive(Serialize)]
pub(super) struct MovieDataSummary {
    ratings: usize,
    users: usize,
    movies: usize,
    train: usize,
    test: usize,
}

impl MovieData {
    /// ML-1M's `ratings.dat`, checksum verified and every line checked, split 90/10.
    pub(super) fn parse(bytes: &[u8]) -> AeResult<MovieData> {
        let ratings = MOVIELENS_1M.parse_ratings(bytes)?;
        let split = ratings.split(0.1, SPLIT_SEED)?;
        Ok(MovieData { ratings, split })
    }

    pub(super) fn summary(&self) -> MovieDataSummary {
        MovieDataSummary {
            ratings: self.ratings.entries.len(),
            users: self.ratings.users(),
            movies: self.ratings.items(),
            train: self.split.train.len(),
            test: self.split.test.len(),
        }
    }
}

/// The model part of the page's form: the sizes come from the data.
#[derive(Deserialize)]
struct MovieModelForm {
    orientation: Orientation,
    hidden: usize,
}

/// A run of AutoRec on the page's split.
pub(super) struct MovieRun {
    pub(super) trainer: AutoRecTrainer,
    header: AutoRecHeader,
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str, what: &str) -> AeResult<T> {
    serde_json::from_str(json).map_err(|err| AeError::InvalidConfig(format!("{what}: {err}")))
}

impl MovieRun {
    /// A fresh model from the form's `{orientation, hidden}` and an `AutoRecTraining` (JSON).
    pub(super) fn configure(data: &MovieData, model_json: &str, training_json: &str, device: &Device) -> AeResult<MovieRun> {
        let form: MovieModelForm = parse(model_json, "the recommender's settings")?;
        let config = AutoRecConfig::new(form.orientation, data.split.users, data.split.items).with_hidden(form.hidden);
        let training: AutoRecTraining = parse(training_json, "the recommender's training settings")?;
        let trainer = AutoRecTrainer::new(&config, training, &data.split, device)?;
        Ok(MovieRun { header: AutoRecHeader::new(config, &data.ratings, &data.split), trainer })
    }

    /// A replica joining its leader at `step` from the leader's weight file.
    pub(super) fn join(data: &MovieData, bytes: &[u8], training_json: &str, step: usize, device: &Device) -> AeResult<MovieRun> {
        let loaded = weights::load(bytes, &device.clone().autodiff())?;
        let training: AutoRecTraining = parse(training_json, "the recommender's training settings")?;
        let trainer = AutoRecTrainer::resume(loaded.model, &loaded.header.config, training, &data.split, device, step)?;
        Ok(MovieRun { trainer, header: loaded.header })
    }

    pub(super) fn describe(&self) -> String {
        describe(&self.header.config)
    }

    /// How the run's weights came to be: the model, the split, how far and with which settings.
    pub(super) fn provenance(&self) -> String {
        let config = self.trainer.config();
        format!(
            "{}, trained in the browser on MovieLens 1M (90% of the ratings, split seed {SPLIT_SEED}): {} of {} epochs \
             (batch {}, lr {} x{} per epoch, lambda {})",
            self.describe(),
            self.trainer.epoch(),
            config.epochs,
            config.batch_size,
            config.learning_rate,
            config.learning_rate_decay,
            config.lambda
        )
    }

    /// `{rmse}` on the test ratings.
    pub(super) async fn evaluate(&self, data: &MovieData, device: &Device) -> AeResult<serde_json::Value> {
        let rmse = test_rmse(&self.trainer.model(), self.trainer.rows(), &data.split.test, device).await?;
        Ok(serde_json::json!({ "rmse": rmse }))
    }

    /// The weights as a file; `keep`: a model to recommend with, not a replica's start.
    pub(super) async fn export(&self, provenance: &str, keep: bool) -> AeResult<Vec<u8>> {
        if keep {
            self.trainer.export_recommender(&self.header, provenance).await
        } else {
            self.trainer.export(&self.header, provenance).await
        }
    }
}

/// "U-AutoRec, 500 hidden units, one vector per user over 3,706 movies".
pub(super) fn describe(config: &AutoRecConfig) -> String {
    match config.orientation {
        Orientation::Item => format!("I-AutoRec, {} hidden units, one vector per movie over {} users", config.hidden, thousands(config.users)),
        Orientation::User => format!("U-AutoRec, {} hidden units, one vector per user over {} movies", config.hidden, thousands(config.items)),
    }
}

/// `3706` as "3,706".
fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// What the live worker says about the recommender it loaded.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RecommenderInfo {
    description: String,
    orientation: Orientation,
    can_recommend: bool,
    provenance: String,
}

pub(super) fn info(loaded: &LoadedAutoRec) -> RecommenderInfo {
    let config = &loaded.header.config;
    RecommenderInfo {
        description: describe(config),
        orientation: config.orientation,
        can_recommend: config.orientation == Orientation::User || loaded.header.fold_in_lambda.is_some(),
        provenance: loaded.provenance.clone(),
    }
}
