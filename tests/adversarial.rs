//! Native tests of the survey's section 5, part 1: the priors, the critic's and the MMD's losses
//! against hand values, the sample-quality yardstick (Fréchet distance, class coverage, the
//! classifier), and the adversarial and Wasserstein autoencoders learning their priors.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs


use aestudio::backend::cpu_device;
use aestudio::model::critic::critic_loss;
use aestudio::model::{AutoencoderConfig, Objective, Preset, Prior, weights};
use aestudio::nn::loss::mmd_inverse_multiquadratic;
use aestudio::train::{TrainingConfig, train_model};
use aestudio::uses::classifier::{ClassifierConfig, load_classifier, save_classifier, train_classifier};
use aestudio::uses::explore;
use aestudio::uses::quality::{FeatureStatistics, class_coverage, frechet_distance};
use burn::prelude::*;
use pollster::block_on;

mod common;
use common::{Followers, mnist, tensor2};



fn scalar(tensor: Tensor<1>) -> f64 {
    tensor.into_data().try_to_vec::<f32>().unwrap()[0] as f64
}

#[test]
fn the_critic_loss_is_binary_cross_entropy_by_hand() {
    // D(prior) = σ(2), σ(−1); D(code) = σ(0.5), σ(−3).
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let real = -(sigmoid(2.0).ln() + sigmoid(-1.0).ln()) / 2.0;
    let fake = -((1.0 - sigmoid(0.5)).ln() + (1.0 - sigmoid(-3.0)).ln()) / 2.0;
    let loss = scalar(critic_loss(tensor2(&[&[2.0], &[-1.0]]), tensor2(&[&[0.5], &[-3.0]])));
    assert!((loss - (real + fake) / 2.0).abs() < 1e-6, "{loss} against {}", (real + fake) / 2.0);
}

/// The unbiased MMD² with the inverse multiquadratic kernel, in plain f64 loops.
fn mmd_by_hand(x: &[[f64; 2]], y: &[[f64; 2]]) -> f64 {
    let distance = |a: &[f64; 2], b: &[f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let mut total = 0.0;
    for scale in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0] {
        let c = 2.0 * 2.0 * scale;
        let k = |a: &[f64; 2], b: &[f64; 2]| c / (c + distance(a, b));
        let within = |set: &[[f64; 2]]| {
            let n = set.len() as f64;
            let mut sum = 0.0;
            for (i, a) in set.iter().enumerate() {
                for (j, b) in set.iter().enumerate() {
                    if i != j {
                        sum += k(a, b);
                    }
                }
            }
            sum / (n * (n - 1.0))
        };
        let across: f64 = x.iter().flat_map(|a| y.iter().map(move |b| k(a, b))).sum::<f64>() * 2.0 / (x.len() * y.len()) as f64;
        total += within(x) + within(y) - across;
    }
    total
}

#[test]
fn the_mmd_penalty_matches_a_hand_computation_and_vanishes_for_one_distribution() {
    let codes = [[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]];
    let prior = [[0.1, 0.2], [-0.3, 0.0], [1.0, -1.5], [0.0, 0.7]];
    let as_rows = |points: &[[f64; 2]]| points.iter().map(|p| [p[0] as f32, p[1] as f32]).collect::<Vec<_>>();
    let (x, y) = (as_rows(&codes), as_rows(&prior));
    let rows = |points: &[[f32; 2]]| tensor2(&points.iter().map(|p| p.as_slice()).collect::<Vec<_>>());
    let mmd = scalar(mmd_inverse_multiquadratic(rows(&x), rows(&y), 1.0));
    assert!((mmd - mmd_by_hand(&codes, &prior)).abs() < 1e-5, "{mmd} against {}", mmd_by_hand(&codes, &prior));
    // Two large samples of the same distribution: near 0; of distributions apart: far from it.
    let device = cpu_device();
    device.seed(3);
    let normal = |shift: f64| Tensor::<2>::random([500, 2], burn::tensor::Distribution::Normal(shift, 1.0), &device);
    let same = scalar(mmd_inverse_multiquadratic(normal(0.0), normal(0.0), 1.0));
    let apart = scalar(mmd_inverse_multiquadratic(normal(0.0), normal(2.0), 1.0));
    assert!(same.abs() < 0.01 && apart > 20.0 * same.abs().max(1e-3), "same {same}, apart {apart}");
}

