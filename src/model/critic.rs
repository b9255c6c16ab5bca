//! The critic: a second network of an adversarial model, trained with its own optimizer, learning
//! rate and number of steps per autoencoder step to tell the encoder's codes from samples of
//! the prior, while the encoder learns to fool it.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};
use crate::model::prior::Prior;
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
    /// Makhzani et al.'s MNIST discriminator shape (two hidden layers), narrowed to 256 units, at
    /// the learning rate that matched the ring prior best in a short sweep (README).
    fn default() -> Self {
        CriticConfig { hidden: vec![256, 256], learning_rate: 2e-4, steps: 1 }
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

    /// A critic of `inputs` values (a code, and a labelled prior's one-hot label), on `device`.
    pub fn init(&self, inputs: usize, device: &Device) -> Critic {
        let mut widths = vec![inputs];
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
    /// against as many draws from `prior` (of the same components as `labels`, which both
    /// halves see beside the code for a labelled prior): binary cross-entropy with prior samples
    /// labelled 1 and codes 0, averaged over both halves; with the critic's accuracy and the
    /// codes' spread, which tell a collapsing game.
    ///
    /// # Shapes
    /// - codes: `[batch, code]`; labels: `[batch, 10]`
    pub fn loss(&self, codes: Tensor<2>, labels: Option<Tensor<2>>, prior: Prior) -> CriticTerms {
        let [batch, code_size] = codes.dims();
        let codes = codes.detach();
        let samples = prior.sample(batch, code_size, 1.0, labels.clone(), &codes.device());
        let with_labels = |x: Tensor<2>| match &labels {
            Some(labels) => Tensor::cat(vec![x, labels.clone()], 1),
            None => x,
        };
        let (prior_logits, code_logits) = (self.forward(with_labels(samples)), self.forward(with_labels(codes.clone())));
        let right = prior_logits.clone().greater_elem(0.0).float().sum() + code_logits.clone().lower_equal_elem(0.0).float().sum();
        CriticTerms {
            loss: critic_loss(prior_logits, code_logits),
            accuracy: right.div_scalar(2.0 * batch as f64).detach(),
            spread: codes.var(0).sqrt().mean().detach(),
        }
    }
}

/// A critic update's loss, and what it says of the game.
#[derive(Clone, Debug)]
pub struct CriticTerms {
    /// `[1]`: the critic's binary cross-entropy (see [`critic_loss`]).
    pub loss: Tensor<1>,
    /// `[1]`: the share of prior samples and codes the critic told apart (0.5: fooled; 1: never).
    pub accuracy: Tensor<1>,
    /// `[1]`: the codes' standard deviation over the batch, averaged over dimensions (0: collapsed).
    pub spread: Tensor<1>,
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
