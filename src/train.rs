//! The training loop and the test-set evaluation, both async: every value read back from the
//! device goes through `into_*_async`, which is the only kind of readback WebGPU allows.
//!
//! The loop is step-driven ([`Trainer::train_steps`]) so that its owner (the command line, or the
//! web worker between messages) decides when to evaluate, pause or stop.

use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{AeError, AeResult, ensure};
use crate::gradients;
use crate::loss::{bce_with_logits, squared_error};
use crate::mnist::Dataset;
use crate::model::{Autoencoder, AutoencoderConfig, Likelihood, PIXELS};

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
}

impl TrainingConfig {
    /// Refuses settings that cannot work on a training set of `train_len` images.
    pub fn validate(&self, train_len: usize) -> AeResult<()> {
        ensure(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0, || {
            format!("learning rate must be in (0, 1], got {}", self.learning_rate)
        })?;
        ensure(self.batch_size >= 1, || "batch size must be at least 1".into())?;
        ensure(self.batch_size <= train_len, || {
            format!("batch size {} is larger than the training set ({train_len} images)", self.batch_size)
        })?;
        ensure(self.epochs >= 1, || "epochs must be at least 1".into())?;
        ensure(self.readback_every >= 1, || "readback interval must be at least 1 step".into())
    }
}

/// Where a run stands after [`Trainer::train_steps`] (camelCase for JavaScript).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Epochs completed (0-based index of the current one while it runs).
    pub epoch: usize,
    /// Steps taken since the start of the run.
    pub step: usize,
    pub steps_per_epoch: usize,
    /// Mean training objective over the steps since the previous report, if any was read back.
    pub train_loss: Option<f32>,
    /// Mean training objective over the current epoch so far (the finished one, at its end).
    pub epoch_loss: Option<f32>,
    /// The call ended an epoch (evaluate now, if you wish).
    pub epoch_finished: bool,
    /// The run has done all its epochs.
    pub finished: bool,
}

/// Adam with PyTorch's defaults (burn's epsilon default is 1e-5, PyTorch's 1e-8).
fn adam() -> ModuleOptimizer {
    AdamConfig::new().with_epsilon(1e-8).init()
}

/// Owns a model being trained, its optimizer, the shuffling, and the last weights known good.
pub struct Trainer {
    model: Autoencoder,
    last_good: Autoencoder,
    optimizer: ModuleOptimizer,
    config: TrainingConfig,
    device: Device,
    rng: StdRng,
    order: Vec<usize>,
    position: usize,
    epoch: usize,
    step: usize,
    /// Sum of the objectives since the last readback, kept on the device.
    pending_loss: Option<Tensor<1>>,
    pending_steps: usize,
    /// Host-side sum and count of the losses read back this epoch.
    epoch_loss: (f64, usize),
}

impl Trainer {
    /// A fresh model of `model_config` on `device` (autodiff is enabled here), ready to train on a
    /// set of `train_len` images.
    pub fn new(model_config: &AutoencoderConfig, config: TrainingConfig, device: &Device, train_len: usize) -> AeResult<Trainer> {
        config.validate(train_len)?;
        model_config.validate()?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let model = model_config.init(&device)?;
        Ok(Trainer::with_model(model, config, device, train_len))
    }

    /// Continues a run at `step` from `model`'s weights (loaded on `device.autodiff()`), as after a
    /// lost GPU: the shuffling is replayed so the remaining batches are the ones the run would have
    /// seen; the optimizer's moments start afresh.
    pub fn resume(model: Autoencoder, config: TrainingConfig, device: &Device, train_len: usize, step: usize) -> AeResult<Trainer> {
        config.validate(train_len)?;
        let device = device.clone().autodiff();
        device.seed(config.seed.wrapping_add(step as u64));
        let mut trainer = Trainer::with_model(model, config, device, train_len);
        let steps_per_epoch = trainer.steps_per_epoch();
        ensure(step <= steps_per_epoch * trainer.config.epochs, || {
            format!("step {step} is past the end of the run ({} steps)", steps_per_epoch * trainer.config.epochs)
        })?;
        for _ in 0..step / steps_per_epoch {
            trainer.order.shuffle(&mut trainer.rng);
        }
        trainer.epoch = step / steps_per_epoch;
        trainer.position = (step % steps_per_epoch) * trainer.config.batch_size;
        trainer.step = step;
        Ok(trainer)
    }

