//! Linear probes: how much of the labels a frozen representation (an encoder's codes, PCA
//! features, raw pixels) makes linearly available. A softmax (multinomial logistic) classifier or
//! a multiclass linear SVM (Crammer-Singer hinge loss) is trained with Adam on standardized
//! features, with an L2 penalty on the weights, and scored by test accuracy.

use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{AeError, AeResult, ensure};

/// The classifier's loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeLoss {
    /// Cross-entropy of a softmax over the classes (multinomial logistic regression).
    Softmax,
    /// Crammer-Singer multiclass hinge loss: a linear SVM.
    Hinge,
}

/// Settings of a linear probe.
#[derive(Config, Debug)]
pub struct ProbeConfig {
    #[config(default = "ProbeLoss::Softmax")]
    pub loss: ProbeLoss,
    #[config(default = 10)]
    pub classes: usize,
    #[config(default = 60)]
    pub epochs: usize,
    #[config(default = 128)]
    pub batch_size: usize,
    #[config(default = 1e-2)]
    pub learning_rate: f64,
    /// Weight of the L2 penalty on the weights (the SVM's regularizer).
    #[config(default = 1e-4)]
    pub l2: f64,
    #[config(default = 1)]
    pub seed: u64,
}

/// Features as rows: `rows × width` values.
#[derive(Clone, Debug)]
pub struct Features {
    pub values: Vec<f32>,
    pub width: usize,
}

impl Features {
    pub fn rows(&self) -> usize {
        self.values.len() / self.width.max(1)
    }

    /// The first `rows` rows (all of them if there are fewer).
    pub fn first(&self, rows: usize) -> Features {
        Features { values: self.values[..rows.min(self.rows()) * self.width].to_vec(), width: self.width }
    }
}

/// Refuses a number of training labels outside `1..=available` (the labelled images there are).
pub fn check_label_count(labels: usize, available: usize) -> AeResult<()> {
    ensure((1..=available).contains(&labels), || format!("label counts must be 1 to {available}, got {labels}"))
}

/// A trained probe, with the standardization it learned from its training features.
#[derive(Debug)]
pub struct LinearProbe {
    linear: Linear,
    mean: Vec<f32>,
    scale: Vec<f32>,
}

/// Multiclass hinge loss per sample, `max_j (s_j - s_y + [j ≠ y])`, which is 0 once the true
/// class leads every other by a margin of 1.
///
/// # Shapes
/// - scores, one_hot: `[batch, classes]`
/// - output: `[batch]`
pub fn multiclass_hinge(scores: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    let [batch, _] = scores.dims();
    let true_score = (scores.clone() * one_hot.clone()).sum_dim(1);
    let margins = scores - true_score + one_hot.neg().add_scalar(1.0);
    margins.max_dim(1).reshape([batch])
}

/// Softmax cross-entropy per sample.
///
/// # Shapes
/// - scores, one_hot: `[batch, classes]`
/// - output: `[batch]`
pub fn softmax_cross_entropy(scores: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    let [batch, _] = scores.dims();
    (log_softmax(scores, 1) * one_hot).sum_dim(1).neg().reshape([batch])
}

fn standardized(features: &Features, mean: &[f32], scale: &[f32]) -> Vec<f32> {
    features.values.chunks(features.width).flat_map(|row| row.iter().zip(mean).zip(scale).map(|((v, m), s)| (v - m) * s)).collect()
}

