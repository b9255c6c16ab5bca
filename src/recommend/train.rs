//! Training an AutoRec: mini-batches of rating vectors, Adam, the paper's L2 weight decay, and
//! the test RMSE (predictions clipped to 1..5, the default rating where the model knows nothing).

use std::collections::BTreeMap;
use std::ops::Range;

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::ratings::{Rating, RatingSplit};
use crate::error::{AeError, AeResult, ensure, ensure_learning_rate};
use crate::recommend::autorec::{AutoRec, AutoRecConfig, Orientation, autorec_objective};
use crate::recommend::fold_in::with_item_codes;
use crate::recommend::weights::{AutoRecHeader, save};
use crate::recommend::rows::{DEFAULT_RATING, RatingRows, clip_rating, rmse};
use crate::train::gradients::{accumulate, flatten_module, unflatten_module};
use crate::train::fused_adam::{FusedAdam, step_moved};
use crate::train::replicas::share_of;
use crate::train::{NoReplicas, Replicas};
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
    /// The learning rate is multiplied by this after every epoch: Adam's steps then shrink
    /// towards the optimum of the objective (the paper runs L-BFGS to convergence) instead of
    /// jittering around it.
    #[config(default = 1.0)]
    pub learning_rate_decay: f64,
}

impl AutoRecTraining {
    /// Refuses settings that cannot work on `rows` rating vectors.
    pub fn validate(&self, rows: usize) -> AeResult<()> {
        ensure_learning_rate(self.learning_rate)?;
        ensure((1..=rows).contains(&self.batch_size), || format!("batch size must be in 1..={rows}, got {}", self.batch_size))?;
        ensure(self.epochs >= 1, || "epochs must be at least 1".into())?;
        ensure(self.learning_rate_decay > 0.0 && self.learning_rate_decay <= 1.0, || {
            format!("the learning rate decay must be in (0, 1], got {}", self.learning_rate_decay)
        })?;
        ensure(self.lambda.is_finite() && self.lambda >= 0.0, || format!("lambda must be finite and >= 0, got {}", self.lambda))
    }
}

/// Where an AutoRec run stands (camelCase for JavaScript).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoRecProgress {
    /// Epochs completed.
    pub epoch: usize,
    pub step: usize,
    pub steps_per_epoch: usize,
    /// The finished epoch's objective per observed training rating (set when an epoch ends; in a
    /// data-parallel run, over the leader's shares of the batches).
    pub epoch_objective: Option<f32>,
    pub epoch_finished: bool,
    pub finished: bool,
}

/// Owns an AutoRec being trained, its optimizer and the shuffled order of the rows. Alone, or as
/// the leader or a follower of a data-parallel run: each replica computes the gradient of its
/// share of a batch, the leader sums them, and all apply the same sum (see
/// [`crate::train::Replicas`]). The objective is a sum over rows plus each share's part of the
/// weight decay, so the shares' gradients add up to the whole batch's exactly.
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
    step: usize,
    /// The objective summed on the device over the rows this replica computed this epoch (all
    /// of them alone, its shares as a leader), and their observed ratings.
    epoch_objective: Option<Tensor<1>>,
    epoch_observed: usize,
}

impl AutoRecTrainer {
    /// A fresh model of `model_config` (autodiff enabled here) trained on `split.train`.
    pub fn new(model_config: &AutoRecConfig, config: AutoRecTraining, split: &RatingSplit, device: &Device) -> AeResult<AutoRecTrainer> {
        let device = device.clone().autodiff();
        device.seed(config.seed);
        AutoRecTrainer::resume(model_config.init(&device)?, model_config, config, split, &device, 0)
    }

