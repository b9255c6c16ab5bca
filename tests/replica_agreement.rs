//! Data-parallel training is exact, for every preset: a batch shared between 2 or 3 replicas gives
//! shares whose gradients sum to the gradient one trainer computes on the whole batch, for every
//! network update of the step (critic, encoder, decoder), random draws included (noise, a VAE's
//! samples, prior samples, dropout, binarization: each drawn per row of the batch). A preset whose
//! penalty is a statistic of the batch (KL sparsity, MMD) is not shared: its replicas end where a
//! lone trainer does.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use std::cell::Cell;

use aestudio::backend::cpu_device;
use aestudio::error::AeResult;
use aestudio::model::{Architecture, AutoencoderConfig, Objective, Preset, weights};
use aestudio::train::gradients::accumulate;
use aestudio::train::{Replicas, Trainer, TrainingConfig};
use aestudio::uses::classifier::load_classifier;
use common::{Followers, mnist};
use pollster::block_on;

/// The preset's model, narrowed so that twenty of them train in seconds: the same objective,
/// prior, corruption and kind of network.
fn narrow(preset: Preset) -> AutoencoderConfig {
    let mut config = preset.config();
    config.architecture = match config.architecture {
        Architecture::Mlp { hidden } => Architecture::Mlp { hidden: vec![24; hidden.len()] },
        Architecture::Conv { .. } => Architecture::Conv { channels: [4, 8] },
        Architecture::PixelCnn { .. } => Architecture::PixelCnn { channels: [4, 8], pixel_channels: 8, layers: 1 },
    };
    if let Some(critic) = config.critic.as_mut() {
        critic.hidden = vec![16; critic.hidden.len()];
    }
    config
}

/// A trainer of `config` from the same starting weights each time it is called.
fn replicas_of(config: &AutoencoderConfig, training: &TrainingConfig, train_len: usize) -> impl Fn() -> Trainer {
    let device = cpu_device();
    let fresh = match config.objective {
        Objective::FeatureConsistent { .. } => {
            let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/classifier-mnist.safetensors")).unwrap();
            let network = load_classifier(&bytes, &device).unwrap().0;
            Trainer::with_feature_network(config, training.clone(), &device, train_len, network).unwrap()
        }
        _ => Trainer::new(config, training.clone(), &device, train_len).unwrap(),
    };
    let start = block_on(weights::save(&fresh.model(), "start")).unwrap();
    let training = training.clone();
    move || {
        let model = weights::load(&start, &device.clone().autodiff()).unwrap().model;
        Trainer::resume(model, training.clone(), &device, train_len, 0).unwrap()
    }
}

/// Every parameter of a trainer's model by name, as raw bytes (a weight file's metadata aside).
fn parameters(trainer: &Trainer) -> std::collections::BTreeMap<String, Vec<u8>> {
    let file = block_on(weights::save(&trainer.model(), "run")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&file).unwrap();
    tensors.tensors().into_iter().map(|(name, view)| (name, view.data().to_vec())).collect()
}

/// The largest difference between two flat gradients, against the largest value of the first.
fn relative_difference(expected: &[f32], actual: &[f32]) -> f32 {
    let scale = expected.iter().fold(0f32, |m, g| m.max(g.abs()));
    let worst = expected.iter().zip(actual).fold(0f32, |m, (e, a)| m.max((e - a).abs()));
    worst / scale.max(f32::MIN_POSITIVE)
}

#[test]
fn every_presets_shared_batch_sums_to_the_whole_batchs_gradient() {
    let data = mnist().train.take(96);
    let training = TrainingConfig::new().with_batch_size(32).with_epochs(1).with_seed(11);
    for preset in Preset::ALL {
        let config = narrow(preset);
        if config.objective.uses_batch_statistic() {
            continue; // not shared: the next test
        }
        let replica = replicas_of(&config, &training, data.len());
        let updates = Trainer::schedule(&config).len();
        for parts in [2, 3] {
            let mut whole = replica();
            let mut shares: Vec<Trainer> = (0..parts).map(|_| replica()).collect();
            // Two steps: the second starts from weights the first moved.
            for update in 0..2 * updates {
                let expected = block_on(whole.share_gradients(&data, 0, 1)).unwrap();
                let mut sum = vec![0f32; expected.len()];
                for (part, trainer) in shares.iter_mut().enumerate() {
                    accumulate(&mut sum, &block_on(trainer.share_gradients(&data, part, parts)).unwrap()).unwrap();
                }
                let difference = relative_difference(&expected, &sum);
                assert!(difference < 1e-4, "{}: update {update} shared by {parts} differs from the whole batch's by {difference:e}", preset.name());
                whole.apply_gradients(expected.clone()).unwrap();
                shares.iter_mut().for_each(|trainer| trainer.apply_gradients(expected.clone()).unwrap());
            }
        }
    }
}