impl LinearProbe {
    /// Trains on `features` with `labels` (one per row, below `config.classes`).
    pub async fn fit(features: &Features, labels: &[u8], config: &ProbeConfig, device: &Device) -> AeResult<LinearProbe> {
        let rows = features.rows();
        ensure(features.width > 0 && rows * features.width == features.values.len(), || "features must be whole rows".into())?;
        ensure(rows == labels.len() && rows >= 1, || format!("{rows} feature rows for {} labels", labels.len()))?;
        ensure(config.classes >= 2, || "a classifier needs at least two classes".into())?;
        ensure(labels.iter().all(|&l| (l as usize) < config.classes), || format!("labels must be below {}", config.classes))?;
        ensure(config.epochs >= 1 && config.batch_size >= 1, || "epochs and batch size must be at least 1".into())?;
        ensure(config.learning_rate.is_finite() && config.learning_rate > 0.0, || "the learning rate must be > 0".into())?;
        ensure(config.l2.is_finite() && config.l2 >= 0.0, || format!("the L2 weight must be finite and >= 0, got {}", config.l2))?;

        let width = features.width;
        let mut mean = vec![0f32; width];
        let mut square = vec![0f32; width];
        for row in features.values.chunks(width) {
            for (j, &v) in row.iter().enumerate() {
                mean[j] += v / rows as f32;
                square[j] += v * v / rows as f32;
            }
        }
        // Constant features (blank pixels) keep scale 1 rather than dividing by zero.
        let scale: Vec<f32> = mean.iter().zip(&square).map(|(m, s)| (s - m * m).max(0.0).sqrt()).map(|sd| if sd > 1e-6 { 1.0 / sd } else { 1.0 }).collect();
        let inputs = standardized(features, &mean, &scale);

        let device = device.clone().autodiff();
        device.seed(config.seed);
        let mut linear = LinearConfig::new(width, config.classes).init(&device);
        let mut optimizer = AdamConfig::new().init();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..rows).collect();
        for _ in 0..config.epochs {
            order.shuffle(&mut rng);
            for batch in order.chunks(config.batch_size) {
                let x: Vec<f32> = batch.iter().flat_map(|&i| inputs[i * width..(i + 1) * width].iter().copied()).collect();
                let mut y = vec![0f32; batch.len() * config.classes];
                for (k, &i) in batch.iter().enumerate() {
                    y[k * config.classes + labels[i] as usize] = 1.0;
                }
                let x = Tensor::<2>::from_data(TensorData::new(x, [batch.len(), width]), &device);
                let y = Tensor::<2>::from_data(TensorData::new(y, [batch.len(), config.classes]), &device);
                let scores = linear.forward(x);
                let data_loss = match config.loss {
                    ProbeLoss::Softmax => softmax_cross_entropy(scores, y),
                    ProbeLoss::Hinge => multiclass_hinge(scores, y),
                };
                let objective = data_loss.mean() + linear.weight.val().powi_scalar(2).sum().mul_scalar(config.l2);
                let gradients = GradientsParams::from_grads(objective.backward(), &linear);
                linear = optimizer.step(config.learning_rate, linear, gradients);
            }
        }
        Ok(LinearProbe { linear: linear.valid(), mean, scale })
    }

    /// The predicted class of each row.
    pub async fn predict(&self, features: &Features, device: &Device) -> AeResult<Vec<u8>> {
        ensure(features.width == self.mean.len(), || format!("the probe takes {} features, got {}", self.mean.len(), features.width))?;
        let x = standardized(features, &self.mean, &self.scale);
        let x = Tensor::<2>::from_data(TensorData::new(x, [features.rows(), features.width]), device);
        let linear = self.linear.clone().to_device(device);
        let predicted = linear.forward(x).argmax(1).into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
        let predicted: Vec<i64> = predicted.convert::<i64>().try_to_vec().map_err(|err| AeError::Backend(format!("{err:?}")))?;
        Ok(predicted.into_iter().map(|c| c as u8).collect())
    }

    /// Share of rows whose predicted class is their label.
    pub async fn accuracy(&self, features: &Features, labels: &[u8], device: &Device) -> AeResult<f64> {
        let predicted = self.predict(features, device).await?;
        ensure(predicted.len() == labels.len(), || "one label per row".into())?;
        Ok(predicted.iter().zip(labels).filter(|(p, l)| p == l).count() as f64 / labels.len().max(1) as f64)
    }
}
