//! A model of two networks (an adversarial AE and its critic) trained data-parallel, alone in its
//! test binary: the device's random stream is shared by the tests of one binary, which run
//! together, so in a shared binary its seeded run (and whether the reconstruction falls by a
//! fifth in 14 steps) depended on what the other tests drew meanwhile.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::model::{Architecture, AutoencoderConfig, Objective, Preset, weights};
use aestudio::train::{Trainer, TrainingConfig, evaluate};
use common::{Followers, mnist};

/// Every tensor of a weight file by name, as raw bytes.
fn parameters(file: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let tensors = safetensors::SafeTensors::deserialize(file).unwrap();
    tensors.tensors().into_iter().map(|(name, view)| (name, view.data().to_vec())).collect()
}

#[test]
fn two_networks_train_with_their_own_optimizers_and_replicas_stay_identical() {
    use aestudio::model::{CriticConfig, Network};
    use pollster::block_on;
    let data = mnist().train.take(600);
    let test = mnist().test.take(300);
    // An adversarial AE: a critic on the codes (two updates per step, its own learning rate)
    // and the autoencoder that reconstructs and fools it.
    let critic = CriticConfig { hidden: vec![32], learning_rate: 5e-4, steps: 2, dropout: 0.0 };
    let model_config = AutoencoderConfig { code_size: 4, ..Preset::Ae.config() }
        .with_architecture(Architecture::Mlp { hidden: vec![64] })
        .with_objective(Objective::Adversarial { weight: 0.05, prior: aestudio::model::Prior::Gaussian })
        .with_critic(Some(critic));
    assert_eq!(Trainer::schedule(&model_config), vec![Network::Critic, Network::Critic, Network::Autoencoder]);
    let config = TrainingConfig::new().with_batch_size(60).with_epochs(2).with_readback_every(4).with_seed(5);
    let device = cpu_device();
    let fresh = Trainer::new(&model_config, config.clone(), &device, data.len()).unwrap();
    assert_eq!(fresh.model().networks(), vec![Network::Autoencoder, Network::Critic]);
    let start = block_on(weights::save(&fresh.model(), "start")).unwrap();
    let replica = || {
        let model = weights::load(&start, &device.clone().autodiff()).unwrap().model;
        Trainer::resume(model, config.clone(), &device, data.len(), 0).unwrap()
    };
    let before = block_on(evaluate(&fresh.model(), &test, 300)).unwrap();
    for followers in [1, 2] {
        let mut leader = replica();
        let mut replicas = Followers::new((0..followers).map(|_| replica()).collect(), &data);
        let mut critic_losses = Vec::new();
        // 14 steps: across the end of the first epoch (10 steps), where every replica reshuffles.
        for _ in 0..4 {
            let progress = block_on(leader.train_steps_with(&data, 4, &mut replicas)).unwrap();
            critic_losses.extend(progress.critic.map(|critic| critic.loss));
        }
        assert_eq!(leader.step(), 14);
        // Every replica applied the sums the leader did, for both networks: the same parameters.
        let saved = |trainer: &Trainer| parameters(&block_on(weights::save(&trainer.model(), "run")).unwrap());
        for follower in &replicas.trainers {
            assert!(saved(&leader) == saved(follower), "with {followers} replicas, a replica's weights differ from the leader's");
        }
        // Both networks learned: the critic's loss was read back, finite, and its weights moved;
        // the autoencoder reconstructs better.
        assert!(!critic_losses.is_empty() && critic_losses.iter().all(|loss| loss.is_finite()), "critic losses {critic_losses:?}");
        let (now, initial) = (saved(&leader), parameters(&start));
        for network in ["encoder.", "decoder.", "critic."] {
            let moved = now.iter().filter(|(name, values)| name.starts_with(network) && initial[*name] != **values).count();
            assert!(moved > 0, "no {network} parameter changed");
        }
        let after = block_on(evaluate(&leader.model(), &test, 300)).unwrap();
        assert!(after.reconstruction < 0.8 * before.reconstruction, "reconstruction {} -> {}", before.reconstruction, after.reconstruction);
        assert!(after.penalty.is_some_and(f64::is_finite), "the fooling term is evaluated: {:?}", after.penalty);
    }
    // The critic's parameters are in the weight file and load back into the same model.
    let names = safetensors::SafeTensors::deserialize(&start).unwrap().names().iter().filter(|name| name.starts_with("critic.")).count();
    assert_eq!(names, 4, "two critic layers, a weight and a bias each");
}