    /// Continues training `model` (already on an autodiff device).
    fn with_model(model: Autoencoder, config: TrainingConfig, device: Device, train_len: usize) -> Trainer {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..train_len).collect();
        order.shuffle(&mut rng);
        Trainer {
            last_good: model.clone(),
            model,
            optimizer: adam(),
            config,
            device,
            rng,
            order,
            position: 0,
            epoch: 0,
            step: 0,
            pending_loss: None,
            pending_steps: 0,
            epoch_loss: (0.0, 0),
        }
    }

    /// The settings of this run.
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// Batches in one epoch (the last one may be smaller, as PyTorch's loader does).
    pub fn steps_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.config.batch_size)
    }

    /// The current weights for inference (no autodiff graph).
    pub fn model(&self) -> Autoencoder {
        self.model.valid()
    }

    /// The weights at the last loss readback that was finite: what to save or hand over while a
    /// run goes on, since the current weights may have diverged since.
    pub fn verified_model(&self) -> Autoencoder {
        self.last_good.valid()
    }

    /// The device the model trains on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Runs up to `max_steps` optimizer steps on `data`, stopping early at the end of an epoch.
    /// Reads the loss back every `readback_every` steps and at each epoch's end; if it is NaN or
    /// infinite, restores the last good weights and fails with [`AeError::Diverged`].
    pub async fn train_steps(&mut self, data: &Dataset, max_steps: usize) -> AeResult<Progress> {
        self.train_steps_with(data, max_steps, &mut NoReplicas).await
    }

    /// [`Trainer::train_steps`] with each batch split between this trainer (the leader, which
    /// takes the first share) and `replicas`: every step, they compute their shares' gradients in
    /// parallel, the leader sums them and every replica applies the sum. The run is the same as on
    /// one trainer (the gradient of the batch's mean objective), but for the random draws (noise,
    /// a VAE's samples), and, for the KL-sparse penalty, the code's mean activation is estimated
    /// per share.
    pub async fn train_steps_with(&mut self, data: &Dataset, max_steps: usize, replicas: &mut impl Replicas) -> AeResult<Progress> {
        self.check_data(data)?;
        let mut report = None;
        let mut epoch_finished = false;
        if self.position == 0 {
            self.epoch_loss = (0.0, 0);
        }
        for _ in 0..max_steps {
            if self.is_finished() {
                break;
            }
            self.step_with(data, replicas).await?;
            epoch_finished = self.wrap_epoch();
            if epoch_finished || self.pending_steps >= self.config.readback_every {
                report = self.read_back_loss().await?.or(report);
            }
            if epoch_finished {
                break;
            }
        }
        Ok(Progress {
            epoch: self.epoch,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch(),
            train_loss: report,
            epoch_loss: (self.epoch_loss.1 > 0).then(|| (self.epoch_loss.0 / self.epoch_loss.1 as f64) as f32),
            epoch_finished,
            finished: self.is_finished(),
        })
    }

    /// Optimizer steps taken since the start of the run.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Whether all epochs are done.
    pub fn is_finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }

    fn check_data(&self, data: &Dataset) -> AeResult<()> {
        ensure(data.len() == self.order.len(), || {
            format!("this run was set up for {} training images, got {}", self.order.len(), data.len())
        })
    }

    /// The next batch's range in the shuffled order; moves on to the batch after it.
    fn next_batch(&mut self) -> std::ops::Range<usize> {
        let start = self.position;
        self.position = (start + self.config.batch_size).min(self.order.len());
        self.step += 1;
        start..self.position
    }

    /// At the end of the order, starts the next epoch on a fresh shuffle; says whether it did.
    /// Leader and follower call it after the same steps, so they keep the same order.
    fn wrap_epoch(&mut self) -> bool {
        if self.position < self.order.len() {
            return false;
        }
        self.position = 0;
        self.epoch += 1;
        self.order.shuffle(&mut self.rng);
        true
    }

    /// Gradients of the objective on the images at `range` of the order, scaled by the share of
    /// the batch they are (so that the shares' gradients sum to the batch's); with `record`, the
    /// objective joins the losses to read back. An empty share has no gradient (zeros).
    fn gradients_of(&mut self, data: &Dataset, range: std::ops::Range<usize>, batch_len: usize, record: bool) -> GradientsParams {
        if range.is_empty() {
            return GradientsParams::new();
        }
        let share = range.len() as f64 / batch_len as f64;
        let clean = data.batch(&self.order[range], &self.device);
        let input = self.model.config().corruption.apply(clean.clone());
        let objective = self.model.loss(input, clean).objective;
        let scaled = if share < 1.0 { objective.clone() * share } else { objective.clone() };
        let gradients = GradientsParams::from_grads(scaled.backward(), &self.model);
        if record {
            let objective = objective.detach();
            self.pending_loss = Some(match self.pending_loss.take() {
                Some(sum) => sum + objective,
                None => objective,
            });
            self.pending_steps += 1;
        }
        gradients
    }

    fn apply(&mut self, gradients: GradientsParams) {
        self.model = self.optimizer.step(self.config.learning_rate, self.model.clone(), gradients);
    }

    /// One optimizer step, alone or with `replicas` (see [`Trainer::train_steps_with`]).
    async fn step_with(&mut self, data: &Dataset, replicas: &mut impl Replicas) -> AeResult<()> {
        let batch = self.next_batch();
        let parts = replicas.count() + 1;
        if parts == 1 {
            let gradients = self.gradients_of(data, batch.clone(), batch.len(), true);
            self.apply(gradients);
            return Ok(());
        }
        replicas.start_shares();
        let own = self.gradients_of(data, share_of(batch.clone(), 0, parts), batch.len(), true);
        let mut sum = gradients::flatten(&self.model, &own).await?;
        for other in replicas.collect().await? {
            gradients::accumulate(&mut sum, &other)?;
        }
        // The replicas first: their next share waits on this, the leader's does not.
        replicas.apply(&sum);
        self.apply_gradients(&sum)?;
        Ok(())
    }

    /// A follower's part of a data-parallel step: the gradient of share `part` (of `parts`) of
    /// the next batch, flat (see [`gradients::flatten`]). The leader sums the shares and hands the
    /// sum to [`Trainer::apply_gradients`]. A follower moves through the same shuffled order as
    /// its leader, so both must have been set up with the same training config.
    pub async fn share_gradients(&mut self, data: &Dataset, part: usize, parts: usize) -> AeResult<Vec<f32>> {
        ensure(part < parts, || format!("share {part} of {parts} does not exist"))?;
        self.check_data(data)?;
        let batch = self.next_batch();
        self.wrap_epoch();
        let own = self.gradients_of(data, share_of(batch.clone(), part, parts), batch.len(), false);
        gradients::flatten(&self.model, &own).await
    }

    /// An optimizer step with a summed flat gradient (a data-parallel step's last part).
    pub fn apply_gradients(&mut self, sum: &[f32]) -> AeResult<()> {
        let gradients = gradients::unflatten(&self.model, sum, &self.device.clone().inner())?;
        self.apply(gradients);
        Ok(())
    }

    /// Gives this trainer's random draws (noise, a VAE's samples) a stream of their own, for
    /// replica `part` of a data-parallel run (replicas start from the same seed).
    pub fn reseed_for_replica(&self, part: usize) {
        self.device.seed(self.config.seed.wrapping_add((part as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_add(self.step as u64));
    }

    async fn read_back_loss(&mut self) -> AeResult<Option<f32>> {
        let Some(sum) = self.pending_loss.take() else { return Ok(None) };
        let steps = std::mem::take(&mut self.pending_steps);
        let sum: f32 = sum.into_scalar_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
        let mean = sum / steps as f32;
        if !mean.is_finite() {
            self.model = self.last_good.clone();
            self.optimizer = adam();
            return Err(AeError::Diverged { epoch: self.epoch, step: self.step, loss: mean });
        }
        self.last_good = self.model.clone();
        self.epoch_loss.0 += sum as f64;
        self.epoch_loss.1 += steps;
        Ok(Some(mean))
    }
}

/// The other replicas of a data-parallel run, as the leader (replica 0) sees them; in the page
/// each is a web worker with its own [`Trainer`] (see [`Trainer::share_gradients`]).
#[allow(async_fn_in_trait)]
pub trait Replicas {
    /// How many replicas there are besides the leader.
    fn count(&self) -> usize;
    /// Asks every replica to compute its share of the next batch (replica `i` takes share `i`).
    fn start_shares(&mut self);
    /// Their shares' flat gradients.
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>>;
    /// Hands them the summed gradient to apply.
    fn apply(&mut self, sum: &[f32]);
}

/// No replicas: a trainer alone.
pub struct NoReplicas;

impl Replicas for NoReplicas {
    fn count(&self) -> usize {
        0
    }
    fn start_shares(&mut self) {}
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>> {
        Ok(Vec::new())
    }
    fn apply(&mut self, _sum: &[f32]) {}
}

/// The leader's share of a batch against each replica's: a replica's step also waits on the
/// messages to and from its worker and applies the sum before its next share, so the leader
/// takes a little more of the batch (measured in the page: 5:4 evens out their waits).
const LEADER_WEIGHT: usize = 5;
const REPLICA_WEIGHT: usize = 4;

/// Share `part` of `parts` of a batch, contiguous: part 0 (the leader) weighs `LEADER_WEIGHT`,
/// the others `REPLICA_WEIGHT`.
fn share_of(batch: std::ops::Range<usize>, part: usize, parts: usize) -> std::ops::Range<usize> {
    let total = LEADER_WEIGHT + REPLICA_WEIGHT * (parts - 1);
    let boundary = |part: usize| {
        let weight = if part == 0 { 0 } else { LEADER_WEIGHT + REPLICA_WEIGHT * (part - 1) };
        batch.start + batch.len() * weight / total
    };
    boundary(part)..boundary(part + 1)
}

/// Trains a fresh model of `model_config` on `data` for all of `training`'s epochs and returns
/// it without autodiff: for commands that need a trained model, not the run's progress.
pub async fn train_model(model_config: &AutoencoderConfig, training: &TrainingConfig, data: &Dataset, device: &Device) -> AeResult<Autoencoder> {
    let mut trainer = Trainer::new(model_config, training.clone(), device, data.len())?;
    while !trainer.is_finished() {
        trainer.train_steps(data, usize::MAX).await?;
    }
    Ok(trainer.model())
}

/// Test-set figures of a model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// The training objective on this set: per sample for a VAE (reconstruction + beta·KL),
    /// per pixel for the other autoencoders.
    pub loss: f64,
    /// Binary cross-entropy per pixel of the reconstructions.
    pub bce_per_pixel: f64,
    /// Squared error per pixel of the reconstructions (`sigmoid(logits)` against the image).
    pub mse_per_pixel: f64,
    /// Mean KL divergence per sample (VAE only).
    pub kl_per_sample: Option<f64>,
    /// Images evaluated.
    pub samples: usize,
}