#[test]
fn the_ring_prior_puts_each_class_on_its_own_component() {
    let device = cpu_device();
    device.seed(1);
    let ring = Prior::Ring { radius: 4.0, std: 0.1, labelled: true };
    let labels: Vec<usize> = (0..10).flat_map(|k| [k; 20]).collect();
    let mut one_hot = vec![0f32; labels.len() * 10];
    for (row, &k) in labels.iter().enumerate() {
        one_hot[row * 10 + k] = 1.0;
    }
    let one_hot = Tensor::from_data(TensorData::new(one_hot, [labels.len(), 10]), &device);
    let samples = ring.sample(labels.len(), 2, 1.0, Some(one_hot), &device).into_data().try_to_vec::<f32>().unwrap();
    for (point, &k) in samples.chunks(2).zip(&labels) {
        let angle = 2.0 * std::f64::consts::PI * k as f64 / 10.0;
        let (x, y) = (4.0 * angle.cos(), 4.0 * angle.sin());
        let off = ((point[0] as f64 - x).powi(2) + (point[1] as f64 - y).powi(2)).sqrt();
        assert!(off < 0.6, "class {k}'s sample {point:?} is {off} from its centre ({x:.2}, {y:.2})");
    }
    assert!(Prior::Ring { radius: 4.0, std: 0.5, labelled: false }.validate(8).is_err(), "a ring needs a 2-D code");
}

#[test]
fn the_frechet_distance_has_its_closed_form_and_class_coverage_counts_classes() {
    // 1-D: (μa − μb)² + σa² + σb² − 2σaσb, from the sets' own statistics.
    let a = [1.0f32, 2.0, 3.0, 4.0];
    let b = [2.0f32, 6.0, 4.0, 8.0];
    let (sa, sb) = (FeatureStatistics::of(&a, 1).unwrap(), FeatureStatistics::of(&b, 1).unwrap());
    let (va, vb) = (sa.covariance[(0, 0)], sb.covariance[(0, 0)]);
    let expected = (sa.mean[0] - sb.mean[0]).powi(2) + va + vb - 2.0 * (va * vb).sqrt();
    assert!((frechet_distance(&sa, &sb).unwrap() - expected).abs() < 1e-9);
    assert!((va - 5.0 / 3.0).abs() < 1e-12 && (sb.mean[0] - 5.0).abs() < 1e-12);
    // A 3-D set against itself: 0.
    let c: Vec<f32> = (0..60).map(|i| ((i * 37) % 11) as f32 * 0.3 + (i % 3) as f32).collect();
    let sc = FeatureStatistics::of(&c, 3).unwrap();
    assert!(frechet_distance(&sc, &sc).unwrap().abs() < 1e-6);
    let even = class_coverage(&[0, 1, 0, 1], 2).unwrap();
    assert!((even.evenness - 1.0).abs() < 1e-12 && even.covered == 2);
    let collapsed = class_coverage(&[3, 3, 3, 3], 10).unwrap();
    assert!(collapsed.evenness.abs() < 1e-12 && collapsed.covered == 1);
}

#[test]
fn the_classifier_learns_digits_and_its_file_round_trips() {
    let device = cpu_device();
    let config = ClassifierConfig::new();
    let classifier = block_on(train_classifier(&config, &mnist().train.take(12_000), 2, 1, &device)).unwrap();
    let test = mnist().test.take(1000);
    let accuracy = block_on(classifier.accuracy(&test, &device)).unwrap();
    assert!(accuracy > 0.9, "test accuracy {accuracy} (12,000 images, two epochs)");
    let bytes = block_on(save_classifier(&classifier, &config, "test")).unwrap();
    let (loaded, provenance) = load_classifier(&bytes, &device).unwrap();
    assert_eq!(provenance, "test");
    let pixels = test.take(50).scaled_pixels();
    assert_eq!(block_on(loaded.predict(&pixels, &device)).unwrap(), block_on(classifier.predict(&pixels, &device)).unwrap());
    // An autoencoder's file is not a classifier's, and the other way round.
    assert!(weights::load(&bytes, &device).unwrap_err().to_string().contains("not an aestudio model"));
}

