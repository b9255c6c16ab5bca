//! The adversarial autoencoder for unsupervised clustering: its prior, its code, its two critics,
//! and how its clusters are scored as a classifier.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::model::prior::{centre_pull, centred_logits};
use aestudio::model::{Architecture, AutoencoderConfig, Objective, PenaltyInputs, Preset, Prior, weights};
use aestudio::uses::cluster::{ClusterLabelling, categorical_assignments, cluster_classes, labelled_cluster_accuracy};
use burn::prelude::*;
use pollster::block_on;

mod common;
use common::{mnist, tensor2};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn the_clustering_prior_draws_one_hot_clusters_evenly_beside_a_normal_style() {
    let device = cpu_device();
    device.seed(3);
    let (count, clusters, code_size) = (16_000, 16, 24);
    let samples = values(Prior::Clusters { clusters, consistency: 0.0 }.sample(count, code_size, 1.0, None, &device));
    let mut per_cluster = vec![0usize; clusters];
    let mut style = Vec::new();
    for row in samples.chunks(code_size) {
        let (categorical, rest) = row.split_at(clusters);
        assert!(categorical.iter().all(|&v| v == 0.0 || v == 1.0) && categorical.iter().sum::<f32>() == 1.0, "not one-hot: {categorical:?}");
        per_cluster[categorical.iter().position(|&v| v == 1.0).unwrap()] += 1;
        style.extend_from_slice(rest);
    }
    // 1,000 expected per cluster; a binomial's standard deviation is about 31.
    assert!(per_cluster.iter().all(|&n| (850..=1150).contains(&n)), "uneven clusters: {per_cluster:?}");
    let mean = style.iter().map(|&v| v as f64).sum::<f64>() / style.len() as f64;
    let var = style.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / style.len() as f64;
    assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.03, "style mean {mean}, variance {var}");
    assert!(Prior::Clusters { clusters: 16, consistency: 0.0 }.validate(16).is_err(), "a code of clusters alone has no style");
    assert!(Prior::Clusters { clusters: 1, consistency: 0.0 }.validate(8).is_err(), "one cluster is no clustering");
}

#[test]
fn a_clustering_code_is_a_softmax_and_each_part_has_its_own_critic() {
    let device = cpu_device();
    device.seed(1);
    let config = AutoencoderConfig { architecture: Architecture::Mlp { hidden: vec![32] }, ..Preset::AaeClusters.config() };
    let model = config.init(&device).unwrap();
    let images = mnist().test.batch(&[0, 1, 2, 3], &device);
    let codes = values(model.encode(images).mean);
    for row in codes.chunks(24) {
        let total: f32 = row[..16].iter().sum();
        assert!((total - 1.0).abs() < 1e-5 && row[..16].iter().all(|&p| p > 0.0 && p < 1.0), "not a distribution: {:?}", &row[..16]);
    }
    let bytes = block_on(weights::save(&model, "test")).unwrap();
    let names: Vec<String> = safetensors::SafeTensors::deserialize(&bytes).unwrap().names().into_iter().map(String::from).collect();
    let first_layer = |part: &str| names.iter().any(|n| n.starts_with(&format!("critic.{part}.layers.0.weight")));
    assert!(first_layer("network") && first_layer("style"), "a critic per part: {names:?}");
    let loaded = weights::load(&bytes, &device).unwrap().model;
    assert_eq!(loaded.config(), model.config());
}

#[test]
fn the_encoder_fools_every_part_of_the_critic_at_once() {
    // Fooling is -ln σ(logit) per part, averaged over the batch and summed over the parts:
    // logits 0 and 0 cost ln 2; logits ln 3 and ln 3 cost ln(4/3).
    let objective = Objective::Adversarial { weight: 1.0, prior: Prior::Clusters { clusters: 2, consistency: 0.0 } };
    let logits = vec![tensor2(&[&[0.0], &[0.0]]), tensor2(&[&[3f32.ln()], &[3f32.ln()]])];
    let inputs = PenaltyInputs { code: tensor2(&[&[1.0, 0.0, 0.5], &[0.0, 1.0, -0.5]]), jacobian_norm: None, critic_logits: Some(logits), feature_distance: None, view_consistency: None };
    let penalty = values(objective.penalty(inputs).unwrap())[0] as f64;
    let expected = 2f64.ln() + (4.0f64 / 3.0).ln();
    assert!((penalty - expected).abs() < 1e-6, "{penalty} against {expected}");
}