#[test]
fn a_batch_statistic_is_not_shared_and_replicas_train_as_one_trainer_does() {
    let data = mnist().train.take(96);
    let training = TrainingConfig::new().with_batch_size(32).with_epochs(2).with_readback_every(3).with_seed(11);
    let presets: Vec<Preset> = Preset::ALL.into_iter().filter(|preset| preset.config().objective.uses_batch_statistic()).collect();
    assert_eq!(presets, [Preset::SparseKl, Preset::AaeClusters, Preset::WaeMmd]);
    for preset in presets {
        let config = narrow(preset);
        let replica = replicas_of(&config, &training, data.len());
        let mut alone = replica();
        // A call stops at an epoch's end: calls until five steps, across it (3 steps an epoch).
        while alone.step() < 5 {
            block_on(alone.train_steps(&data, 5 - alone.step())).unwrap();
        }
        let lone = parameters(&alone);
        for followers in [1, 2] {
            let mut leader = replica();
            let mut others = Followers::new((0..followers).map(|_| replica()).collect(), &data);
            while leader.step() < 5 {
                block_on(leader.train_steps_with(&data, 5 - leader.step(), &mut others)).unwrap();
            }
            assert_eq!(leader.step(), 5);
            assert!(parameters(&leader) == lone, "{}: a leader with {followers} followers ends away from a lone trainer", preset.name());
            for follower in &others.trainers {
                assert_eq!(follower.step(), 5);
                assert!(parameters(follower) == lone, "{}: a follower's weights differ", preset.name());
            }
        }
    }
}


#[test]
fn a_run_asked_to_yield_ends_its_call_before_the_next_step_and_resumes_in_step() {
    // While the visitor draws, the page's pool asks the run to yield: the call returns before
    // its next step, and the next call goes on as if nothing had happened (the weights of the
    // same run never asked to yield, bit for bit, with the followers in step).
    let data = mnist().train.take(96);
    let training = TrainingConfig::new().with_batch_size(32).with_epochs(2).with_readback_every(3).with_seed(11);
    // One follower completes each sum itself (`Replicas::offer_own`), two are sent the sum.
    for (preset, followers) in [Preset::Dae, Preset::Aae].into_iter().flat_map(|preset| [(preset, 1), (preset, 2)]) {
        let config = narrow(preset);
        let replica = replicas_of(&config, &training, data.len());
        let mut reference = replica();
        let mut never_yielding = Followers::new((0..followers).map(|_| replica()).collect(), &data);
        while reference.step() < 5 {
            block_on(reference.train_steps_with(&data, 5 - reference.step(), &mut never_yielding)).unwrap();
        }
        let mut leader = replica();
        let mut others = Yielding { followers: Followers::new((0..followers).map(|_| replica()).collect(), &data), after: Cell::new(2) };
        block_on(leader.train_steps_with(&data, 5, &mut others)).unwrap();
        assert_eq!(leader.step(), 2, "{} with {followers}: the call ended when asked to yield", preset.name());
        let progress = block_on(leader.train_steps_with(&data, 5, &mut others)).unwrap();
        assert_eq!(progress.step, 2, "{}: no step while the pool yields", preset.name());
        others.after.set(usize::MAX);
        while leader.step() < 5 {
            block_on(leader.train_steps_with(&data, 5 - leader.step(), &mut others)).unwrap();
        }
        assert!(parameters(&leader) == parameters(&reference), "{} with {followers}: the run went on as one run", preset.name());
        for follower in &others.followers.trainers {
            assert_eq!(follower.step(), 5);
            assert!(parameters(follower) == parameters(&leader), "{} with {followers}: a follower left the leader's weights", preset.name());
        }
    }
}

/// Followers that ask the run to yield once `after` steps have been taken (counted by the sums
/// applied).
struct Yielding<'a> {
    followers: Followers<'a>,
    after: Cell<usize>,
}

impl Replicas for Yielding<'_> {
    fn count(&self) -> usize {
        self.followers.count()
    }
    fn start_shares(&mut self) {}
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>> {
        self.followers.collect().await
    }
    fn apply(&mut self, sum: &[f32]) {
        self.followers.apply(sum);
    }
    fn offer_own(&mut self, own: &[f32]) -> bool {
        self.followers.offer_own(own)
    }
    fn yield_now(&self) -> bool {
        self.followers.trainers[0].step() >= self.after.get()
    }
}
