//! Training an AutoRec: mini-batches of rating vectors, Adam, the paper's L2 weight decay, and
//! the test RMSE (predictions clipped to 1..5, the default rating where the model knows nothing).

use std::collections::BTreeMap;

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::ratings::{Rating, RatingSplit};
use crate::error::{AeError, AeResult, ensure};
use crate::recommend::autorec::{AutoRec, AutoRecConfig, autorec_objective};
use crate::recommend::rows::{DEFAULT_RATING, RatingRows, clip_rating, rmse};
use crate::uses::explore::read_floats;

/// Settings of an AutoRec training run.
#[derive(Config, Debug, PartialEq)]
pub struct AutoRecTraining {
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Rating vectors per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 100)]
    pub epochs: usize,
    /// The weight decay lambda of the paper's objective `sum ||r - h(r)||^2_observed + lambda/2 ||W||^2`.
    #[config(default = 1.0)]
    pub lambda: f64,
    /// Seeds the initialization and the shuffling.
    #[config(default = 1)]
    pub seed: u64,
}

impl AutoRecTraining {
    /// Refuses settings that cannot work on `rows` rating vectors.
    pub fn validate(&self, rows: usize) -> AeResult<()> {
        ensure(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0, || {
            format!("learning rate must be in (0, 1], got {}", self.learning_rate)
        })?;
        ensure((1..=rows).contains(&self.batch_size), || format!("batch size must be in 1..={rows}, got {}", self.batch_size))?;
        ensure(self.epochs >= 1, || "epochs must be at least 1".into())?;
        ensure(self.lambda.is_finite() && self.lambda >= 0.0, || format!("lambda must be finite and >= 0, got {}", self.lambda))
    }
}

/// Owns an AutoRec being trained, its optimizer and the shuffled order of the rows.
pub struct AutoRecTrainer {
    model: AutoRec,
    optimizer: ModuleOptimizer,
    rows: RatingRows,
    config: AutoRecTraining,
    device: Device,
    rng: StdRng,
    order: Vec<usize>,
    position: usize,
    epoch: usize,
    /// The objective summed on the device over this epoch's batches.
    epoch_objective: Option<Tensor<1>>,
}

impl AutoRecTrainer {
    /// A fresh model of `model_config` (autodiff enabled here) trained on `split.train`.
    pub fn new(model_config: &AutoRecConfig, config: AutoRecTraining, split: &RatingSplit, device: &Device) -> AeResult<AutoRecTrainer> {
        ensure(model_config.users == split.users && model_config.items == split.items, || {
            format!(
                "the model is for {} users and {} movies, the ratings have {} and {}",
                model_config.users, model_config.items, split.users, split.items
            )
        })?;
        let rows = RatingRows::new(&split.train, model_config.orientation, split.users, split.items);
        config.validate(rows.len())?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let model = model_config.init(&device)?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.shuffle(&mut rng);
        Ok(AutoRecTrainer {
            model,
            optimizer: AdamConfig::new().with_epsilon(1e-8).init(),
            rows,
            config,
            device,
            rng,
            order,
            position: 0,
            epoch: 0,
            epoch_objective: None,
        })
    }

    /// The current weights for inference (no autodiff graph).
    pub fn model(&self) -> AutoRec {
        self.model.valid()
    }

    /// The training vectors (the model's inputs at prediction time too).
    pub fn rows(&self) -> &RatingRows {
        &self.rows
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }

    /// One Adam step on the next batch of rows.
    pub fn step(&mut self) {
        let end = (self.position + self.config.batch_size).min(self.order.len());
        let picked = &self.order[self.position..end];
        let (ratings, observed) = self.rows.batch(picked, &self.device);
        let share = picked.len() as f64 / self.rows.len() as f64;
        let objective = autorec_objective(&self.model, ratings, observed, self.config.lambda, share);
        let gradients = GradientsParams::from_grads(objective.backward(), &self.model);
        self.model = self.optimizer.step(self.config.learning_rate, self.model.clone(), gradients);
        self.epoch_objective = Some(match self.epoch_objective.take() {
            Some(sum) => sum + objective.detach().inner(),
            None => objective.detach().inner(),
        });
        self.position = end;
    }

    /// Runs the rest of the current epoch and returns its objective per observed training
    /// rating (the data term plus the weight decay, over the count of ratings).
    pub async fn train_epoch(&mut self) -> AeResult<f32> {
        while self.position < self.order.len() {
            self.step();
        }
        self.position = 0;
        self.order.shuffle(&mut self.rng);
        self.epoch += 1;
        let sum = self.epoch_objective.take().expect("an epoch has a batch");
        let objective = read_floats(sum).await?[0] / self.rows.observed() as f32;
        if !objective.is_finite() {
            return Err(AeError::Diverged { epoch: self.epoch, step: 0, loss: objective });
        }
        Ok(objective)
    }
}

/// Rows of `rows` predicted through `model` in chunks, for each rating asked: its prediction
/// clipped to 1..5, or the default rating where the model has seen neither its row nor its column.
pub async fn predict(model: &AutoRec, rows: &RatingRows, asked: &[Rating], device: &Device) -> AeResult<Vec<f32>> {
    const CHUNK: usize = 256;
    let mut by_row: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (position, rating) in asked.iter().enumerate().filter(|(_, rating)| rows.knows(rating)) {
        let (row, column) = RatingRows::place(rows.orientation(), rating);
        by_row.entry(row).or_default().push((position, column));
    }
    let mut predictions = vec![DEFAULT_RATING; asked.len()];
    let wanted: Vec<usize> = by_row.keys().copied().collect();
    for chunk in wanted.chunks(CHUNK) {
        let (ratings, _) = rows.batch(chunk, device);
        let output = read_floats(model.forward(ratings)).await?;
        for (offset, row) in chunk.iter().enumerate() {
            for &(position, column) in &by_row[row] {
                predictions[position] = clip_rating(output[offset * rows.width() + column]);
            }
        }
    }
    Ok(predictions)
}

/// The test RMSE of `model` whose inputs are the training `rows`.
pub async fn test_rmse(model: &AutoRec, rows: &RatingRows, test: &[Rating], device: &Device) -> AeResult<f32> {
    Ok(rmse(&predict(model, rows, test, device).await?, test))
}
