//! Anomaly detection by reconstruction error: an autoencoder reconstructs what it was trained on
//! better than anything else, so a high error flags an input unlike the training data. Scored by
//! the area under the ROC curve, and shown in the page as a histogram the user's drawing is
//! placed on.

use burn::prelude::*;

use crate::error::{AeResult, ensure};
use crate::uses::explore::read_floats;
use crate::data::{Dataset, Splits};
use crate::model::prior::CLASSES;
use crate::model::{Autoencoder, AutoencoderConfig};
use crate::uses::pca::Pca;
use crate::train::{TrainingConfig, train_model};

/// Images per forward pass.
const BATCH: usize = 500;

/// The anomaly score of each image of `data`: the mean squared error per pixel of its
/// deterministic reconstruction (the posterior mean for a VAE), with no input noise.
pub async fn reconstruction_errors(model: &Autoencoder, data: &Dataset, device: &Device) -> AeResult<Vec<f32>> {
    model.check_images(data.shape())?;
    let mut scores = Vec::with_capacity(data.len());
    for start in (0..data.len()).step_by(BATCH) {
        let indices: Vec<usize> = (start..(start + BATCH).min(data.len())).collect();
        scores.extend(read_floats(per_image_mse(model, data.batch(&indices, device))).await?);
    }
    Ok(scores)
}

/// Mean squared error per pixel of each image's reconstruction.
///
/// # Shapes
/// - images: `[batch, values]`
/// - output: `[batch]`
fn per_image_mse(model: &Autoencoder, images: Tensor<2>) -> Tensor<1> {
    let [batch, values] = images.dims();
    let output = model.reconstruct(images.clone());
    (output - images).powi_scalar(2).sum_dim(1).div_scalar(values as f64).reshape([batch])
}

/// Area under the ROC curve of a score that should be higher for `anomalies` than for `normal`:
/// the probability that a random anomaly outscores a random normal input, ties counting half
/// (the Mann-Whitney U statistic over the product of the counts).
pub fn auroc(normal: &[f32], anomalies: &[f32]) -> AeResult<f64> {
    ensure(!normal.is_empty() && !anomalies.is_empty(), || "AUROC needs normal and anomalous scores".into())?;
    ensure(normal.iter().chain(anomalies).all(|s| s.is_finite()), || "anomaly scores must be finite".into())?;
    let mut all: Vec<(f32, bool)> = normal.iter().map(|&s| (s, false)).chain(anomalies.iter().map(|&s| (s, true))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the (1-based, tie-averaged) ranks of the anomalies.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < all.len() {
        let end = start + all[start..].iter().take_while(|entry| entry.0 == all[start].0).count();
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        rank_sum += mean_rank * all[start..end].iter().filter(|entry| entry.1).count() as f64;
        start = end;
    }
    let (n_anomalies, n_normal) = (anomalies.len() as f64, normal.len() as f64);
    Ok((rank_sum - n_anomalies * (n_anomalies + 1.0) / 2.0) / (n_anomalies * n_normal))
}

/// Counts of scores in equal bins over `[0, upper)` (the last bin also takes everything above).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Histogram {
    /// The upper end of the bins' range.
    pub upper: f32,
    pub counts: Vec<u32>,
}

impl Histogram {
    /// `bins` bins up to the `quantile` of `scores` (so a few outliers do not squash the plot).
    pub fn of(scores: &[f32], bins: usize, quantile: f64) -> AeResult<Histogram> {
        ensure(!scores.is_empty() && bins >= 1, || "a histogram needs scores and at least one bin".into())?;
        ensure(quantile > 0.0 && quantile <= 1.0, || format!("the quantile must be in (0, 1], got {quantile}"))?;
        let upper = self::quantile(scores, quantile).max(f32::MIN_POSITIVE);
        let mut counts = vec![0u32; bins];
        for &score in scores {
            counts[((score / upper * bins as f32) as usize).min(bins - 1)] += 1;
        }
        Ok(Histogram { upper, counts })
    }
}

/// The `q` quantile of non-empty `scores` (the nearest rank).
pub fn quantile(scores: &[f32], q: f64) -> f32 {
    let mut sorted = scores.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize]
}

/// The share of `scores` at or below `score`: where an input stands in the training distribution.
pub fn percentile_of(scores: &[f32], score: f32) -> f64 {
    scores.iter().filter(|&&s| s <= score).count() as f64 / scores.len().max(1) as f64
}

