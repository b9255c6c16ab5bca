//! DEC and IDEC: the Student's t assignments, the sharpened targets and the divergence against
//! hand computations, the centres' gradient against the DEC paper's closed form, and a run that
//! clusters three digits better than k-means on the same codes.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::model::{Architecture, AutoencoderConfig, Likelihood};
use aestudio::nn::loss::{clustering_divergence, sharpened_targets, student_t_assignments};
use aestudio::train::{TrainingConfig, train_model};
use aestudio::uses::cluster::cluster_accuracy;
use aestudio::uses::deep_clustering::{ClusteringMethod, DeepClusteringConfig, DeepClusteringRun, KMeansStart};
use aestudio::uses::explore::read_floats;
use burn::module::Param;
use burn::prelude::*;
use common::{mnist, tensor2};
use pollster::block_on;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    block_on(read_floats(tensor)).unwrap()
}

fn assert_close(got: &[f32], want: &[f32], tolerance: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < tolerance, "{what}: got {got:?}, want {want:?}");
    }
}

#[test]
fn assignments_targets_and_divergence_match_hand_computations() {
    // Distances² 0 and 4 give kernels 1 and 1/5; a code equidistant from both centres is 50/50.
    let q = values(student_t_assignments(tensor2(&[&[0.0, 0.0], &[1.0, 1.0]]), tensor2(&[&[0.0, 0.0], &[2.0, 0.0]])));
    assert_close(&q, &[1.0 / 1.2, 0.2 / 1.2, 0.5, 0.5], 1e-6, "q");
    // Frequencies 1.3 and 0.7: row 0 is 0.64/1.3 : 0.04/0.7, row 1 is 0.25/1.3 : 0.25/0.7.
    let p = values(sharpened_targets(tensor2(&[&[0.8, 0.2], &[0.5, 0.5]])));
    let row0 = [0.64 / 1.3, 0.04 / 0.7];
    let row1 = [0.25 / 1.3, 0.25 / 0.7];
    let (sum0, sum1) = (row0[0] + row0[1], row1[0] + row1[1]);
    assert_close(&p, &[row0[0] / sum0, row0[1] / sum0, row1[0] / sum1, row1[1] / sum1], 1e-6, "p");
    assert!(p[0] > 0.8, "the confident assignment is sharpened");
    // 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5), averaged with a row where p = q (0).
    let kl = values(clustering_divergence(tensor2(&[&[0.9, 0.1], &[0.3, 0.7]]), tensor2(&[&[0.5, 0.5], &[0.3, 0.7]])));
    let want = (0.9 * (1.8f32).ln() + 0.1 * (0.2f32).ln()) / 2.0;
    assert_close(&kl, &[want], 1e-6, "KL");
}

#[test]
fn the_centres_gradient_is_the_dec_papers_closed_form() {
    // Xie et al. eq. 4: dL/dmu_j = -2 sum_i (1 + |z_i - mu_j|²)^-1 (p_ij - q_ij)(z_i - mu_j), here
    // divided by the batch (the loss is a batch mean).
    let device = cpu_device().autodiff();
    let codes = [[0.5f32, -1.0], [2.0, 0.5], [-1.0, 1.5]];
    let centres = [[0.0f32, 0.0], [1.5, 1.0]];
    let targets = [[0.7f32, 0.3], [0.2, 0.8], [0.6, 0.4]];
    let to_tensor = |rows: &[[f32; 2]], device: &Device| Tensor::<2>::from_data(TensorData::new(rows.concat(), [rows.len(), 2]), device);
    let mu = Param::from_tensor(to_tensor(&centres, &device));
    let q_tensor = student_t_assignments(to_tensor(&codes, &device), mu.val());
    let q = values(q_tensor.clone().detach());
    let loss = clustering_divergence(to_tensor(&targets, &device), q_tensor);
    let gradients = loss.backward();
    let got = values(mu.val().grad(&gradients).unwrap());
    let mut want = vec![0.0f32; 4];
    for (j, centre) in centres.iter().enumerate() {
        for (i, z) in codes.iter().enumerate() {
            let distance = (z[0] - centre[0]).powi(2) + (z[1] - centre[1]).powi(2);
            let weight = -2.0 / (1.0 + distance) * (targets[i][j] - q[i * 2 + j]) / codes.len() as f32;
            want[j * 2] += weight * (z[0] - centre[0]);
            want[j * 2 + 1] += weight * (z[1] - centre[1]);
        }
    }
    assert_close(&got, &want, 1e-5, "centres' gradient");
}

