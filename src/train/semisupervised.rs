//! The autoencoder as a regularizer of a classifier: a linear head on the code is trained on the
//! few labelled images while the whole autoencoder keeps reconstructing every image, labelled or
//! not, `loss = cross-entropy(labelled) + alpha · reconstruction(all)`, both per sample (the
//! reconstruction summed over the pixels, with the model's own penalty or KL term). With
//! `alpha = 0` it is a plain classifier of the same architecture trained on the labels alone, the
//! baseline the joint model must beat when labels are few.

use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{AeError, AeResult, ensure};
use crate::uses::explore::read_floats;
use crate::data::Dataset;
use crate::model::{Autoencoder, AutoencoderConfig};
use crate::uses::probe::softmax_cross_entropy;

/// Settings of a joint classifier + decoder.
#[derive(Config, Debug)]
pub struct JointConfig {
    /// The autoencoder whose code the classifier reads.
    pub autoencoder: AutoencoderConfig,
    /// Weight of the per-sample reconstruction objective against the cross-entropy (0: the
    /// classifier alone).
    #[config(default = 1.0)]
    pub alpha: f64,
    #[config(default = 10)]
    pub classes: usize,
    /// Passes over the whole (unlabelled) training set.
    #[config(default = 10)]
    pub epochs: usize,
    #[config(default = 128)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 1)]
    pub seed: u64,
}

/// An autoencoder with a linear classifier on its code.
#[derive(Module, Debug)]
pub struct JointClassifier {
    pub autoencoder: Autoencoder,
    head: Linear,
}

impl JointClassifier {
    /// Class scores (logits) of a batch: the head on the code (the posterior mean of a VAE).
    ///
    /// # Shapes
    /// - images: `[batch, 784]`
    /// - output: `[batch, classes]`
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.head.forward(self.autoencoder.encode(images).mean)
    }

    /// The predicted class of every image of `data`.
    pub async fn predict(&self, data: &Dataset, device: &Device) -> AeResult<Vec<u8>> {
        let mut predicted = Vec::with_capacity(data.len());
        for start in (0..data.len()).step_by(1000) {
            let indices: Vec<usize> = (start..(start + 1000).min(data.len())).collect();
            let classes = self.forward(data.batch(&indices, device)).argmax(1).float();
            predicted.extend(read_floats(classes).await?.into_iter().map(|c| c as u8));
        }
        Ok(predicted)
    }

    /// Share of `data` classified correctly.
    pub async fn accuracy(&self, data: &Dataset, device: &Device) -> AeResult<f64> {
        let predicted = self.predict(data, device).await?;
        Ok(predicted.iter().enumerate().filter(|&(i, &p)| data.label(i) == p).count() as f64 / data.len().max(1) as f64)
    }
}

/// Trains the joint model: each step takes the next batch of all of `unlabelled` for the
/// reconstruction and a batch of `labelled` (cycled, as there are few) for the cross-entropy.
/// Returns the model without autodiff.
pub async fn train_joint(config: &JointConfig, labelled: &Dataset, unlabelled: &Dataset, device: &Device) -> AeResult<JointClassifier> {
    config.autoencoder.validate()?;
    ensure(config.alpha.is_finite() && config.alpha >= 0.0, || format!("alpha must be finite and >= 0, got {}", config.alpha))?;
    ensure(!config.autoencoder.objective.needs_critic(), || "the joint classifier trains one network: an adversarial AE's critic would not learn".into())?;
    ensure(!labelled.is_empty(), || "the classifier needs at least one labelled image".into())?;
    ensure(!unlabelled.is_empty(), || "the unlabelled set sets the epoch's length: it needs images".into())?;
    ensure((0..labelled.len()).all(|i| (labelled.label(i) as usize) < config.classes), || format!("labels must be below {}", config.classes))?;
    ensure(config.epochs >= 1 && config.batch_size >= 1, || "epochs and batch size must be at least 1".into())?;
    ensure(config.learning_rate.is_finite() && config.learning_rate > 0.0, || "the learning rate must be > 0".into())?;
    let device = device.clone().autodiff();
    device.seed(config.seed);
    let mut model = JointClassifier {
        autoencoder: config.autoencoder.init(&device)?,
        head: LinearConfig::new(config.autoencoder.code_size, config.classes).init(&device),
    };
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut unlabelled_order: Vec<usize> = (0..unlabelled.len()).collect();
    let mut labelled_order: Vec<usize> = (0..labelled.len()).collect();
    let mut labelled_position = labelled.len();
    // Both the joint model and the classifier alone (alpha 0, which never looks at the unlabelled
    // images) take the same number of steps: one pass over the unlabelled set per epoch.
    let steps_per_epoch = unlabelled.len().div_ceil(config.batch_size);
    for _ in 0..config.epochs {
        unlabelled_order.shuffle(&mut rng);
        let mut last_loss = None;
        for step in 0..steps_per_epoch {
            let labelled_batch = config.batch_size.min(labelled.len());
            if labelled_position + labelled_batch > labelled.len() {
                labelled_order.shuffle(&mut rng);
                labelled_position = 0;
            }
            let picked = &labelled_order[labelled_position..labelled_position + labelled_batch];
            labelled_position += labelled_batch;
            let targets = labelled.one_hot(picked, config.classes, &device);
            let mut loss = softmax_cross_entropy(model.forward(labelled.batch(picked, &device)), targets).mean();
            if config.alpha > 0.0 {
                let start = step * config.batch_size;
                let chunk = &unlabelled_order[start..(start + config.batch_size).min(unlabelled.len())];
                let clean = unlabelled.batch(chunk, &device);
                let input = config.autoencoder.corruption.apply(clean.clone());
                // Per sample, a per-pixel objective weighs as much as a VAE's.
                let per_sample = config.autoencoder.objective.scale().divisor(config.autoencoder.image.values());
                loss = loss + model.autoencoder.loss(input, clean).objective.mul_scalar(config.alpha * per_sample);
            }
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(config.learning_rate, model, gradients);
            last_loss = Some(loss.detach());
        }
        let loss: f32 = last_loss.expect("an epoch has a step").into_scalar_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
        if !loss.is_finite() {
            return Err(AeError::Diverged { epoch: 0, step: 0, loss });
        }
    }
    Ok(model.valid())
}
