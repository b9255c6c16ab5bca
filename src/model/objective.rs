//! The objective: the one home of every per-variant decision of the family. What the encoder
//! outputs, whether the model has a prior to sample from, which penalty joins the reconstruction,
//! and whether the objective is counted per sample or per pixel are all answered here, by one
//! `match` each, so a new arm makes the compiler list every decision it needs.
//!
//! To add a variant that is a new penalty on the code: an arm here (with its loss function in
//! `nn::loss`), a preset in `model::preset`, and a test; `describe`, `validate`, `penalty` and the
//! other matches below then refuse to compile until the arm is handled.

use std::ops::Range;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::ImageShape;
use crate::error::{AeResult, ensure};
use crate::model::critic::CriticConfig;
use crate::model::prior::Prior;
use crate::nn::loss::{bce_with_logits, kl_sparsity, kl_to_standard_normal, l1_activity, mmd_inverse_multiquadratic};
use crate::nn::mlp::Activation;

/// What a model minimizes besides (or with) its reconstruction error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Objective {
    /// Reconstruction alone: the plain (undercomplete) and the denoising autoencoder.
    #[default]
    Reconstruction,
    /// Sparse autoencoder, L1 form: `lambda · mean_batch Σ_j |h_j|`.
    SparseL1 { lambda: f64 },
    /// Sparse autoencoder, KL form (sigmoid codes): `lambda · Σ_j KL(rho ‖ ρ̂_j)`, with `ρ̂_j` the
    /// unit's mean activation over the batch.
    SparseKl { rho: f64, lambda: f64 },
    /// Contractive autoencoder (dense encoder): `lambda · mean_batch ‖∂h/∂x‖²_F`.
    Contractive { lambda: f64 },
    /// Variational autoencoder: the negative ELBO, reconstruction + `beta`·KL(q(z|x) ‖ N(0, I)),
    /// per sample (beta 1: the VAE; other values: the beta-VAE).
    Variational { beta: f64 },
    /// Adversarial autoencoder (Makhzani et al. 2015): a critic network learns to tell codes from
    /// samples of `prior`, and the encoder is trained to fool it, with `weight` on the fooling term
    /// `-ln D(h)` against the per-pixel reconstruction. With squared error and the normal prior it
    /// is also WAE-GAN (Tolstikhin et al. 2018).
    Adversarial { weight: f64, prior: Prior },
    /// Wasserstein autoencoder, MMD form (Tolstikhin et al. 2018): per sample, the reconstruction
    /// plus `lambda` times the maximum mean discrepancy between the batch's codes and as many
    /// samples of N(0, I), with the inverse multiquadratic kernel at the paper's scales.
    Mmd { lambda: f64 },
    /// Bidirectional GAN (BiGAN, Donahue et al. 2017; ALI, Dumoulin et al. 2017, with a
    /// deterministic encoder): no reconstruction term at all. A critic sees (image, code) pairs
    /// and tells the encoder's `(x, E(x))` from the decoder's `(G(z), z)`, `z ~ N(0, I)`; encoder and
    /// decoder learn together to fool it, which at the optimum makes `E` invert `G`. The
    /// reconstruction error is still measured, as how faithful `x → E → G` is.
    Bidirectional,
    /// VAE-GAN (Larsen et al. 2016): a VAE whose reconstruction is measured in the hidden
    /// features of an image critic (squared distance, summed) instead of in pixels, and whose
    /// decoder is also a GAN generator against that critic. Its three networks train apart: the
    /// encoder on KL + the feature distance, the decoder on `gamma` x the feature distance +
    /// fooling the critic with reconstructions and prior samples, the critic on telling data
    /// from both.
    VaeGan { gamma: f64 },
    /// Deep-feature-consistent VAE (Hou et al. 2017): a VAE whose reconstruction term is the
    /// squared distance between a fixed, pretrained network's hidden features of the image and of
    /// its reconstruction (this project's classifier, both convolution layers; halved and summed),
    /// plus `beta` x the KL. The pixel cross-entropy is still measured, not minimized.
    FeatureConsistent { beta: f64 },
}

/// The weight of the feature distance in the VAE-GAN decoder's loss, against its fooling terms.
pub const VAE_GAN_GAMMA: f64 = 0.01;