    /// Continues a run of `model` (on `device.autodiff()`) at `step`, as a replica joining its
    /// leader does: the shuffling is replayed, so both walk the same order; the optimizer's
    /// moments start afresh (a replica joins at the start of a run, or applies every sum since).
    pub fn resume(model: AutoRec, model_config: &AutoRecConfig, config: AutoRecTraining, split: &RatingSplit, device: &Device, step: usize) -> AeResult<AutoRecTrainer> {
        // The movies' codes are computed from the weights when a model is kept, never trained.
        let model = AutoRec { item_codes: None, ..model };
        ensure(model_config.users == split.users && model_config.items == split.items, || {
            format!(
                "the model is for {} users and {} movies, the ratings have {} and {}",
                model_config.users, model_config.items, split.users, split.items
            )
        })?;
        let rows = RatingRows::new(&split.train, model_config.orientation, split.users, split.items);
        config.validate(rows.len())?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.shuffle(&mut rng);
        let mut trainer = AutoRecTrainer {
            model,
            optimizer: ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8)),
            rows,
            config,
            device: device.clone().autodiff(),
            rng,
            order,
            position: 0,
            epoch: 0,
            step: 0,
            epoch_objective: None,
            epoch_observed: 0,
        };
        ensure(step <= trainer.steps_per_epoch() * trainer.config.epochs, || format!("step {step} is past the end of the run"))?;
        for _ in 0..step {
            trainer.advance();
        }
        Ok(trainer)
    }

    /// The current weights for the leader's replicas to start from, as a weight file.
    pub async fn export(&self, header: &AutoRecHeader, provenance: &str) -> AeResult<Vec<u8>> {
        save(&self.model(), header, provenance).await
    }

    /// The current weights as a model to keep and recommend with: an I-AutoRec carries the codes
    /// of its training ratings and its weight decay, which folding in a visitor needs.
    pub async fn export_recommender(&self, header: &AutoRecHeader, provenance: &str) -> AeResult<Vec<u8>> {
        let model = self.recommender()?;
        save(&model, &header.for_model(&model, self.config.lambda), provenance).await
    }

    /// The current weights, with the movies' codes for an I-AutoRec (see [`with_item_codes`]).
    fn recommender(&self) -> AeResult<AutoRec> {
        match self.rows.orientation() {
            Orientation::Item => with_item_codes(self.model(), &self.rows, &self.device.clone().inner()),
            Orientation::User => Ok(self.model()),
        }
    }

    pub fn step(&self) -> usize {
        self.step
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

    pub fn steps_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.config.batch_size)
    }

    pub fn config(&self) -> &AutoRecTraining {
        &self.config
    }

    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }

    /// The next batch's positions in the shuffled order.
    fn next_batch(&self) -> Range<usize> {
        self.position..(self.position + self.config.batch_size).min(self.order.len())
    }

    /// The gradients of the objective on the rows at `positions` of the order (adding it to the
    /// epoch's sum when `record`).
    fn gradients_of(&mut self, positions: Range<usize>, record: bool) -> GradientsParams {
        let picked = &self.order[positions];
        let (ratings, observed) = self.rows.batch(picked, &self.device);
        let share = picked.len() as f64 / self.rows.len() as f64;
        let objective = autorec_objective(&self.model, ratings, observed, self.config.lambda, share);
        if record {
            self.epoch_observed += self.rows.observed_in(picked);
            let value = objective.clone().detach().inner();
            self.epoch_objective = Some(match self.epoch_objective.take() {
                Some(sum) => sum + value,
                None => value,
            });
        }
        GradientsParams::from_grads(objective.backward(), &self.model)
    }

    fn apply(&mut self, gradients: GradientsParams) {
        let learning_rate = self.config.learning_rate * self.config.learning_rate_decay.powi(self.epoch as i32);
        step_moved(&mut self.optimizer, learning_rate, &mut self.model, gradients);
    }

    /// Moves past the batch just applied; at the end of the order, on to a new epoch.
    fn advance(&mut self) {
        self.position = self.next_batch().end;
        self.step += 1;
        if self.position >= self.order.len() {
            self.position = 0;
            self.order.shuffle(&mut self.rng);
            self.epoch += 1;
        }
    }

    /// One step on the next batch, shared with `replicas` when there are any.
    async fn step_with(&mut self, replicas: &mut impl Replicas) -> AeResult<()> {
        let batch = self.next_batch();
        if replicas.count() == 0 {
            let gradients = self.gradients_of(batch, true);
            self.apply(gradients);
        } else {
            replicas.start_shares();
            let parts = replicas.count() + 1;
            let own = self.gradients_of(share_of(batch, 0, parts), true);
            let mut sum = flatten_module(&self.model, own).await?;
            let completed_there = replicas.offer_own(&sum);
            for share in replicas.collect().await? {
                accumulate(&mut sum, &share)?;
            }
            if !completed_there {
                replicas.apply(&sum);
            }
            self.apply_sum(sum)?;
        }
        self.advance();
        Ok(())
    }

    fn apply_sum(&mut self, sum: Vec<f32>) -> AeResult<()> {
        let gradients = unflatten_module(&self.model, sum, &self.device.clone().inner())?;
        self.apply(gradients);
        Ok(())
    }

    /// Runs up to `max_steps` steps, stopping early at an epoch's end; then the epoch's objective
    /// per observed rating is read back (a non-finite one fails: the run diverged).
    pub async fn train_steps_with(&mut self, max_steps: usize, replicas: &mut impl Replicas) -> AeResult<AutoRecProgress> {
        let epoch = self.epoch;
        for _ in 0..max_steps {
            if self.finished() || self.epoch != epoch || replicas.yield_now() {
                break;
            }
            self.step_with(replicas).await?;
        }
        let epoch_finished = self.epoch != epoch;
        let mut epoch_objective = None;
        if epoch_finished {
            let sum = self.epoch_objective.take().expect("an epoch has a batch");
            let objective = read_floats(sum).await?[0] / std::mem::take(&mut self.epoch_observed).max(1) as f32;
            if !objective.is_finite() {
                return Err(AeError::Diverged { epoch: self.epoch, step: self.step, loss: objective });
            }
            epoch_objective = Some(objective);
        }
        Ok(AutoRecProgress {
            epoch: self.epoch,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch(),
            epoch_objective,
            epoch_finished,
            finished: self.finished(),
        })
    }

    /// Runs the rest of the current epoch alone and returns its objective per observed rating.
    pub async fn train_epoch(&mut self) -> AeResult<f32> {
        let progress = self.train_steps_with(usize::MAX, &mut NoReplicas).await?;
        Ok(progress.epoch_objective.expect("a whole epoch ran"))
    }

    /// A follower's share `part` of `parts` of the next batch: its flat gradient, to be summed by
    /// the leader and applied with [`AutoRecTrainer::apply_gradients`].
    pub async fn share_gradients(&mut self, part: usize, parts: usize) -> AeResult<Vec<f32>> {
        ensure(part < parts, || format!("share {part} of {parts} does not exist"))?;
        let own = self.gradients_of(share_of(self.next_batch(), part, parts), false);
        flatten_module(&self.model, own).await
    }

    /// A follower's update with the leader's summed gradient.
    pub fn apply_gradients(&mut self, sum: Vec<f32>) -> AeResult<()> {
        self.apply_sum(sum)?;
        self.advance();
        Ok(())
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
        let output = read_floats(model.forward(rows.ratings(chunk, device))).await?;
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
