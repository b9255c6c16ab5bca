//! The trainer: an async, step-driven loop over a model's networks. Every value read back from
//! the device goes through `into_*_async`, the only kind of readback WebGPU allows.
//!
//! The loop is step-driven ([`Trainer::train_steps`]) so that its owner (the command line, or the
//! web worker between messages) decides when to evaluate, pause or stop. Each step runs the
//! model's schedule: for an adversarial model `k` critic updates, then the autoencoder's, each
//! network with its own optimizer and learning rate, all on the step's batch.

use std::ops::Range;

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::Dataset;
use crate::error::{AeError, AeResult, ensure};
use crate::model::prior::CLASSES;
use crate::model::{Autoencoder, AutoencoderConfig, CriticTerms, Network, Objective};
use crate::nn::classifier::Classifier;
use crate::nn::random;
use crate::train::fused_adam::FusedAdam;
use crate::train::gradients;
use crate::train::readback::{CollapseWatch, CriticReport, Pending, Readback};
use crate::train::replicas::{NoReplicas, Replicas, share_of};

mod config;
mod follower;

pub use config::TrainingConfig;

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
    /// The critic's mean loss and accuracy and the codes' spread since the previous report
    /// (adversarial models).
    pub critic: Option<CriticReport>,
    /// The call ended an epoch (evaluate now, if you wish).
    pub epoch_finished: bool,
    /// The run has done all its epochs.
    pub finished: bool,
}

/// How far a clustering code's centre moves toward each batch's mean logits (batch
/// normalization's default momentum).
const CENTRE_MOMENTUM: f64 = 0.1;

/// Adam with PyTorch's defaults (burn's epsilon default is 1e-5, PyTorch's 1e-8) but for the
/// first-moment decay `beta1`, which the objective chooses; fused into one pass on the CPU.
fn adam(beta1: f32) -> ModuleOptimizer {
    ModuleOptimizer::from(FusedAdam::new(beta1, 0.999, 1e-8))
}

/// What a network update adds to the figures read back.
enum Report {
    /// Its loss is the model's objective.
    Objective,
    /// The critic's loss, accuracy and code spread.
    Critic(CriticTerms),
    /// Nothing (the VAE-GAN decoder's own loss).
    Nothing,
}

/// One network's optimizer: its own Adam state and learning rate.
struct NetworkOptimizer {
    network: Network,
    optimizer: ModuleOptimizer,
    learning_rate: f64,
}

/// Owns a model being trained, an optimizer per network, the shuffling, and the last weights
/// known good.
pub struct Trainer {
    model: Autoencoder,
    /// The weights at the last finite readback, and at the last one before an adversarial
    /// game showed a symptom of collapse (what a collapse restores).
    last_good: Autoencoder,
    before_symptoms: Autoencoder,
    collapse: CollapseWatch,
    optimizers: Vec<NetworkOptimizer>,
    config: TrainingConfig,
    device: Device,
    rng: StdRng,
    order: Vec<usize>,
    /// The size of the training set the order indexes (the order may keep some classes only).
    train_len: usize,
    position: usize,
    epoch: usize,
    step: usize,
    /// The networks updated in one step, in order (see [`Trainer::schedule`]).
    schedule: Vec<Network>,
    /// A follower's place in the schedule of the current step, and that step's batch once taken.
    phase: usize,
    current_batch: Option<Range<usize>>,
    pending: Pending,
    /// Host-side sum and count of the objectives read back this epoch.
    epoch_loss: (f64, usize),
}

impl Trainer {
    /// A fresh model of `model_config` on `device` (autodiff is enabled here), ready to train on a
    /// set of `train_len` images.
    pub fn new(model_config: &AutoencoderConfig, config: TrainingConfig, device: &Device, train_len: usize) -> AeResult<Trainer> {
        ensure(!matches!(model_config.objective, Objective::FeatureConsistent { .. }), || {
            "a feature-consistent VAE reconstructs a trained network's features: start it with that network (Trainer::with_feature_network)".into()
        })?;
        Trainer::start(model_config, config, device, train_len, None)
    }

    /// A fresh feature-consistent VAE of `model_config` that measures its reconstructions in the
    /// features of the trained, fixed `network` (see [`Autoencoder::with_feature_network`]).
    pub fn with_feature_network(model_config: &AutoencoderConfig, config: TrainingConfig, device: &Device, train_len: usize, network: Classifier) -> AeResult<Trainer> {
        Trainer::start(model_config, config, device, train_len, Some(network))
    }