/// The KL weight of the feature-consistent VAE: its feature distance is in larger units than a
/// pixel likelihood (thousands of feature values per image), so the KL needs more weight to keep
/// the code usable as a sampler's.
pub const DFC_BETA: f64 = 10.0;

/// The unit an objective is counted in, which fixes how a per-sample sum becomes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Summed over the pixels of a sample (a likelihood: the VAE's ELBO).
    PerSample,
    /// Averaged over the pixels (the deterministic autoencoders' reconstruction loss).
    PerPixel,
}

impl Scale {
    /// What a per-sample sum over the `values` of an image is divided by to be in this unit.
    pub fn divisor(self, values: usize) -> f64 {
        match self {
            Scale::PerSample => 1.0,
            Scale::PerPixel => values as f64,
        }
    }

    /// "per sample" or "per pixel", as printed next to a loss.
    pub fn unit(self) -> &'static str {
        match self {
            Scale::PerSample => "per sample",
            Scale::PerPixel => "per pixel",
        }
    }

    /// A loss value formatted with its unit: `105.65 /sample`, `0.0775 /px`.
    pub fn format(self, value: f64) -> String {
        match self {
            Scale::PerSample => format!("{value:.2} /sample"),
            Scale::PerPixel => format!("{value:.4} /px"),
        }
    }
}

/// One entry of the training form's objective menu: a kind with its default settings, and the
/// critic it trains by default (adversarial objectives only).
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveChoice {
    pub label: &'static str,
    pub objective: Objective,
    pub critic: Option<CriticConfig>,
}

/// The parts of a batch's objective, as training minimizes it and evaluation reports it.
#[derive(Clone, Debug)]
pub struct LossTerms {
    /// `[1]`: the value the optimizer minimizes, in the objective's [`Scale`]:
    /// `reconstruction / divisor + beta·KL` or `reconstruction / divisor + lambda·penalty`.
    pub objective: Tensor<1>,
    /// `[batch]`: reconstruction loss summed over the pixels of each sample.
    pub reconstruction: Tensor<1>,
    /// `[batch]`: KL divergence of each sample's posterior from the prior (variational only).
    pub kl: Option<Tensor<1>>,
    /// `[1]`: the penalty for the batch, before its weight lambda (penalized objectives only).
    pub penalty: Option<Tensor<1>>,
}

/// What a penalty may be computed from, beside the objective's own settings.
///
/// # Shapes
/// - code: `[batch, code]` (the posterior mean of a variational model)
/// - jacobian_norm: `[batch]`, each sample's `‖∂h/∂x‖²_F` (contractive objective)
/// - critic_logits: `[batch, 1]` per part of the prior, the critic's logits for the codes
///   (adversarial objective)
/// - feature_distance: `[batch]`, half the squared distance between the image critic's features
///   of each image and of its reconstruction (VAE-GAN)
pub struct PenaltyInputs {
    pub code: Tensor<2>,
    pub jacobian_norm: Option<Tensor<1>>,
    pub critic_logits: Option<Vec<Tensor<2>>>,
    pub feature_distance: Option<Tensor<1>>,
    /// `[batch]`: how far each image's view is from its cluster assignment (a clustering code
    /// with a views' consistency, while training; see [`crate::model::prior::view_consistency`]).
    pub view_consistency: Option<Tensor<1>>,
}

impl Objective {
    /// Every kind with its default settings, in menu order: the page builds its form from this
    /// list (`Studio.objectives`), so an arm added here appears there with its settings.
    /// The feature-consistent VAE is not among them: the page's training worker does not load the
    /// feature network it trains against yet.
    pub const CHOICES: [Objective; 9] = [
        Objective::Reconstruction,
        Objective::Variational { beta: 1.0 },
        Objective::SparseL1 { lambda: 1e-3 },
        Objective::SparseKl { rho: 0.05, lambda: 0.1 },
        Objective::Contractive { lambda: 0.01 },
        Objective::Adversarial { weight: 0.05, prior: Prior::Gaussian },
        Objective::Mmd { lambda: 10.0 },
        Objective::Bidirectional,
        Objective::VaeGan { gamma: VAE_GAN_GAMMA },
    ];

