//! The clustering AAE's views: the affine distortions they are drawn with, the balanced targets
//! and the consistency term, each against a hand computation.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::model::{Architecture, AutoencoderConfig, Objective, PenaltyInputs, Preset, Prior};
use aestudio::nn::augment::{AffineRange, affine};
use aestudio::nn::loss::{assignment_consistency, balanced_assignments};
use aestudio::uses::explore::view_bounds;
use burn::prelude::*;

mod common;
use common::{mnist, tensor2};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// A 28x28 image with one lit pixel at `(row, column)`.
fn one_pixel(row: usize, column: usize) -> Vec<f32> {
    let mut image = vec![0.0; 784];
    image[row * 28 + column] = 1.0;
    image
}

/// `images` transformed by one `[angle, scale, shift x, shift y]` each.
fn transformed(images: &[Vec<f32>], transforms: &[[f32; 4]]) -> Vec<Vec<f32>> {
    let device = cpu_device();
    let batch = Tensor::<2>::from_data(TensorData::new(images.concat(), [images.len(), 784]), &device);
    let transforms = Tensor::<2>::from_data(TensorData::new(transforms.concat(), [transforms.len(), 4]), &device);
    values(affine(batch, transforms)).chunks(784).map(<[f32]>::to_vec).collect()
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    let worst = actual.iter().zip(expected).map(|(a, e)| (a - e).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-4, "{what}: off by {worst}");
}

#[test]
fn a_view_turns_zooms_and_shifts_the_digit_as_drawn() {
    let image = one_pixel(5, 9);
    let views = transformed(
        &[image.clone(), image.clone(), image.clone(), image.clone()],
        [[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, -2.0], [std::f32::consts::FRAC_PI_2, 1.0, 0.0, 0.0], [0.0, 1.0, 0.5, 0.0]].as_slice(),
    );
    assert_close(&views[0], &image, "the identity");
    // One pixel right and two up.
    assert_close(&views[1], &one_pixel(3, 10), "a shift");
    // A quarter turn clockwise about the centre (13.5, 13.5): (row, column) goes to (column, 27 - row).
    assert_close(&views[2], &one_pixel(9, 22), "a quarter turn");
    // Half a pixel right: bilinear interpolation shares the pixel between two columns.
    let mut halves = vec![0.0; 784];
    (halves[5 * 28 + 9], halves[5 * 28 + 10]) = (0.5, 0.5);
    assert_close(&views[3], &halves, "half a pixel");
}

#[test]
fn a_zoomed_view_keeps_the_centre_and_doubles_distances_from_it() {
    // Scale 2 about (13.5, 13.5): the lit pixel becomes a blob twice as wide and twice as high.
    let mut image = vec![0.0; 784];
    image[13 * 28 + 13] = 1.0;
    let view = &transformed(&[image], &[[0.0, 2.0, 0.0, 0.0]])[0];
    // The output pixel (13, 13) sits at (-0.5, -0.5) and reads the source at (-0.25, -0.25): a
    // quarter of a pixel from the lit centre along each axis, so 0.75 x 0.75 of it.
    assert!((view[13 * 28 + 13] - 0.5625).abs() < 1e-4, "{}", view[13 * 28 + 13]);
    let total: f32 = view.iter().sum();
    assert!((total - 4.0).abs() < 1e-3, "a zoom by 2 covers four times the area: {total}");
}

#[test]
fn views_are_drawn_within_their_range() {
    let device = cpu_device();
    device.seed(5);
    let range = AffineRange { degrees: 15.0, zoom: 0.1, shift: 2.0 };
    let draws = values(range.draw(2000, &device));
    let column = |k: usize| draws.chunks(4).map(move |row| row[k]);
    let extent = |k: usize| (column(k).fold(f32::MAX, f32::min), column(k).fold(f32::MIN, f32::max));
    let (angle, scale, shift) = (extent(0), extent(1), extent(2));
    assert!(angle.0 >= -0.2618 && angle.1 <= 0.2618 && angle.0 < -0.25 && angle.1 > 0.25, "angles {angle:?}");
    assert!(scale.0 >= 0.9 && scale.1 <= 1.1 && scale.0 < 0.91 && scale.1 > 1.09, "scales {scale:?}");
    assert!(shift.0 >= -2.0 && shift.1 <= 2.0 && shift.0 < -1.9 && shift.1 > 1.9, "shifts {shift:?}");
}

#[test]
fn balanced_targets_even_out_the_clusters_and_stay_distributions() {
    let assignments = tensor2(&[&[0.9, 0.1], &[0.7, 0.3]]);
    // One round by hand: the columns' totals 1.6 and 0.4 become 1 each (2 images, 2 clusters):
    // [0.28125, 0.125] and [0.21875, 0.375]; then the rows sum to 1 again.
    let once = values(balanced_assignments(assignments.clone(), 1));
    let expected = [0.28125 / 0.40625, 0.125 / 0.40625, 0.21875 / 0.59375, 0.375 / 0.59375];
    assert_close(&once, &expected, "one round");
    // Many rounds: every column totals batch / clusters = 1, every row still 1.
    let settled = values(balanced_assignments(assignments, 50));
    assert_close(&[settled[0] + settled[2], settled[1] + settled[3]], &[1.0, 1.0], "the clusters' totals");
    assert_close(&[settled[0] + settled[1], settled[2] + settled[3]], &[1.0, 1.0], "the rows' totals");
    assert!(settled[0] > settled[2], "the first image still leans to the first cluster more: {settled:?}");
}

