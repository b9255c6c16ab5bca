//! The adversarial autoencoder for unsupervised clustering: its prior, its code, its two critics,
//! and how its clusters are scored as a classifier.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
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
    let samples = values(Prior::Clusters { clusters }.sample(count, code_size, 1.0, None, &device));
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
    assert!(Prior::Clusters { clusters: 16 }.validate(16).is_err(), "a code of clusters alone has no style");
    assert!(Prior::Clusters { clusters: 1 }.validate(8).is_err(), "one cluster is no clustering");
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
    let objective = Objective::Adversarial { weight: 1.0, prior: Prior::Clusters { clusters: 2 } };
    let logits = vec![tensor2(&[&[0.0], &[0.0]]), tensor2(&[&[3f32.ln()], &[3f32.ln()]])];
    let inputs = PenaltyInputs { code: tensor2(&[&[1.0, 0.0, 0.5], &[0.0, 1.0, -0.5]]), jacobian_norm: None, critic_logits: Some(logits), feature_distance: None };
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