    /// [`Objective::CHOICES`] with their labels and default critics, for a menu.
    pub fn choices() -> Vec<ObjectiveChoice> {
        Objective::CHOICES
            .iter()
            .map(|objective| ObjectiveChoice { label: objective.label(), objective: *objective, critic: objective.default_critic() })
            .collect()
    }

    /// The critic this objective trains unless told otherwise: for a code, the default one; for
    /// (image, code) pairs, one with dropout at half its learning rate, which keeps the game of
    /// a bidirectional GAN near even (without them it wins and the generator collapses).
    pub fn default_critic(&self) -> Option<CriticConfig> {
        match self {
            Objective::Bidirectional => Some(CriticConfig { learning_rate: 1e-4, dropout: 0.2, ..CriticConfig::default() }),
            // The image critic: its convolutions, then one dense layer of 256.
            Objective::VaeGan { .. } => Some(CriticConfig { hidden: vec![256], learning_rate: 1e-4, dropout: 0.2, steps: 1 }),
            _ => self.needs_critic().then(CriticConfig::default),
        }
    }

    /// The kind's name for a menu.
    pub fn label(&self) -> &'static str {
        match self {
            Objective::Reconstruction => "reconstruction (AE, DAE)",
            Objective::Variational { .. } => "variational (VAE)",
            Objective::SparseL1 { .. } => "sparse, L1",
            Objective::SparseKl { .. } => "sparse, KL",
            Objective::Contractive { .. } => "contractive",
            Objective::Adversarial { .. } => "adversarial (AAE)",
            Objective::Mmd { .. } => "Wasserstein, MMD (WAE)",
            Objective::Bidirectional => "bidirectional GAN (BiGAN, ALI)",
            Objective::VaeGan { .. } => "VAE-GAN (learned similarity)",
            Objective::FeatureConsistent { .. } => "feature-consistent VAE (DFC-VAE)",
        }
    }

    /// How many values the encoder outputs per code unit: a variational posterior has a mean and
    /// a log-variance, a deterministic code one value.
    pub fn encoder_outputs(&self, code_size: usize) -> usize {
        match self {
            Objective::Variational { .. } | Objective::VaeGan { .. } | Objective::FeatureConsistent { .. } => 2 * code_size,
            Objective::Reconstruction
            | Objective::SparseL1 { .. }
            | Objective::SparseKl { .. }
            | Objective::Contractive { .. }
            | Objective::Adversarial { .. }
            | Objective::Mmd { .. }
            | Objective::Bidirectional => code_size,
        }
    }

    /// Whether the encoder's code is a Gaussian posterior (a mean and a log-variance).
    pub fn is_variational(&self) -> bool {
        matches!(self, Objective::Variational { .. } | Objective::VaeGan { .. } | Objective::FeatureConsistent { .. })
    }

    /// Whether the encoder and the decoder train apart, each on its own loss (VAE-GAN), rather
    /// than together on the objective.
    pub fn trains_encoder_and_decoder_apart(&self) -> bool {
        matches!(self, Objective::VaeGan { .. })
    }

    /// Whether the critic judges images (VAE-GAN) rather than codes or (image, code) pairs.
    pub fn critic_judges_images(&self) -> bool {
        matches!(self, Objective::VaeGan { .. })
    }

    /// The distribution the codes are pushed towards, whose samples then decode to images: what
    /// sampling, the manifold and prior-unit traversals need.
    pub fn prior(&self) -> Option<Prior> {
        match *self {
            Objective::Variational { .. }
            | Objective::Mmd { .. }
            | Objective::Bidirectional
            | Objective::VaeGan { .. }
            | Objective::FeatureConsistent { .. } => Some(Prior::Gaussian),
            Objective::Adversarial { prior, .. } => Some(prior),
            Objective::Reconstruction | Objective::SparseL1 { .. } | Objective::SparseKl { .. } | Objective::Contractive { .. } => None,
        }
    }

    /// Whether the model has a prior to sample from (see [`Objective::prior`]).
    pub fn has_prior(&self) -> bool {
        self.prior().is_some()
    }

    /// Whether a batch's loss needs the images' labels (a labelled prior).
    pub fn needs_labels(&self) -> bool {
        self.prior().is_some_and(|prior| prior.needs_labels())
    }

    /// The unit the objective is counted in.
    pub fn scale(&self) -> Scale {
        match self {
            Objective::Variational { .. } | Objective::Mmd { .. } | Objective::VaeGan { .. } | Objective::FeatureConsistent { .. } => Scale::PerSample,
            Objective::Reconstruction
            | Objective::SparseL1 { .. }
            | Objective::SparseKl { .. }
            | Objective::Contractive { .. }
            | Objective::Adversarial { .. }
            | Objective::Bidirectional => Scale::PerPixel,
        }
    }

    /// The penalty's weight (lambda, or the adversarial term's weight), for penalized objectives;
    /// 1 for a bidirectional GAN, whose adversarial term is its whole objective.
    pub fn penalty_weight(&self) -> Option<f64> {
        match *self {
            Objective::Bidirectional => Some(1.0),
            Objective::VaeGan { gamma } => Some(gamma),
            // The feature distance is the reconstruction term itself, at weight 1.
            Objective::FeatureConsistent { .. } => Some(1.0),
            Objective::SparseL1 { lambda } | Objective::SparseKl { lambda, .. } | Objective::Contractive { lambda } => Some(lambda),
            Objective::Adversarial { weight, .. } => Some(weight),
            Objective::Mmd { lambda } => Some(lambda),
            Objective::Reconstruction | Objective::Variational { .. } => None,
        }
    }

    /// The KL-sparsity target, for the sparse KL objective.
    pub fn sparsity_target(&self) -> Option<f64> {
        match *self {
            Objective::SparseKl { rho, .. } => Some(rho),
            _ => None,
        }
    }

    /// Whether the loss uses a statistic of the whole batch rather than a mean over its samples
    /// (the KL sparsity's mean activations, the MMD between the batch's codes and the prior's,
    /// a clustering code's logits centred on the batch's mean): the sum of its shares' gradients
    /// is not its gradient, so data-parallel training does not share such a batch.
    pub fn uses_batch_statistic(&self) -> bool {
        matches!(self, Objective::SparseKl { .. } | Objective::Mmd { .. } | Objective::Adversarial { prior: Prior::Clusters { .. }, .. })
    }

    /// Whether the penalty needs the encoder's Jacobian (computed alongside the code).
    pub fn needs_jacobian(&self) -> bool {
        matches!(self, Objective::Contractive { .. })
    }

    /// Adam's first-moment decay for this objective's networks: 0.5 for a bidirectional GAN,
    /// as Donahue et al. and Dumoulin et al. train (a GAN's gradients turn as the other player
    /// moves, and a long momentum overshoots them); PyTorch's 0.9 otherwise.
    pub fn adam_beta1(&self) -> f32 {
        match self {
            Objective::Bidirectional | Objective::VaeGan { .. } => 0.5,
            _ => 0.9,
        }
    }

    /// Whether the model trains a critic network against its encoder.
    pub fn needs_critic(&self) -> bool {
        match self {
            Objective::Adversarial { .. } | Objective::Bidirectional | Objective::VaeGan { .. } => true,
            Objective::Reconstruction
            | Objective::SparseL1 { .. }
            | Objective::SparseKl { .. }
            | Objective::Contractive { .. }
            | Objective::Variational { .. }
            | Objective::FeatureConsistent { .. }
            | Objective::Mmd { .. } => false,
        }
    }

    /// Refuses weights that are negative or not finite and a target outside (0, 1), and the
    /// combinations with the rest of the configuration that cannot work.
    pub fn validate(&self, code_size: usize, code_activation: Option<Activation>, dense_encoder: bool) -> AeResult<()> {
        if let Some(lambda) = self.penalty_weight() {
            ensure(lambda.is_finite() && lambda >= 0.0, || format!("the penalty weight lambda must be finite and >= 0, got {lambda}"))?;
        }
        match *self {
            Objective::Reconstruction | Objective::SparseL1 { .. } => Ok(()),
            Objective::SparseKl { rho, .. } => {
                ensure(rho > 0.0 && rho < 1.0, || format!("the sparsity target rho must be in (0, 1), got {rho}"))?;
                ensure(code_activation == Some(Activation::Sigmoid), || {
                    "the KL sparsity penalty compares mean activations with rho: it needs a sigmoid code activation".into()
                })
            }
            Objective::Contractive { .. } => ensure(dense_encoder, || "the contractive penalty is computed for a dense encoder".into()),
            Objective::Variational { beta } => {
                ensure(beta.is_finite() && beta >= 0.0, || format!("beta must be a finite number >= 0, got {beta}"))?;
                ensure(code_activation.is_none(), || "a VAE's code is a Gaussian's mean: it takes no code activation".into())
            }
            Objective::Adversarial { prior, .. } => {
                prior.validate(code_size)?;
                ensure(code_activation.is_none(), || "an adversarial code is matched to its prior: it takes no code activation".into())
            }
            Objective::Mmd { .. } => ensure(code_activation.is_none(), || "a WAE's code is matched to N(0, I): it takes no code activation".into()),
            Objective::Bidirectional => ensure(code_activation.is_none(), || "a BiGAN's code is matched to N(0, I): it takes no code activation".into()),
            Objective::VaeGan { .. } => ensure(code_activation.is_none(), || "a VAE-GAN's code is a Gaussian's mean: it takes no code activation".into()),
            Objective::FeatureConsistent { beta } => {
                ensure(beta.is_finite() && beta >= 0.0, || format!("beta must be a finite number >= 0, got {beta}"))?;
                ensure(code_activation.is_none(), || "a DFC-VAE's code is a Gaussian's mean: it takes no code activation".into())
            }
        }
    }

    /// The columns of what the critic judges that each of its networks sees: the code (or a
    /// clustering prior's two parts) for an adversarial autoencoder, the image and the code side
    /// by side for a bidirectional GAN; none for VAE-GAN, whose image critic sees whole images, or
    /// without a critic.
    pub fn critic_parts(&self, code_size: usize, image: ImageShape) -> Vec<Range<usize>> {
        match *self {
            Objective::Adversarial { prior, .. } => prior.critic_parts(code_size),
            Objective::Bidirectional => vec![0..image.values() + code_size],
            _ => Vec::new(),
        }
    }

    /// The variant's name for people, given the input corruption's description (if any).
    pub fn describe(&self, corruption: Option<String>) -> String {
        match (*self, corruption) {
            (Objective::Variational { beta }, Some(noise)) if beta != 1.0 => format!("denoising beta-VAE (beta {beta}, {noise})"),
            (Objective::Variational { .. }, Some(noise)) => format!("denoising VAE ({noise})"),
            (Objective::Variational { beta }, _) if beta != 1.0 => format!("beta-VAE (beta {beta})"),
            (Objective::Variational { .. }, _) => "VAE".to_string(),
            (Objective::SparseL1 { lambda }, _) => format!("sparse AE (L1, lambda {lambda})"),
            (Objective::SparseKl { rho, lambda }, _) => format!("sparse AE (KL, rho {rho}, lambda {lambda})"),
            (Objective::Contractive { lambda }, _) => format!("contractive AE (lambda {lambda})"),
            (Objective::Adversarial { weight, prior }, _) => format!("adversarial AE (prior {}, weight {weight})", prior.describe()),
            (Objective::Mmd { lambda }, _) => format!("WAE-MMD (lambda {lambda})"),
            (Objective::Bidirectional, _) => "BiGAN (ALI with a deterministic encoder)".to_string(),
            (Objective::VaeGan { gamma }, _) => format!("VAE-GAN (gamma {gamma})"),
            (Objective::FeatureConsistent { beta }, _) => format!("DFC-VAE (beta {beta})"),
            (Objective::Reconstruction, None) => "autoencoder".to_string(),
            (Objective::Reconstruction, Some(noise)) => format!("denoising AE ({noise})"),
        }
    }

    /// The penalty of a batch before its weight.
    ///
    /// # Shapes
    /// - output: `[1]`
    pub fn penalty(&self, inputs: PenaltyInputs) -> Option<Tensor<1>> {
        match *self {
            Objective::Reconstruction | Objective::Variational { .. } => None,
            Objective::SparseL1 { .. } => Some(l1_activity(inputs.code).mean()),
            Objective::SparseKl { rho, .. } => Some(kl_sparsity(inputs.code, rho)),
            Objective::Contractive { .. } => inputs.jacobian_norm.map(|norm| norm.mean()),
            // The encoder fools the critic when the critic calls its codes prior samples (label 1),
            // every part of them.
            Objective::Adversarial { .. } => inputs.critic_logits.map(|parts| {
                let fooling = parts.into_iter().map(|logits| {
                    let targets = logits.ones_like();
                    bce_with_logits(logits, targets).mean()
                });
                Tensor::cat(fooling.collect(), 0).sum()
            }),
            // The critic calls generated pairs prior samples (1) and encoded pairs not (0); encoder
            // and decoder fool it by swapping the two: the non-saturating form of the minimax game.
            Objective::Bidirectional => inputs.critic_logits.map(|parts| {
                let [encoded, generated]: [Tensor<2>; 2] = parts.try_into().expect("a bidirectional critic judges two kinds of pairs");
                let fool_encoded = bce_with_logits(encoded.clone(), encoded.ones_like()).mean();
                let fool_generated = bce_with_logits(generated.clone(), generated.zeros_like()).mean();
                fool_encoded + fool_generated
            }),
            Objective::VaeGan { .. } | Objective::FeatureConsistent { .. } => inputs.feature_distance.map(|distance| distance.mean()),
            Objective::Mmd { .. } => {
                let [batch, code_size] = inputs.code.dims();
                let prior = Prior::Gaussian.sample(batch, code_size, 1.0, None, &inputs.code.device());
                Some(mmd_inverse_multiquadratic(inputs.code, prior, 1.0))
            }
        }
    }

    /// Puts a batch's parts together: `reconstruction` per sample, a variational posterior's
    /// log-variance `log_var`, and the penalty's inputs.
    ///
    /// # Shapes
    /// - reconstruction: `[batch]`; log_var: `[batch, code]`
    /// `values` is the number of values of an image (the per-pixel unit's divisor).
    pub fn terms(&self, reconstruction: Tensor<1>, log_var: Option<Tensor<2>>, inputs: PenaltyInputs, values: usize) -> LossTerms {
        match (*self, log_var) {
            // The encoder's loss: KL + the distance in the critic's features (the decoder's adds
            // the game; see `Autoencoder::decoder_loss`).
            (Objective::VaeGan { .. }, Some(log_var)) => {
                let kl = kl_to_standard_normal(inputs.code.clone(), log_var);
                let penalty = self.penalty(inputs).expect("a VAE-GAN's loss needs its critic's features");
                let objective = kl.clone().mean() + penalty.clone();
                LossTerms { objective, reconstruction, kl: Some(kl), penalty: Some(penalty) }
            }
            (Objective::FeatureConsistent { beta }, Some(log_var)) => {
                let kl = kl_to_standard_normal(inputs.code.clone(), log_var);
                let penalty = self.penalty(inputs).expect("a DFC-VAE's loss needs its feature network's distance");
                let objective = kl.clone().mean().mul_scalar(beta) + penalty.clone();
                LossTerms { objective, reconstruction, kl: Some(kl), penalty: Some(penalty) }
            }
            (Objective::Variational { beta }, Some(log_var)) => {
                let kl = kl_to_standard_normal(inputs.code, log_var);
                let objective = (reconstruction.clone() + kl.clone().mul_scalar(beta)).mean();
                LossTerms { objective, reconstruction, kl: Some(kl), penalty: None }
            }
            (Objective::Bidirectional, _) => {
                let penalty = self.penalty(inputs).expect("a bidirectional GAN's loss needs its critic's logits");
                LossTerms { objective: penalty.clone(), reconstruction, kl: None, penalty: Some(penalty) }
            }
            _ => {
                let scaled = reconstruction.clone().mean().div_scalar(self.scale().divisor(values));
                let consistency = self.prior().and_then(|prior| prior.consistency()).zip(inputs.view_consistency.clone());
                let penalty = self.penalty(inputs);
                let objective = match (&penalty, self.penalty_weight()) {
                    (Some(penalty), Some(lambda)) => scaled + penalty.clone().mul_scalar(lambda),
                    _ => scaled,
                };
                let objective = match consistency {
                    Some((weight, per_image)) => objective + per_image.mean().mul_scalar(weight),
                    None => objective,
                };
                LossTerms { objective, reconstruction, kl: None, penalty }
            }
        }
    }
}