#[test]
fn a_wasserstein_autoencoder_trains_and_samples_from_its_prior() {
    let device = cpu_device();
    let train = mnist().train.take(5000);
    let model = block_on(train_model(&Preset::WaeMmd.config(), &TrainingConfig::new().with_epochs(2).with_seed(1), &train, &device)).unwrap();
    assert_eq!(model.config().objective, Objective::Mmd { lambda: 10.0 });
    let eval = block_on(aestudio::train::evaluate(&model, &mnist().test.take(500), 250)).unwrap();
    assert!(eval.penalty.is_some_and(|mmd| mmd.is_finite() && mmd < 0.5), "MMD penalty {:?}", eval.penalty);
    assert!(eval.mse_per_pixel < 0.06, "test MSE {}", eval.mse_per_pixel);
    let samples = explore::sample_prior(&model, 16, 1.0, &device).unwrap().into_data().try_to_vec::<f32>().unwrap();
    let ink: Vec<f32> = samples.chunks(784).map(|image| image.iter().sum::<f32>()).collect();
    assert!(ink.iter().all(|&sum| sum > 20.0), "blank samples: ink {ink:?}");
}

#[test]
fn every_new_model_trains_data_parallel_with_identical_replicas() {
    use aestudio::train::Trainer;
    let device = cpu_device();
    let data = mnist().train.take(400);
    let training = TrainingConfig::new().with_batch_size(50).with_epochs(2).with_readback_every(3).with_seed(2);
    let small = |preset: Preset| AutoencoderConfig { architecture: aestudio::model::Architecture::Mlp { hidden: vec![32] }, ..preset.config() };
    for preset in [Preset::Aae, Preset::AaeLabelled, Preset::AaeClusters, Preset::WaeMmd, Preset::WaeGan, Preset::Bigan, Preset::VaeGan, Preset::LinearAe] {
        let config = small(preset);
        let start = block_on(weights::save(&Trainer::new(&config, training.clone(), &device, data.len()).unwrap().model(), "start")).unwrap();
        let replica = || Trainer::resume(weights::load(&start, &device.clone().autodiff()).unwrap().model, training.clone(), &device, data.len(), 0).unwrap();
        let mut leader = replica();
        let mut follower = Followers::new(vec![replica()], &data);
        // 12 steps: across the end of the first epoch (8 steps).
        for _ in 0..3 {
            block_on(leader.train_steps_with(&data, 4, &mut follower)).unwrap();
        }
        let parameters = |trainer: &Trainer| {
            let bytes = block_on(weights::save(&trainer.model(), "run")).unwrap();
            let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
            let mut tensors: Vec<(String, Vec<u8>)> = file.tensors().into_iter().map(|(name, view)| (name, view.data().to_vec())).collect();
            tensors.sort();
            tensors
        };
        assert_eq!(leader.step(), 12, "{}", preset.name());
        assert!(parameters(&leader) == parameters(&follower.trainers[0]), "{}: the replica's weights differ from the leader's", preset.name());
    }
}

#[test]
fn an_adversarial_file_keeps_its_critic_and_a_mismatched_one_is_refused() {
    let device = cpu_device();
    let small = AutoencoderConfig { architecture: aestudio::model::Architecture::Mlp { hidden: vec![16] }, ..Preset::AaeLabelled.config() };
    let model = small.init(&device).unwrap();
    let bytes = block_on(weights::save(&model, "test")).unwrap();
    let loaded = weights::load(&bytes, &device).unwrap().model;
    assert_eq!(loaded.config(), model.config(), "the prior and the critic's settings come back");
    assert_eq!(loaded.networks().len(), 2, "the critic comes back");
    // The same tensors under a configuration without a critic: the critic's tensors are refused.
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let config = serde_json::to_string(&AutoencoderConfig { objective: Objective::Reconstruction, critic: None, ..small.clone() }).unwrap();
    let stored = serde_json::to_string(&serde_json::to_string(model.config()).unwrap()).unwrap();
    let replacement = serde_json::to_string(&config).unwrap();
    assert!(header.contains(&stored), "the header holds the configuration");
    let header = header.replacen(&stored, &replacement, 1);
    let rewritten = [&(header.len() as u64).to_le_bytes()[..], header.as_bytes(), &bytes[8 + header_len..]].concat();
    let err = weights::load(&rewritten, &device).unwrap_err().to_string();
    assert!(err.contains("tensor 'critic.") && err.contains("does not belong"), "{err}");
}