/// Splits the scores of images labelled `labels` into the `normal` classes' and the others'
/// (the one-class protocol on scores already computed, as the page's live worker has them).
pub fn split_by_class(scores: &[f32], labels: &[u8], normal: &[u8]) -> AeResult<(Vec<f32>, Vec<f32>)> {
    ensure(!normal.is_empty() && normal.iter().all(|&class| usize::from(class) < CLASSES), || {
        format!("normal classes must be some of 0 to {}, got {normal:?}", CLASSES - 1)
    })?;
    ensure(scores.len() == labels.len(), || format!("{} scores for {} labels", scores.len(), labels.len()))?;
    let (mut normal_scores, mut others) = (Vec::new(), Vec::new());
    for (&score, label) in scores.iter().zip(labels) {
        if normal.contains(label) { normal_scores.push(score) } else { others.push(score) }
    }
    Ok((normal_scores, others))
}

/// Which images are normal and which are anomalies, for each class in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// Train on the nine other classes; `class`'s test images are the anomalies (harder: no
    /// paper reports it).
    HeldOut,
    /// The literature's (Ruff et al. 2018): train on `class` alone; the other nine classes' test
    /// images are the anomalies.
    OneClass,
}

/// Trains a model of `config` on the normal training images of `class` under `protocol`, then
/// scores the test set: the AUROC of the anomalies' scores against the normal test images'.
pub async fn class_auroc(config: &AutoencoderConfig, training: &TrainingConfig, splits: &Splits, class: u8, protocol: Protocol, device: &Device) -> AeResult<f64> {
    let held_out = HeldOut::new(splits, class, protocol)?;
    let model = train_model(config, training, &held_out.train, device).await?;
    auroc(&reconstruction_errors(&model, &held_out.normal, device).await?, &reconstruction_errors(&model, &held_out.anomalies, device).await?)
}

/// The same protocol for the linear baseline: PCA with `components` components fitted to the
/// normal training images, its reconstruction error as the score.
pub fn class_pca_auroc(splits: &Splits, class: u8, protocol: Protocol, components: usize) -> AeResult<f64> {
    let held_out = HeldOut::new(splits, class, protocol)?;
    let pca = Pca::fit(&held_out.train, components)?;
    auroc(&pca.reconstruction_errors(&held_out.normal), &pca.reconstruction_errors(&held_out.anomalies))
}

/// A protocol's split for one class: the normal training images, and the normal and anomalous
/// test images.
struct HeldOut {
    train: Dataset,
    normal: Dataset,
    anomalies: Dataset,
}

impl HeldOut {
    fn new(splits: &Splits, class: u8, protocol: Protocol) -> AeResult<HeldOut> {
        ensure(class < 10, || format!("classes are 0 to 9, got {class}"))?;
        let is_normal = move |label: u8| (label == class) == (protocol == Protocol::OneClass);
        Ok(HeldOut {
            train: splits.train.filter_labels(is_normal),
            normal: splits.test.filter_labels(is_normal),
            anomalies: splits.test.filter_labels(|label| !is_normal(label)),
        })
    }
}

/// The most epochs the page's one-class run takes (a visitor waits for it).
pub const ONE_CLASS_MAX_EPOCHS: usize = 50;

/// The page's one-class run: the denoising autoencoder with one hidden layer of 256 units (small
/// enough to train in a minute in a tab), Adam 1e-3, batches of 128, seed 1, on the training
/// images of `classes` only; the others are its anomalies. Refuses no class, every class, a class
/// out of range, or an epoch count outside 1 to [`ONE_CLASS_MAX_EPOCHS`].
pub fn one_class_run(classes: &[u8], epochs: usize) -> AeResult<(AutoencoderConfig, TrainingConfig)> {
    ensure((1..CLASSES).contains(&classes.len()), || "pick one to nine classes: the others are the anomalies".into())?;
    ensure(classes.iter().all(|&class| usize::from(class) < CLASSES), || format!("the classes must be some of 0 to {}, got {classes:?}", CLASSES - 1))?;
    ensure((1..=ONE_CLASS_MAX_EPOCHS).contains(&epochs), || format!("epochs must be a whole number from 1 to {ONE_CLASS_MAX_EPOCHS}"))?;
    let model = crate::model::Preset::Dae.config().with_architecture(crate::model::Architecture::Mlp { hidden: vec![256] });
    let training = TrainingConfig::new().with_epochs(epochs).with_readback_every(20).with_classes(Some(classes.to_vec()));
    Ok((model, training))
}