    fn start(model_config: &AutoencoderConfig, config: TrainingConfig, device: &Device, train_len: usize, network: Option<Classifier>) -> AeResult<Trainer> {
        config.validate(train_len)?;
        model_config.validate()?;
        let device = device.clone().autodiff();
        device.seed(config.seed);
        let mut model = model_config.init(&device)?;
        if let Some(network) = network {
            model = model.with_feature_network(network.to_device(&device))?;
        }
        Ok(Trainer::with_model(model, config, device, train_len))
    }

    /// Continues a run at `step` from `model`'s weights (loaded on `device.autodiff()`), as after a
    /// lost GPU: the shuffling is replayed so the remaining batches are the ones the run would have
    /// seen; the optimizers' moments start afresh.
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
        let schedule = Trainer::schedule(model.config());
        let optimizers = model
            .networks()
            .into_iter()
            .map(|network| {
                let learning_rate = match network {
                    Network::Autoencoder | Network::Encoder | Network::Decoder => config.learning_rate,
                    Network::Critic => model.config().critic.as_ref().map_or(config.learning_rate, |critic| critic.learning_rate),
                };
                NetworkOptimizer { network, optimizer: adam(model.config().objective.adam_beta1()), learning_rate }
            })
            .collect();
        Trainer {
            last_good: model.clone(),
            before_symptoms: model.clone(),
            collapse: CollapseWatch::default(),
            model,
            optimizers,
            config,
            device,
            rng,
            order,
            train_len,
            position: 0,
            epoch: 0,
            step: 0,
            schedule,
            phase: 0,
            current_batch: None,
            pending: Pending::default(),
            epoch_loss: (0.0, 0),
        }
    }

    /// The network updates of one step, in order: the critic's `k` updates first (so the
    /// encoder then fools a critic that has just learned), then the autoencoder's (or the
    /// encoder's and then the decoder's, when they train apart).
    pub fn schedule(config: &AutoencoderConfig) -> Vec<Network> {
        let critic_steps = config.critic.as_ref().map_or(0, |critic| critic.steps);
        let mut schedule = vec![Network::Critic; critic_steps];
        match config.objective.trains_encoder_and_decoder_apart() {
            true => schedule.extend([Network::Encoder, Network::Decoder]),
            false => schedule.push(Network::Autoencoder),
        }
        schedule
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

    /// Runs up to `max_steps` steps on `data`, stopping early at the end of an epoch. Reads the
    /// losses back every `readback_every` steps and at each epoch's end; if one is NaN or
    /// infinite, restores the last good weights and fails with [`AeError::Diverged`].
    pub async fn train_steps(&mut self, data: &Dataset, max_steps: usize) -> AeResult<Progress> {
        self.train_steps_with(data, max_steps, &mut NoReplicas).await
    }

    /// [`Trainer::train_steps`] with each batch split between this trainer (the leader, which
    /// takes the first share) and `replicas`: for every network update of a step, they compute
    /// their shares' gradients in parallel, the leader sums them and every replica applies the
    /// sum. The run is the same as on one trainer (the gradient of the batch's mean objective),
    /// but for the random draws (noise, a VAE's samples, prior samples), and, for the KL-sparse
    /// penalty, the code's mean activation is estimated per share. The call ends early, before
    /// a step, when `replicas` asks the run to yield.
    pub async fn train_steps_with(&mut self, data: &Dataset, max_steps: usize, replicas: &mut impl Replicas) -> AeResult<Progress> {
        self.check_data(data)?;
        let mut report = None;
        let mut critic_report = None;
        let mut epoch_finished = false;
        if self.position == 0 {
            self.epoch_loss = (0.0, 0);
        }
        for _ in 0..max_steps {
            if self.is_finished() || replicas.yield_now() {
                break;
            }
            self.step_with(data, replicas).await?;
            epoch_finished = self.wrap_epoch();
            if epoch_finished || self.pending.objective_steps >= self.config.readback_every {
                if let Some(readback) = self.read_back().await? {
                    report = Some(readback.objective);
                    critic_report = readback.critic.or(critic_report);
                }
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
            critic: critic_report,
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
        ensure(data.len() == self.train_len, || format!("this run was set up for {} training images, got {}", self.train_len, data.len()))?;
        self.model.check_images(data.shape())
    }

    /// Keeps to the images of the configuration's classes, if it names any (the one-class
    /// protocol): the order holds just them, shuffled from the run's seed. Called before the first
    /// step, by the leader and every replica alike, so that they keep the same order.
    pub fn restrict_to_classes(&mut self, data: &Dataset) -> AeResult<()> {
        let Some(classes) = self.config.classes.clone() else { return Ok(()) };
        self.check_data(data)?;
        ensure(self.step == 0, || "a run on some classes only starts at step 0".into())?;
        let mut order: Vec<usize> = (0..data.len()).filter(|&index| classes.contains(&data.label(index))).collect();
        ensure(order.len() >= self.config.batch_size, || {
            format!("batch size {} is larger than the {} training images of classes {classes:?}", self.config.batch_size, order.len())
        })?;
        self.rng = StdRng::seed_from_u64(self.config.seed);
        order.shuffle(&mut self.rng);
        self.order = order;
        Ok(())
    }

    /// The next batch's range in the shuffled order; moves on to the batch after it.
    fn next_batch(&mut self) -> Range<usize> {
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

    /// Gradients of `network`'s loss (update `phase` of the schedule) on the images at `share` of
    /// the order, a part of `batch`, scaled by the part of the batch they are (so that the shares'
    /// gradients sum to the batch's); with `record`, the loss joins the losses to read back. An
    /// empty share has no gradient (zeros). Its random draws are the batch's at its rows (see
    /// [`crate::nn::random`]), so that shares sum to what one trainer computes on the batch.
    fn gradients_of(&mut self, (network, phase): (Network, usize), data: &Dataset, batch: Range<usize>, share: Range<usize>, record: bool) -> GradientsParams {
        if share.is_empty() {
            return GradientsParams::new();
        }
        let rows = share.start - batch.start..share.end - batch.start;
        let seed = self.config.seed ^ (self.step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((phase as u64) << 56);
        let (loss, report) = random::with_batch_rows(seed, rows, batch.len(), || self.loss_of(network, data, share.clone()));
        let part = share.len() as f64 / batch.len() as f64;
        let scaled = if part < 1.0 { loss.clone() * part } else { loss.clone() };
        let gradients = gradients::of_network(&self.model, network, scaled.backward());
        if record {
            match report {
                Report::Objective => self.pending.add_objective(loss.detach()),
                Report::Critic(terms) => self.pending.add_critic(terms),
                Report::Nothing => {}
            }
        }
        gradients
    }

    /// `network`'s loss on the images at `share` of the order, and what of it to report.
    fn loss_of(&self, network: Network, data: &Dataset, share: Range<usize>) -> (Tensor<1>, Report) {
        let indices = &self.order[share];
        let clean = data.batch(indices, &self.device);
        let input = self.model.config().corruption.apply(clean.clone());
        let labels = self.model.config().objective.needs_labels().then(|| data.one_hot(indices, CLASSES, &self.device));
        match network {
            Network::Autoencoder | Network::Encoder => (self.model.trimmed_loss_and_logits(input, clean, labels, self.config.trim).0.objective, Report::Objective),
            // The encoder's loss is the objective the run reports; the decoder's is not.
            Network::Decoder => (self.model.decoder_loss(input).expect("the schedule has decoder updates only for a VAE-GAN"), Report::Nothing),
            Network::Critic => {
                let terms = self.model.critic_loss(input, labels).expect("the schedule has critic updates only for a model with a critic");
                (terms.loss.clone(), Report::Critic(terms))
            }
        }
    }

    fn apply(&mut self, network: Network, gradients: GradientsParams) {
        let slot = self.optimizers.iter_mut().find(|slot| slot.network == network).expect("an optimizer for every network");
        // Moved, not cloned, into the step (the placeholder holds the last readback's weights,
        // which the step does not touch): the fused Adam updates a weight nothing else holds in
        // place, where a clone would make it copy every weight at every step.
        let model = std::mem::replace(&mut self.model, self.last_good.clone());
        let (model, gradients) = model.follow_cluster_centre(gradients, CENTRE_MOMENTUM);
        self.model = slot.optimizer.step(slot.learning_rate, model, gradients);
    }

    fn apply_flat(&mut self, network: Network, sum: Vec<f32>) -> AeResult<()> {
        let gradients = gradients::unflatten(&self.model, network, sum, &self.device.clone().inner())?;
        self.apply(network, gradients);
        Ok(())
    }

    /// One step, alone or with `replicas` (see [`Trainer::train_steps_with`]): every network
    /// update of the schedule on the same batch.
    async fn step_with(&mut self, data: &Dataset, replicas: &mut impl Replicas) -> AeResult<()> {
        let batch = self.next_batch();
        let parts = replicas.count() + 1;
        // A loss on a statistic of the whole batch is not a sum over shares (see
        // `TrainingConfig::shares_batches`): such a batch is not shared, and the replicas apply
        // what the leader computed on all of it.
        let shared = parts > 1 && self.config.shares_batches(self.model.config());
        for phase in 0..self.schedule.len() {
            let network = self.schedule[phase];
            if parts == 1 {
                let gradients = self.gradients_of((network, phase), data, batch.clone(), batch.clone(), true);
                self.apply(network, gradients);
                continue;
            }
            if shared {
                replicas.start_shares();
            }
            let own_share = if shared { share_of(batch.clone(), 0, parts) } else { batch.clone() };
            let own = self.gradients_of((network, phase), data, batch.clone(), own_share, true);
            let mut sum = gradients::flatten(&self.model, network, own).await?;
            let completed_there = shared && replicas.offer_own(&sum);
            if shared {
                for other in replicas.collect().await? {
                    gradients::accumulate(&mut sum, &other)?;
                }
            }
            // The replicas first: their next share waits on this, the leader's does not. They
            // are asked for that share at once (unless the visitor draws), so that they go on
            // to it without waiting for the leader's update and a message from it. A call that
            // ends after this step leaves that share to the next call; a run that ends leaves it
            // uncollected, and the next run's join discards it.
            if !completed_there {
                replicas.apply(&sum);
            }
            if shared && !replicas.yield_now() {
                replicas.start_shares();
            }
            self.apply_flat(network, sum)?;
        }
        Ok(())
    }

    /// Reads the pending sums back in one readback. A value that is not finite restores the last
    /// good weights and fails; a collapsed adversarial game restores the weights from before its
    /// symptoms began and fails.
    async fn read_back(&mut self) -> AeResult<Option<Readback>> {
        let Some(readback) = std::mem::take(&mut self.pending).read().await? else { return Ok(None) };
        if let Some(loss) = readback.non_finite() {
            self.restore(self.last_good.clone());
            return Err(AeError::Diverged { epoch: self.epoch, step: self.step, loss });
        }
        if let Some(reason) = self.collapse.observe(&readback) {
            self.restore(self.before_symptoms.clone());
            self.collapse = CollapseWatch::default();
            return Err(AeError::Collapsed { step: self.step, reason });
        }
        self.last_good = self.model.clone();
        if !self.collapse.symptomatic() {
            self.before_symptoms = self.model.clone();
        }
        self.epoch_loss.0 += readback.objective_sum as f64;
        self.epoch_loss.1 += readback.steps;
        Ok(Some(readback))
    }

    /// Puts `weights` back, with fresh optimizers (their moments led where the run went wrong).
    fn restore(&mut self, weights: Autoencoder) {
        self.model = weights.clone();
        self.last_good = weights.clone();
        self.before_symptoms = weights;
        let beta1 = self.model.config().objective.adam_beta1();
        self.optimizers.iter_mut().for_each(|slot| slot.optimizer = adam(beta1));
    }
}

/// Trains a fresh model of `model_config` on `data` for all of `training`'s epochs and returns
/// it without autodiff: for commands that need a trained model, not the run's progress.
pub async fn train_model(model_config: &AutoencoderConfig, training: &TrainingConfig, data: &Dataset, device: &Device) -> AeResult<Autoencoder> {
    train_model_with(model_config, training, data, device, None).await
}

/// [`train_model`], a feature-consistent VAE with its `feature_network`.
pub async fn train_model_with(model_config: &AutoencoderConfig, training: &TrainingConfig, data: &Dataset, device: &Device, feature_network: Option<Classifier>) -> AeResult<Autoencoder> {
    let mut trainer = match feature_network {
        Some(network) => Trainer::with_feature_network(model_config, training.clone(), device, data.len(), network)?,
        None => Trainer::new(model_config, training.clone(), device, data.len())?,
    };
    while !trainer.is_finished() {
        trainer.train_steps(data, usize::MAX).await?;
    }
    Ok(trainer.model())
}
