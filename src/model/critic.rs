//! The critic: a second network of an adversarial model, trained with its own optimizer, learning
//! rate and number of steps per autoencoder step to tell the encoder's codes from samples of
//! the prior, while the encoder learns to fool it. A prior of several parts (a clustering
//! prior's categorical and style codes) gets one dense network per part, judged and trained
//! together.

use std::ops::Range;

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
    /// The probability that dropout zeroes each input of each of the critic's layers while it
    /// trains (0: none). A critic of images needs it, as Goodfellow et al.'s and Dumoulin et al.'s
    /// did: without it, it learns the data by heart and the generator collapses to one image.
    #[serde(default)]
    pub dropout: f64,
}

impl Default for CriticConfig {
    /// Makhzani et al.'s MNIST discriminator shape (two hidden layers), narrowed to 256 units, at
    /// the learning rate that matched the ring prior best in a short sweep (docs/results/generation.md).
    fn default() -> Self {
        CriticConfig { hidden: vec![256, 256], learning_rate: 2e-4, steps: 1, dropout: 0.0 }
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
        ensure((1..=16).contains(&self.steps), || format!("critic steps per autoencoder step must be 1 to 16, got {}", self.steps))?;
        ensure((0.0..0.9).contains(&self.dropout), || format!("the critic's dropout must be in [0, 0.9), got {}", self.dropout))
    }

    /// The critic with a network for each of `parts` (the columns of what it judges that the
    /// network sees; see [`crate::model::Objective::critic_parts`]), each also seeing
    /// `label_width` label values (a labelled prior's one-hot), on `device`.
    pub fn init(&self, parts: Vec<Range<usize>>, label_width: usize, device: &Device) -> Critic {
        let mut networks = parts.clone().into_iter().map(|part| {
            let mut widths = vec![part.len() + label_width];
            widths.extend(&self.hidden);
            widths.push(1);
            MlpConfig::new(widths).with_activation(Activation::LeakyRelu).init(device)
        });
        let network = networks.next().expect("a prior has at least one part");
        Critic { network, style: networks.next(), parts, dropout: self.dropout }
    }
}

/// Dense networks that score codes: a logit per code and part, high for what they take to be
/// a prior sample.
#[derive(Module, Debug)]
pub struct Critic {
    /// The network of the whole code, or of a clustering prior's categorical part.
    network: Mlp,
    /// The network of a clustering prior's style part (weight files of the other priors list
    /// only `critic.network.*`).
    style: Option<Mlp>,
    #[module(skip)]
    parts: Vec<Range<usize>>,
    #[module(skip)]
    dropout: f64,
}

impl Critic {
    /// The logits that each row's parts come from the prior's side, a tensor per part; `labels`
    /// (a labelled prior's one-hot) go beside every part. A row is a code, or for a bidirectional
    /// GAN an image and its code side by side.
    ///
    /// # Shapes
    /// - codes: `[batch, judged]`; labels: `[batch, 10]`
    /// - output: `[batch, 1]` per part
    pub fn forward(&self, codes: Tensor<2>, labels: Option<Tensor<2>>) -> Vec<Tensor<2>> {
        let [batch, _] = codes.dims();
        let networks = std::iter::once(&self.network).chain(self.style.as_ref());
        networks
            .zip(&self.parts)
            .map(|(network, part)| {
                let part = codes.clone().slice([0..batch, part.clone()]);
                let input = match &labels {
                    Some(labels) => Tensor::cat(vec![part, labels.clone()], 1),
                    None => part,
                };
                self.network_forward(network, input)
            })
            .collect()
    }

    /// `network` on `input`, with dropout before each layer while training (on an autodiff
    /// device). By hand rather than burn's `Dropout`, whose training flag is a parameter that
    /// would join the weight files and the flat gradients.
    fn network_forward(&self, network: &Mlp, input: Tensor<2>) -> Tensor<2> {
        if self.dropout == 0.0 || !input.device().is_autodiff() {
            return network.forward(input);
        }
        let last = network.depth() - 1;
        network.layers().iter().enumerate().fold(input, |x, (index, layer)| {
            let y = layer.forward(drop(x, self.dropout));
            if index < last { Activation::LeakyRelu.forward(y) } else { y }
        })
    }

    /// The critic's loss for a batch of `judged` rows (detached: this loss trains the critic
    /// alone) from the model against as many `prior_side` rows (draws from the prior, or pairs
    /// generated from them), both seen beside `labels` for a labelled prior: binary cross-entropy
    /// with the prior's side labelled 1 and the model's 0, averaged over both halves and summed
    /// over the parts; with the critic's accuracy (over all parts) and the spread of `codes`
    /// (the encoder's), which tell a collapsing game.
    ///
    /// # Shapes
    /// - judged, prior_side: `[batch, judged]`; labels: `[batch, 10]`; codes: `[batch, code]`
    pub fn loss(&self, judged: Tensor<2>, prior_side: Tensor<2>, labels: Option<Tensor<2>>, codes: Tensor<2>) -> CriticTerms {
        let [batch, _] = judged.dims();
        let prior_logits = self.forward(prior_side.detach(), labels.clone());
        let code_logits = self.forward(judged.detach(), labels);
        let mut loss = Vec::with_capacity(self.parts.len());
        let mut right = Vec::with_capacity(self.parts.len());
        for (prior_logits, code_logits) in prior_logits.into_iter().zip(code_logits) {
            right.push(prior_logits.clone().greater_elem(0.0).float().sum() + code_logits.clone().lower_equal_elem(0.0).float().sum());
            loss.push(critic_loss(prior_logits, code_logits));
        }
        let judged = 2.0 * (batch * self.parts.len()) as f64;
        CriticTerms {
            loss: Tensor::cat(loss, 0).sum(),
            accuracy: Tensor::cat(right, 0).sum().div_scalar(judged).detach(),
            spread: codes.detach().var(0).sqrt().mean(),
        }
    }
}

/// Inverted dropout: each value zeroed with probability `dropout`, the rest scaled up to keep
/// the mean.
pub(crate) fn drop(x: Tensor<2>, dropout: f64) -> Tensor<2> {
    let keep = 1.0 - dropout;
    x.clone() * crate::nn::random::random_like(&x, Distribution::Bernoulli(keep)).div_scalar(keep)
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