#[test]
fn idec_clusters_three_digits_better_than_kmeans_and_dec_leaves_the_decoder() {
    let data = mnist().train.filter_labels(|label| [0, 1, 6].contains(&label)).take(3000);
    let config = AutoencoderConfig::new(8).with_architecture(Architecture::Mlp { hidden: vec![128] }).with_likelihood(Likelihood::Linear);
    let device = cpu_device();
    let trained = block_on(train_model(&config, &TrainingConfig::new().with_epochs(3).with_batch_size(64), &data, &device)).unwrap();
    let bytes = block_on(aestudio::model::weights::save(&trained, "test")).unwrap();
    let load = || aestudio::model::weights::load(&bytes, &device.clone().autodiff()).unwrap().model;
    let settings = DeepClusteringConfig::new().with_clusters(3).with_update_interval(20).with_max_steps(400).with_restarts(5);

    let mut idec = block_on(DeepClusteringRun::start(load(), &data, settings.clone())).unwrap();
    let kmeans = cluster_accuracy(idec.clusters(), data.labels()).unwrap();
    let progress = block_on(idec.train_steps(&data, 400)).unwrap();
    let fine_tuned = cluster_accuracy(&progress.clusters, data.labels()).unwrap();
    eprintln!("k-means {kmeans:.4}, IDEC {fine_tuned:.4} after {} steps (converged: {})", progress.step, progress.converged);
    assert!(progress.finished && progress.reconstruction.is_some());
    assert!(fine_tuned > kmeans, "IDEC improves on k-means: {fine_tuned} against {kmeans}");

    let decoder_weights = |run: &DeepClusteringRun| values(run.model().autoencoder.decode(Tensor::zeros([1, 8], &device)));
    let mut dec = block_on(DeepClusteringRun::start(load(), &data, settings.with_method(ClusteringMethod::Dec))).unwrap();
    let before = decoder_weights(&dec);
    let progress = block_on(dec.train_steps(&data, 100)).unwrap();
    assert!(progress.reconstruction.is_none() && progress.divergence.is_some_and(f32::is_finite));
    assert_eq!(decoder_weights(&dec), before, "DEC drops the decoder: its weights do not move");
    assert_ne!(decoder_weights(&idec), before, "IDEC trains the decoder");
}

#[test]
fn impossible_settings_are_refused_before_anything_runs() {
    let base = DeepClusteringConfig::new();
    assert!(base.validate(1000).is_ok());
    assert!(base.clone().with_clusters(1).validate(1000).is_err());
    assert!(base.clone().with_clusters(11).validate(10).is_err());
    assert!(base.clone().with_gamma(0.0).validate(1000).is_err());
    assert!(base.clone().with_tolerance(1.0).validate(1000).is_err());
    assert!(base.clone().with_batch_size(2000).validate(1000).is_err());
    assert!(base.clone().with_segments(9).validate(1000).is_err(), "fewer segments than clusters");
    assert!(base.clone().with_segments(60).validate(50).is_err(), "more segments than images");
    assert!(base.clone().with_segments(501).validate(70_000).is_err(), "more segments than Ward's merging can take");
    assert!(base.with_update_interval(0).validate(1000).is_err());
}

#[test]
fn the_pages_run_is_the_idec_papers_but_shorter_and_from_plain_k_means() {
    let page = DeepClusteringConfig::for_the_page();
    // The IDEC paper's MNIST settings: gamma 0.1, a target update every 140 steps, 0.1% tolerance.
    assert_eq!((page.method, page.gamma, page.update_interval, page.tolerance), (ClusteringMethod::Idec, 0.1, 140, 0.001));
    assert_eq!((page.max_steps, page.restarts, page.start, page.segments), (1200, 5, KMeansStart::Euclidean, 10));
    assert!(page.validate(10_000).is_ok());
}
