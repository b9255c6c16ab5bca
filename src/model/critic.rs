//! The critic: a second network of an adversarial model, trained with its own optimizer, learning
//! rate and number of steps per autoencoder step to tell the encoder's codes from samples of
//! the prior, while the encoder learns to fool it.

use burn::prelude::*;
use burn::tensor::Distribution;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};
use crate::nn::loss::bce_with_logits;
use crate::nn::mlp::{Activation, Mlp, MlpConfig};

/// The critic's network and its training schedule (serde data, stored in the weight file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriticConfig {
    /// Hidden widths of the dense critic `code → hidden… → 1 logit`.
    pub hidden: Vec<usize>,
    /// The critic's own Adam learning rate.
    pub learning_rate: f64,
    /// Critic steps per autoencoder step (the k of GAN training).
    pub steps: usize,
}

impl Default for CriticConfig {
    /// Makhzani et al.'s MNIST discriminator shape (two hidden layers), narrowed to 256 units.
    fn default() -> Self {
        CriticConfig { hidden: vec![256, 256], learning_rate: 1e-4, steps: 1 }
    }
}

impl CriticConfig {
    /// Refuses widths, rates or step counts that cannot work.
    pub fn validate(&self) -> AeResult<()> {
        ensure(self.hidden.iter().all(|&w| (1..=4096).contains(&w)), || {
            format!("critic hidden widths must be between 1 and 4096, got {:?}", self.hidden)
        })?;
        ensure(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0, || {
            format!("the critic's learning rate must be in (0, 1], got {}", self.learning_rate)
        })?;
        ensure((1..=16).contains(&self.steps), || format!("critic steps per autoencoder step must be 1 to 16, got {}", self.steps))
    }

    /// A critic for codes of `code_size` values, on `device`.
    pub fn init(&self, code_size: usize, device: &Device) -> Critic {
        let mut widths = vec![code_size];
        widths.extend(&self.hidden);
        widths.push(1);
        Critic { network: MlpConfig::new(widths).with_activation(Activation::LeakyRelu).init(device) }
    }
}

/// A dense network that scores codes: a logit per code, high for what it takes to be a prior
/// sample.
#[derive(Module, Debug)]
pub struct Critic {
    network: Mlp,
}

impl Critic {
    /// The logit that each code is a sample of the prior.
    ///
    /// # Shapes
    /// - codes: `[batch, code]`
    /// - output: `[batch, 1]`
    pub fn forward(&self, codes: Tensor<2>) -> Tensor<2> {
        self.network.forward(codes)
    }

    /// The critic's loss for a batch of `codes` (detached: this loss trains the critic alone)
    /// against as many draws from the prior N(0, I): binary cross-entropy with prior samples
    /// labelled 1 and codes 0, averaged over both halves.
    ///
    /// # Shapes
    /// - codes: `[batch, code]`
    /// - output: `[1]`
    pub fn loss(&self, codes: Tensor<2>) -> Tensor<1> {
        let prior = Tensor::random(codes.shape(), Distribution::Normal(0.0, 1.0), &codes.device());
        critic_loss(self.forward(prior), self.forward(codes.detach()))
    }
}

/// The critic's binary cross-entropy, `-(ln D(prior) + ln(1 - D(code))) / 2` averaged over the
/// batch, from its logits for prior samples and for codes.
///
/// # Shapes
/// - prior_logits, code_logits: `[batch, 1]`
/// - output: `[1]`
pub fn critic_loss(prior_logits: Tensor<2>, code_logits: Tensor<2>) -> Tensor<1> {
    let real = bce_with_logits(prior_logits.clone(), prior_logits.ones_like()).mean();
    let fake = bce_with_logits(code_logits.clone(), code_logits.zeros_like()).mean();
    (real + fake).div_scalar(2.0)
}
