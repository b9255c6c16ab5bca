//! The models with a GAN inside: the bidirectional GAN (BiGAN / ALI), its critic of (image,
//! code) pairs and the critics' dropout; VAE-GAN, its image critic and its three networks.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::data::PIXELS;
use aestudio::model::{Architecture, AutoencoderConfig, CriticConfig, Network, Objective, PenaltyInputs, Preset, weights};
use aestudio::train::{Trainer, TrainingConfig};
use burn::prelude::*;
use pollster::block_on;

mod common;
use common::{mnist, tensor2};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn the_bidirectional_loss_swaps_the_critics_labels_by_hand() {
    // Encoded pairs should be called generated (1): -ln σ(l); generated pairs encoded (0):
    // -ln(1 - σ(l)). Logits 0 and ln 3 for the first, 0 and -ln 3 for the second: each half
    // costs (ln 2 + ln(4/3)) / 2.
    let encoded = tensor2(&[&[0.0], &[3f32.ln()]]);
    let generated = tensor2(&[&[0.0], &[-(3f32.ln())]]);
    let inputs = PenaltyInputs { code: tensor2(&[&[0.0], &[1.0]]), jacobian_norm: None, critic_logits: Some(vec![encoded, generated]), feature_distance: None, view_consistency: None };
    let penalty = values(Objective::Bidirectional.penalty(inputs).unwrap())[0] as f64;
    let expected = 2f64.ln() + (4.0f64 / 3.0).ln();
    assert!((penalty - expected).abs() < 1e-6, "{penalty} against {expected}");
}

#[test]
fn a_bigan_judges_image_and_code_pairs_and_its_loss_is_the_game_alone() {
    let device = cpu_device();
    device.seed(1);
    let config = AutoencoderConfig { architecture: Architecture::Mlp { hidden: vec![32] }, ..Preset::Bigan.config() };
    let model = config.init(&device).unwrap();
    let bytes = block_on(weights::save(&model, "test")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let first = file.tensor("critic.network.layers.0.weight").unwrap();
    assert_eq!(first.shape(), &[PIXELS + 50, 256], "the critic sees an image and its code side by side");
    let images = mnist().test.batch(&[0, 1, 2, 3], &device);
    let terms = model.loss(images.clone(), images.clone());
    let (objective, penalty) = (values(terms.objective)[0], values(terms.penalty.unwrap())[0]);
    assert_eq!(objective, penalty, "no reconstruction term: the objective is the adversarial game");
    assert!(values(terms.reconstruction).iter().all(|r| r.is_finite() && *r > 0.0), "the reconstruction is still measured");
    let critic = model.critic_loss(images, None).unwrap();
    let accuracy = values(critic.accuracy)[0];
    assert!((0.0..=1.0).contains(&accuracy) && values(critic.loss)[0].is_finite());
}

#[test]
fn a_critic_drops_its_inputs_while_training_only() {
    let device = cpu_device();
    device.seed(2);
    let critic_config = CriticConfig { dropout: 0.5, ..CriticConfig::default() };
    let critic = critic_config.init(vec![0..8], 0, &device.clone().autodiff());
    let codes = Tensor::<2>::ones([16, 8], &device.clone().autodiff());
    let (first, second) = (values(critic.forward(codes.clone(), None).remove(0)), values(critic.forward(codes, None).remove(0)));
    assert_ne!(first, second, "two training passes draw two dropout masks");
    let frozen = critic.valid();
    let codes = Tensor::<2>::ones([16, 8], &device);
    let (first, second) = (values(frozen.forward(codes.clone(), None).remove(0)), values(frozen.forward(codes, None).remove(0)));
    assert_eq!(first, second, "inference is deterministic");
    assert!(CriticConfig { dropout: 0.95, ..CriticConfig::default() }.validate().is_err());
}

#[test]
fn the_image_critics_features_are_standardized_per_image() {
    let device = cpu_device();
    device.seed(4);
    let critic = Objective::VaeGan { gamma: 0.01 }.default_critic().unwrap().init_image(&device);
    let features = values(critic.features(mnist().test.batch(&[0, 1, 2], &device)));
    for row in features.chunks(aestudio::model::discriminator::FEATURES) {
        let mean = row.iter().map(|&v| v as f64).sum::<f64>() / row.len() as f64;
        let variance = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / row.len() as f64;
        // The variance is var / (var + 1e-5): a hair under 1 for small features.
        assert!(mean.abs() < 1e-4 && (variance - 1.0).abs() < 1e-2, "mean {mean}, variance {variance}");
    }
}

#[test]
fn a_vae_gan_trains_three_networks_apart_and_learns_to_reconstruct_through_features() {
    let device = cpu_device();
    let config = AutoencoderConfig { architecture: Architecture::Mlp { hidden: vec![64] }, ..Preset::VaeGan.config() };
    let model = config.init(&device).unwrap();
    assert_eq!(model.networks(), vec![Network::Encoder, Network::Decoder, Network::Critic]);
    assert_eq!(Trainer::schedule(&config), vec![Network::Critic, Network::Encoder, Network::Decoder]);
    let bytes = block_on(weights::save(&model, "test")).unwrap();
    let names: Vec<String> = safetensors::SafeTensors::deserialize(&bytes).unwrap().names().into_iter().map(String::from).collect();
    assert!(names.iter().any(|n| n.starts_with("discriminator.conv1")) && !names.iter().any(|n| n.starts_with("critic.")), "{names:?}");
    assert_eq!(weights::load(&bytes, &device).unwrap().model.config(), model.config());
    // The encoder's loss (KL + the distance in the critic's features) and the decoder's.
    let images = mnist().test.batch(&(0..64).collect::<Vec<_>>(), &device);
    let terms = model.loss(images.clone(), images.clone());
    let (kl, distance) = (values(terms.kl.unwrap()), values(terms.penalty.unwrap())[0]);
    let expected = kl.iter().sum::<f32>() / kl.len() as f32 + distance;
    assert!((values(terms.objective)[0] - expected).abs() < 1e-3 * expected, "the encoder's loss is KL + feature distance");
    assert!(values(model.decoder_loss(images.clone()).unwrap())[0].is_finite());
    // Two epochs on 2,000 images: trained through the critic's features alone, the
    // reconstructions come closer to the images in pixels too. (The distance in the features
    // themselves is no yardstick: the critic reshapes them as it learns.)
    let data = mnist().train.take(2000);
    let training = TrainingConfig::new().with_epochs(2).with_batch_size(50).with_seed(3);
    let mut trainer = Trainer::new(&config, training, &device, data.len()).unwrap();
    let distance_of = |trainer: &Trainer| {
        let pixels = values(trainer.model().loss(images.clone(), images.clone()).reconstruction);
        pixels.iter().sum::<f32>() / pixels.len() as f32
    };
    let before = distance_of(&trainer);
    while !trainer.is_finished() {
        block_on(trainer.train_steps(&data, usize::MAX)).unwrap();
    }
    let after = distance_of(&trainer);
    assert!(after < 0.8 * before, "pixel cross-entropy per image {before} -> {after}");
}
