//! The bidirectional GAN (BiGAN / ALI): its loss, its critic of (image, code) pairs, and the
//! critic's dropout.

use aestudio::backend::cpu_device;
use aestudio::data::PIXELS;
use aestudio::model::{Architecture, AutoencoderConfig, CriticConfig, Objective, PenaltyInputs, Preset, weights};
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
    let inputs = PenaltyInputs { code: tensor2(&[&[0.0], &[1.0]]), jacobian_norm: None, critic_logits: Some(vec![encoded, generated]) };
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