#[test]
fn clusters_become_classes_by_the_most_confident_image_or_by_majority() {
    // Three clusters (categorical probabilities first, one style value after), six labelled images.
    let codes: Vec<f32> = [
        [0.90, 0.05, 0.05, 0.0], // cluster 0, label 7
        [0.60, 0.30, 0.10, 0.0], // cluster 0, label 1
        [0.70, 0.20, 0.10, 0.0], // cluster 0, label 1
        [0.10, 0.80, 0.10, 0.0], // cluster 1, label 2
        [0.20, 0.70, 0.10, 0.0], // cluster 1, label 2
        [0.10, 0.20, 0.70, 0.0], // cluster 2, label 5
    ]
    .concat();
    let labels = [7, 1, 1, 2, 2, 5];
    assert_eq!(categorical_assignments(&codes, 4, 3).unwrap(), vec![0, 0, 0, 1, 1, 2]);
    // Most confident: cluster 0's best image is the first (0.90, label 7); majority: label 1.
    let confident = cluster_classes(&codes, 4, 3, &labels, ClusterLabelling::MostConfident).unwrap();
    let majority = cluster_classes(&codes, 4, 3, &labels, ClusterLabelling::Majority).unwrap();
    assert_eq!(confident, vec![7, 2, 5]);
    assert_eq!(majority, vec![1, 2, 5]);
    let assignments = [0, 0, 0, 1, 1, 2];
    assert!((labelled_cluster_accuracy(&assignments, &confident, &labels).unwrap() - 4.0 / 6.0).abs() < 1e-12);
    assert!((labelled_cluster_accuracy(&assignments, &majority, &labels).unwrap() - 5.0 / 6.0).abs() < 1e-12);
}

#[test]
fn clustering_logits_are_centred_on_the_batch_while_training_and_on_the_tracked_centre_when_coding() {
    let device = cpu_device();
    let logits = || tensor2(&[&[1.0, 2.0], &[3.0, 6.0]]);
    // Training (autodiff): less the batch mean [2, 4]; the stored centre is not used.
    let training = centred_logits(Tensor::from_data(logits().into_data(), &device.clone().autodiff()), Some(Tensor::from_floats([9.0, 9.0], &device.clone().autodiff())));
    assert_eq!(values(training), vec![-1.0, -2.0, 1.0, 2.0]);
    // Coding: less the centre, whatever the batch.
    assert_eq!(values(centred_logits(logits(), Some(Tensor::from_floats([1.0, 1.0], &device)))), vec![0.0, 1.0, 2.0, 5.0]);
    // The pull is worth nothing and its gradient is centre - mean: [0.5 - 2, 5 - 4].
    let centre = Tensor::<1>::from_floats([0.5, 5.0], &device.clone().autodiff()).require_grad();
    let pull = centre_pull(centre.clone(), Tensor::from_data(logits().into_data(), &device.clone().autodiff()));
    assert_eq!(values(pull.clone()), vec![0.0]);
    let gradients = pull.backward();
    assert_eq!(values(centre.grad(&gradients).unwrap()), vec![-1.5, 1.0]);
}

#[test]
fn a_push_common_to_every_image_moves_no_clustering_logit_while_training() {
    // The critic's push on near-uniform softmax outputs is nearly the same for every image; it
    // drove every earlier run into one cluster. Centred, a common push cancels and the rest passes:
    // the gradient is the push less its batch mean.
    let device = cpu_device().autodiff();
    let logits = Tensor::<2>::from_data(TensorData::new(vec![0.3f32, -1.0, 2.0, 0.5, 0.1, -0.2], [2, 3]), &device).require_grad();
    let push = |rows: [[f32; 3]; 2]| Tensor::<2>::from_data(TensorData::new(rows.concat(), [2, 3]), &device);
    let common = (centred_logits(logits.clone(), None) * push([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])).sum().backward();
    assert_eq!(values(logits.grad(&common).unwrap()), vec![0.0; 6]);
    let own = (centred_logits(logits.clone(), None) * push([[1.0, 0.0, 0.0], [0.0, 0.0, 4.0]])).sum().backward();
    assert_eq!(values(logits.grad(&own).unwrap()), vec![0.5, 0.0, -2.0, -0.5, 0.0, 2.0]);
}

#[test]
fn the_clustering_centre_moves_a_tenth_of_the_way_to_the_batch_mean_logits_each_step() {
    use aestudio::train::{Trainer, TrainingConfig};
    let device = cpu_device();
    let config = AutoencoderConfig { architecture: Architecture::Mlp { hidden: vec![32] }, ..Preset::AaeClusters.config() };
    let data = mnist().train.take(100);
    let mut trainer = Trainer::new(&config, TrainingConfig::new().with_batch_size(100).with_epochs(1), &device, data.len()).unwrap();
    // The fresh model's centre is zero, so its codes' log-probabilities are the logits less each
    // image's log-sum-exp: their batch mean is the logits' mean less one constant for every cluster.
    let codes = values(trainer.model().valid().encode(data.batch(&(0..100).collect::<Vec<_>>(), &device)).mean);
    let mean_log_probability: Vec<f64> = (0..16).map(|k| codes.chunks(24).map(|row| (row[k] as f64).ln()).sum::<f64>() / 100.0).collect();
    block_on(trainer.train_steps(&data, 1)).unwrap();
    let bytes = block_on(weights::save(&trainer.model(), "one step")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let centre: Vec<f32> = file.tensor("cluster_centre").unwrap().data().chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    let offsets: Vec<f64> = centre.iter().zip(&mean_log_probability).map(|(&c, &m)| c as f64 - 0.1 * m).collect();
    assert!(offsets.iter().all(|&o| (o - offsets[0]).abs() < 1e-5), "centre {centre:?}, 0.1 x mean log-probabilities {mean_log_probability:?}");
    assert!(centre.iter().any(|&c| c.abs() > 1e-3), "the centre moved: {centre:?}");
}
