//! What a code is good for, natively: linear probes, PCA coordinates, clustering scores and
//! k-means, AUROC, label filtering, out-of-distribution scores, layer-wise pretraining and the
//! classifier trained with the decoder.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use std::path::PathBuf;

use aestudio::backend::cpu_device;
use aestudio::uses::explore;
use aestudio::uses::probe;
use aestudio::data::{Dataset, PIXELS, Splits};
use aestudio::model::{Architecture, AutoencoderConfig, Preset};
use aestudio::uses::pca::Pca;
use aestudio::train::{Trainer, evaluate};
use burn::prelude::*;

mod common;
use common::{assert_close, mnist, small_training, tensor2, values};

#[test]
fn probe_losses_match_hand_computations() {
    let scores = tensor2(&[&[2.0, 0.5, -1.0], &[0.0, 0.2, 0.1]]);
    let one_hot = tensor2(&[&[1.0, 0.0, 0.0], &[1.0, 0.0, 0.0]]);
    // Sample 1: the true class leads by 1.5, so no hinge loss; sample 2: max(0, 0.2 - 0 + 1, 0.1 + 1) = 1.2.
    let hinge = values(probe::multiclass_hinge(scores.clone(), one_hot.clone()));
    assert!((hinge[0] - 0.0).abs() < 1e-6 && (hinge[1] - 1.2).abs() < 1e-6, "{hinge:?}");
    let ce = values(probe::softmax_cross_entropy(scores, one_hot));
    let expected = |s: [f64; 3]| -(s[0] - s.iter().map(|v| v.exp()).sum::<f64>().ln());
    assert_close(ce[0], expected([2.0, 0.5, -1.0]), 1e-5);
    assert_close(ce[1], expected([0.0, 0.2, 0.1]), 1e-5);
}

#[test]
fn linear_probes_on_pixels_and_on_trained_codes_beat_chance_by_far() {
    let device = cpu_device();
    let (train, test) = (mnist().train.take(2000), mnist().test.take(1000));
    let labels = |data: &Dataset| (0..data.len()).map(|i| data.label(i)).collect::<Vec<u8>>();
    let pixels = |data: &Dataset| probe::Features {
        values: (0..data.len()).flat_map(|i| data.image(i).iter().map(|&p| p as f32 / 255.0)).collect(),
        width: PIXELS,
    };
    for loss in [probe::ProbeLoss::Softmax, probe::ProbeLoss::Hinge] {
        let config = probe::ProbeConfig::new().with_loss(loss).with_epochs(15);
        let fitted = pollster::block_on(probe::LinearProbe::fit(&pixels(&train), &labels(&train), &config, &device)).unwrap();
        let accuracy = pollster::block_on(fitted.accuracy(&pixels(&test), &labels(&test), &device)).unwrap();
        // Measured alone: softmax 0.840, hinge 0.825; flex's shared RNG moves the initialization a little.
        assert!(accuracy > 0.75, "{loss:?} on raw pixels, 2,000 labels: {accuracy}");
    }
    // Codes of an autoencoder trained briefly on the same images.
    let mut trainer = Trainer::new(&Preset::Ae.config(), small_training(3), &device, train.len()).unwrap();
    while !trainer.is_finished() {
        pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    }
    let model = trainer.model();
    let codes = |data: &Dataset| probe::Features { values: pollster::block_on(explore::encode_dataset(&model, data, &device)).unwrap(), width: 32 };
    let config = probe::ProbeConfig::new().with_epochs(30);
    let fitted = pollster::block_on(probe::LinearProbe::fit(&codes(&train), &labels(&train), &config, &device)).unwrap();
    let accuracy = pollster::block_on(fitted.accuracy(&codes(&test), &labels(&test), &device)).unwrap();
    assert!(accuracy > 0.6, "softmax on 32-unit AE codes: {accuracy} (measured alone 0.729; chance 0.1)");

    let bad = |config: probe::ProbeConfig, labels: &[u8], needle: &str| {
        let err = pollster::block_on(probe::LinearProbe::fit(&pixels(&test.take(3)), labels, &config, &device)).err().unwrap().to_string();
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
    };
    bad(probe::ProbeConfig::new(), &[1, 2, 10], "labels must be below 10");
    bad(probe::ProbeConfig::new(), &[1, 2], "3 feature rows for 2 labels");
    bad(probe::ProbeConfig::new().with_l2(-1.0), &[1, 2, 3], "L2 weight must be finite and >= 0");
}