/// Evaluates `model` on every image of `data`, `batch_size` at a time, with the model's own
/// objective: inputs corrupted as in training, and for a VAE one code sampled per image
/// (as PyTorch's example does). One readback at the end.
pub async fn evaluate(model: &Autoencoder, data: &Dataset, batch_size: usize) -> AeResult<Evaluation> {
    ensure(!data.is_empty(), || "cannot evaluate on an empty dataset".into())?;
    ensure(batch_size >= 1, || "batch size must be at least 1".into())?;
    let device = model.devices().first().cloned().ok_or_else(|| AeError::Backend("model has no device".into()))?;
    let config = model.config();
    let indices: Vec<usize> = (0..data.len()).collect();
    // [objective sum, bce sum, squared error sum, kl sum], accumulated on the device.
    let mut totals: Option<Tensor<1>> = None;
    for chunk in indices.chunks(batch_size) {
        let clean = data.batch(chunk, &device);
        let input = config.corruption.apply(clean.clone());
        let encoding = model.encode(input);
        let logits = model.decode(model.sample_code(&encoding));
        let bce = bce_with_logits(logits.clone(), clean.clone()).sum();
        let squared = squared_error(sigmoid(logits), clean).sum();
        // The likelihood's loss is one of the two figures already summed (computing it again
        // cost a third of the evaluation: BCE is an exp and a log1p per pixel).
        let reconstruction = match config.likelihood {
            Likelihood::Bernoulli => bce.clone(),
            Likelihood::Gaussian => squared.clone(),
        };
        let kl = match &encoding.log_var {
            Some(log_var) => crate::loss::kl_to_standard_normal(encoding.mean.clone(), log_var.clone()).sum(),
            None => Tensor::zeros([1], &device),
        };
        let objective = if config.variational {
            reconstruction + kl.clone().mul_scalar(config.beta)
        } else {
            reconstruction.div_scalar(PIXELS as f64)
        };
        let batch_totals = Tensor::cat(vec![objective, bce, squared, kl], 0);
        totals = Some(match totals {
            Some(sum) => sum + batch_totals,
            None => batch_totals,
        });
    }
    let totals = totals.expect("at least one batch").into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
    let totals: Vec<f32> = totals.try_to_vec().map_err(|err| AeError::Backend(format!("{err:?}")))?;
    let n = data.len() as f64;
    let pixels = n * PIXELS as f64;
    Ok(Evaluation {
        loss: totals[0] as f64 / n,
        bce_per_pixel: totals[1] as f64 / pixels,
        mse_per_pixel: totals[2] as f64 / pixels,
        kl_per_sample: config.variational.then(|| totals[3] as f64 / n),
        samples: data.len(),
    })
}