#[test]
fn the_consistency_is_the_kl_from_the_target_and_moves_only_the_view() {
    let device = cpu_device().autodiff();
    let targets = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 0.5], [1, 2]), &device).require_grad();
    let view_logits = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 3f32.ln()], [1, 2]), &device).require_grad();
    // The view says [1/4, 3/4]: KL = ½ ln(0.5 / 0.25) + ½ ln(0.5 / 0.75) = ½ ln(4/3).
    let consistency = assignment_consistency(targets.clone(), view_logits.clone());
    let value = values(consistency.clone())[0] as f64;
    assert!((value - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-6, "{value}");
    let gradients = consistency.sum().backward();
    // d KL / d logits = softmax - target.
    assert_close(&values(view_logits.grad(&gradients).unwrap()), &[-0.25, 0.25], "the view's gradient");
    assert!(targets.grad(&gradients).is_none(), "the target is held fixed");
}

#[test]
fn the_objective_adds_the_weighted_consistency_to_a_clustering_aae() {
    let objective = |consistency: f64| Objective::Adversarial { weight: 0.5, prior: Prior::Clusters { clusters: 2, consistency } };
    let inputs = || PenaltyInputs {
        code: tensor2(&[&[1.0, 0.0, 0.5], &[0.0, 1.0, -0.5]]),
        jacobian_norm: None,
        critic_logits: Some(vec![tensor2(&[&[0.0], &[0.0]]), tensor2(&[&[0.0], &[0.0]])]),
        feature_distance: None,
        view_consistency: Some(Tensor::from_floats([1.0, 3.0], &cpu_device())),
    };
    let reconstruction = || Tensor::<1>::from_floats([784.0 * 0.25, 784.0 * 0.75], &cpu_device());
    // Per pixel: reconstruction 0.5, fooling 0.5 x 2 ln 2, consistency 0.1 x mean(1, 3).
    let with = values(objective(0.1).terms(reconstruction(), None, inputs(), 784).objective)[0] as f64;
    let without = values(objective(0.0).terms(reconstruction(), None, inputs(), 784).objective)[0] as f64;
    let base = 0.5 + 0.5 * 2.0 * 2f64.ln();
    assert!((without - base).abs() < 1e-5, "{without} against {base}");
    assert!((with - (base + 0.2)).abs() < 1e-5, "{with} against {}", base + 0.2);
}

#[test]
fn a_clustering_prior_written_before_views_reads_as_one_without_them() {
    let old: Prior = serde_json::from_str(r#"{"kind":"clusters","clusters":16}"#).unwrap();
    assert_eq!(old, Prior::Clusters { clusters: 16, consistency: 0.0 });
    assert_eq!(old.consistency(), None);
    assert!(Prior::Clusters { clusters: 16, consistency: -1.0 }.validate(24).is_err(), "a negative weight");
    assert!(Prior::Clusters { clusters: 16, consistency: f64::NAN }.validate(24).is_err(), "a weight that is not a number");
}

#[test]
fn a_clustering_aae_pays_for_its_views_while_training_only() {
    // The objective less its reconstruction and fooling terms is what the views cost: positive
    // for a fresh encoder (its views land in other clusters), nothing without views, and nothing
    // when coding (no autodiff: no views are drawn).
    let config = |consistency: f64| AutoencoderConfig {
        architecture: Architecture::Mlp { hidden: vec![64] },
        objective: Objective::Adversarial { weight: 0.01, prior: Prior::Clusters { clusters: 16, consistency } },
        ..Preset::AaeClusters.config()
    };
    let views_cost = |consistency: f64, autodiff: bool| {
        let device = if autodiff { cpu_device().autodiff() } else { cpu_device() };
        let model = config(consistency).init(&device).unwrap();
        let images = mnist().test.batch(&(0..64).collect::<Vec<_>>(), &device);
        let terms = aestudio::nn::random::with_batch_rows(3, 0..64, 64, || model.loss(images.clone(), images));
        let reconstruction = values(terms.reconstruction).iter().map(|&r| r as f64).sum::<f64>() / 64.0 / 784.0;
        let fooling = 0.01 * values(terms.penalty.unwrap())[0] as f64;
        values(terms.objective)[0] as f64 - reconstruction - fooling
    };
    let paid = views_cost(1.0, true);
    assert!(paid > 1e-3, "views cost something while training: {paid}");
    assert!(views_cost(0.0, true).abs() < 1e-5, "no views, no cost: {}", views_cost(0.0, true));
    assert!(views_cost(1.0, false).abs() < 1e-5, "no views when coding: {}", views_cost(1.0, false));
}

#[test]
fn a_plot_shows_the_1st_to_99th_percentile_with_a_margin() {
    // x runs 0..=100 (101 points): its 1st and 99th percentiles are 1 and 99, the margin 8% of 98.
    // y is 5 everywhere: a span of 0 gets a margin of 0.08. A far outlier moves nothing.
    let mut points: Vec<f32> = (0..=100).flat_map(|x| [x as f32, 5.0]).collect();
    let [x, y] = view_bounds(&points);
    assert!((x[0] - (1.0 - 7.84)).abs() < 1e-9 && (x[1] - (99.0 + 7.84)).abs() < 1e-9, "{x:?}");
    assert!((y[0] - 4.92).abs() < 1e-9 && (y[1] - 5.08).abs() < 1e-9, "{y:?}");
    points[0] = -1e6;
    assert_eq!(view_bounds(&points)[0], x, "one far point is past the 1st percentile");
    assert_eq!(view_bounds(&[]), [[-1.0, 1.0], [-1.0, 1.0]]);
}