#[test]
fn pca_coordinates_have_the_explained_variances() {
    let data = mnist().train.take(1000);
    let pca = Pca::fit(&data, 3).unwrap();
    let coordinates = pca.project(&data);
    assert_eq!(coordinates.len(), 3000);
    for k in 0..3 {
        let along: Vec<f64> = coordinates.iter().skip(k).step_by(3).map(|&c| c as f64).collect();
        let mean = along.iter().sum::<f64>() / 1000.0;
        let variance = along.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 1000.0;
        assert!(mean.abs() < 1e-4, "component {k}: centred, mean {mean}");
        assert!((variance - pca.explained_variance[k]).abs() < 1e-3 * pca.explained_variance[k], "component {k}: {variance} vs {}", pca.explained_variance[k]);
    }
}

#[test]
fn cluster_scores_match_hand_cases_and_kmeans_finds_separated_blobs() {
    use aestudio::uses::cluster::{cluster_accuracy, kmeans, normalized_mutual_information};
    // A relabelling of the classes is a perfect clustering.
    let labels = [0u8, 0, 1, 1, 2, 2];
    assert_eq!(cluster_accuracy(&[2, 2, 0, 0, 1, 1], &labels).unwrap(), 1.0);
    assert_close(normalized_mutual_information(&[2, 2, 0, 0, 1, 1], &labels).unwrap() as f32, 1.0, 1e-9);
    // Two clusters for four classes: the best matching gets 2 of 4 right.
    assert_eq!(cluster_accuracy(&[0, 0, 1, 1], &[0, 1, 2, 3]).unwrap(), 0.5);
    // Clusters independent of the labels carry no information.
    assert_close(normalized_mutual_information(&[0, 1, 0, 1], &[0, 0, 1, 1]).unwrap() as f32, 0.0, 1e-9);
    // By hand: U = {0,0,1}, V = {0,1,1}: I = (1/3)ln(3/2) + (1/3)ln(3/4) + (1/3)ln(3/2), H(U) = H(V).
    let h = -(2.0f64 / 3.0 * (2.0f64 / 3.0).ln() + 1.0 / 3.0 * (1.0f64 / 3.0).ln());
    let i = (2.0 * (1.5f64).ln() + (0.75f64).ln()) / 3.0;
    assert_close(normalized_mutual_information(&[0, 0, 1], &[0, 1, 1]).unwrap() as f32, i / h, 1e-6);

    // Three tight blobs far apart: k-means++ with restarts recovers them exactly.
    let centres = [[0.0f32, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let mut points = Vec::new();
    let mut truth = Vec::new();
    for (label, centre) in centres.iter().enumerate() {
        for j in 0..20 {
            points.extend([centre[0] + (j % 5) as f32 * 0.1, centre[1] + (j / 5) as f32 * 0.1]);
            truth.push(label as u8);
        }
    }
    let solution = kmeans(&points, 2, 3, 5, 100, 7).unwrap();
    assert_eq!(cluster_accuracy(&solution.assignments, &truth).unwrap(), 1.0);
    assert!(solution.inertia < 60.0 * 0.5, "inertia {}", solution.inertia);
    assert!(kmeans(&points, 2, 61, 1, 10, 1).err().unwrap().to_string().contains("k must be 1 to the number of points (60)"));
}

#[test]
fn spherical_kmeans_groups_codes_by_direction() {
    use aestudio::uses::cluster::{cluster_accuracy, cluster_means, directions, kmeans};
    // Two rays, each with short and long codes. Plain k-means's best split cuts one ray by length
    // (inertia 87.58 by hand, against 106.38 for the rays); on the directions the rays are the clusters.
    let lengths = [1.0f32, 1.5, 8.0, 9.0];
    let mut points = Vec::new();
    let mut ray = Vec::new();
    for (label, direction) in [[1.0f32, 0.0], [0.0, 1.0]].iter().enumerate() {
        for length in lengths {
            points.extend([direction[0] * length, direction[1] * length]);
            ray.push(label as u8);
        }
    }
    let plain = kmeans(&points, 2, 2, 10, 100, 3).unwrap();
    assert!(cluster_accuracy(&plain.assignments, &ray).unwrap() < 1.0);
    assert_close(plain.inertia as f32, 87.583, 1e-3);
    let spherical = kmeans(&directions(&points, 2), 2, 2, 10, 100, 3).unwrap();
    assert_eq!(cluster_accuracy(&spherical.assignments, &ray).unwrap(), 1.0);
    assert_eq!(directions(&[3.0, 4.0, 0.0, 0.0], 2), [0.6, 0.8, 0.0, 0.0]);
    // The rays' mean codes, where IDEC's first centres go: (4.875, 0) and (0, 4.875).
    let means = cluster_means(&points, 2, &[0, 0, 0, 0, 1, 1, 1, 1], 2);
    assert_eq!(means, [4.875, 0.0, 0.0, 4.875]);
}

#[test]
fn ward_merges_the_pair_that_adds_least_to_the_squared_distances() {
    use aestudio::uses::cluster::ward_merge;
    // Segment 0: ten points at 0; segment 1: one at 2; segment 2: one at 4.5 (on a line).
    // Merging 0 and 1 adds 10·1/11 · 2² = 3.64; 1 and 2 add 1·1/2 · 2.5² = 3.125; 0 and 2, 18.4.
    // Ward merges 1 and 2 although 1 lies nearer to 0.
    let mut points = vec![0.0f32; 20];
    points.extend([2.0, 0.0, 4.5, 0.0]);
    let mut segments = vec![0usize; 10];
    segments.extend([1, 2]);
    let merged = ward_merge(&points, 2, &segments, 2);
    let mut expected = vec![0usize; 10];
    expected.extend([1, 1]);
    assert_eq!(merged, expected);
    // Down to one cluster, everything merges; already at k, nothing moves but the numbering.
    assert!(ward_merge(&points, 2, &segments, 1).iter().all(|&c| c == 0));
    assert_eq!(ward_merge(&points[..8], 2, &[2, 2, 0, 1], 3), [0, 0, 1, 2]);
}

#[test]
fn auroc_matches_a_hand_count_of_ordered_pairs_with_ties_as_half() {
    use aestudio::uses::anomaly::auroc;
    // Pairs (anomaly > normal): 0.25 beats 2, 0.3 beats 2 and ties 1, 0.5 beats 3: 7.5 of 9.
    assert!((auroc(&[0.1, 0.2, 0.3], &[0.25, 0.3, 0.5]).unwrap() - 7.5 / 9.0).abs() < 1e-12);
    assert_eq!(auroc(&[0.1, 0.2], &[0.3, 0.4]).unwrap(), 1.0);
    assert_eq!(auroc(&[0.3, 0.4], &[0.1, 0.2]).unwrap(), 0.0);
    assert_eq!(auroc(&[0.5; 4], &[0.5; 3]).unwrap(), 0.5);
    assert!(auroc(&[], &[0.1]).is_err());
    assert!(auroc(&[0.1], &[f32::NAN]).unwrap_err().to_string().contains("finite"));

    let histogram = aestudio::uses::anomaly::Histogram::of(&[0.0, 0.1, 0.2, 0.3, 0.4, 5.0], 4, 0.8).unwrap();
    assert_eq!(histogram.upper, 0.4);
    assert_eq!(histogram.counts, vec![1, 1, 1, 3], "the last bin takes everything at or above the upper end");
    assert_eq!(aestudio::uses::anomaly::percentile_of(&[0.1, 0.2, 0.3, 0.4], 0.25), 0.5);
}

#[test]
fn label_counts_outside_the_labelled_images_are_refused_with_the_reason() {
    use aestudio::uses::probe::check_label_count;
    assert!(check_label_count(1, 60_000).is_ok() && check_label_count(60_000, 60_000).is_ok());
    for bad in [0, 60_001] {
        let message = check_label_count(bad, 60_000).unwrap_err().to_string();
        assert!(message.contains(&format!("label counts must be 1 to 60000, got {bad}")), "{message}");
    }
}

#[test]
fn filtering_labels_keeps_whole_images_of_the_chosen_classes() {
    let test = mnist().test.take(500);
    let without_ones = test.filter_labels(|label| label != 1);
    let ones = test.filter_labels(|label| label == 1);
    assert_eq!(without_ones.len() + ones.len(), 500);
    assert!(ones.len() > 20 && (0..ones.len()).all(|i| ones.label(i) == 1));
    let first_one = (0..500).find(|&i| test.label(i) == 1).unwrap();
    assert_eq!(ones.image(0), test.image(first_one));
}

#[test]
fn reconstruction_error_flags_fashion_images_as_out_of_distribution() {
    let device = cpu_device();
    let config = AutoencoderConfig::new(16).with_architecture(Architecture::Mlp { hidden: vec![128] });
    let train = mnist().train.take(4096);
    let model = pollster::block_on(aestudio::train::train_model(&config, &small_training(2), &train, &device)).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist");
    let fashion = Splits::load_dir(&aestudio::data::FASHION_MNIST, &dir).expect("Fashion-MNIST in data/fashion-mnist (./build.sh data)");
    let digits = pollster::block_on(aestudio::uses::anomaly::reconstruction_errors(&model, &mnist().test.take(1000), &device)).unwrap();
    let clothes = pollster::block_on(aestudio::uses::anomaly::reconstruction_errors(&model, &fashion.test.take(1000), &device)).unwrap();
    // Each score is the image's own reconstruction error, by hand for the first digit.
    let first = mnist().test.take(1);
    let pixels: Vec<f32> = first.image(0).iter().map(|&p| p as f32 / 255.0).collect();
    let output = values(model.reconstruct(first.batch(&[0], &device)));
    assert_close(digits[0], explore::mse(&output, &pixels) as f64, 1e-6);
    let auroc = aestudio::uses::anomaly::auroc(&digits, &clothes).unwrap();
    assert!(auroc > 0.75, "Fashion-MNIST against MNIST digits: AUROC {auroc}");
}

#[test]
fn layerwise_pretraining_stacks_layers_that_already_reconstruct() {
    let device = cpu_device();
    let config = AutoencoderConfig::new(16).with_architecture(Architecture::Mlp { hidden: vec![128, 64] });
    let train = mnist().train.take(2048);
    let test = mnist().test.take(500);
    let (stacked, stages) = pollster::block_on(aestudio::train::layerwise::pretrain(&config, &small_training(2), &train, &device)).unwrap();
    assert_eq!(stages.iter().map(|s| s.widths).collect::<Vec<_>>(), vec![[784, 128], [128, 64], [64, 16]]);
    assert!(stages.iter().all(|s| s.final_loss.is_finite()));
    let untrained = config.init(&device).unwrap();
    let stacked_mse = pollster::block_on(evaluate(&stacked.valid(), &test, 500)).unwrap().mse_per_pixel;
    let untrained_mse = pollster::block_on(evaluate(&untrained, &test, 500)).unwrap().mse_per_pixel;
    assert!(stacked_mse < 0.6 * untrained_mse, "stacked {stacked_mse} against untrained {untrained_mse}");
    // The stacked model fine-tunes like any other: the loss keeps falling.
    let before = pollster::block_on(evaluate(&stacked.valid(), &test, 500)).unwrap().loss;
    let mut trainer = Trainer::resume(stacked, small_training(1), &device, train.len(), 0).unwrap();
    pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    let after = pollster::block_on(evaluate(&trainer.model(), &test, 500)).unwrap().loss;
    assert!(after < before, "fine-tuning went from {before} to {after}");
    // A VAE or a conv model cannot be stacked.
    for refused in [Preset::Vae.config(), Preset::ConvDae.config()] {
        assert!(pollster::block_on(aestudio::train::layerwise::pretrain(&refused, &small_training(1), &train, &device)).is_err());
    }
}

#[test]
fn the_joint_classifier_learns_the_labels_and_its_decoder_reconstructs() {
    use aestudio::train::semisupervised::{JointConfig, train_joint};
    let device = cpu_device();
    let config = AutoencoderConfig::new(16).with_architecture(Architecture::Mlp { hidden: vec![128] });
    let unlabelled = mnist().train.take(2048);
    let labelled = unlabelled.take(500);
    let test = mnist().test.take(1000);
    let joint = JointConfig::new(config.clone()).with_alpha(0.01).with_epochs(3).with_batch_size(64).with_seed(5);
    let model = pollster::block_on(train_joint(&joint, &labelled, &unlabelled, &device)).unwrap();
    let accuracy = pollster::block_on(model.accuracy(&test, &device)).unwrap();
    assert!(accuracy > 0.6, "500 labels: test accuracy {accuracy} (chance 0.1)");
    let mse = |model: &aestudio::model::Autoencoder| pollster::block_on(evaluate(model, &test, 500)).unwrap().mse_per_pixel;
    let alone = pollster::block_on(train_joint(&joint.clone().with_alpha(0.0), &labelled, &unlabelled, &device)).unwrap();
    assert!(mse(&model.autoencoder) < 0.5 * mse(&alone.autoencoder), "the reconstruction term trains the decoder");
    assert!(pollster::block_on(train_joint(&joint.with_alpha(-1.0), &labelled, &unlabelled, &device)).unwrap_err().to_string().contains("alpha"));
}
