//! The autoencoder: an encoder, a decoder and the objective that ties them, configured as a plain
//! (undercomplete), denoising, variational or beta-variational autoencoder.

use burn::prelude::*;
use burn::tensor::{Distribution, activation::sigmoid};
use serde::{Deserialize, Serialize};

use crate::conv::{ConvDecoder, ConvDecoderConfig, ConvEncoder, ConvEncoderConfig};
use crate::error::{AeResult, ensure};
use crate::loss::{bce_with_logits, kl_sparsity, kl_to_standard_normal, l1_activity, per_sample_sum, squared_error};
use crate::mlp::{Activation, Mlp, MlpConfig};
use crate::noise::Corruption;

/// Pixels in one flattened 28x28 image.
pub const PIXELS: usize = 28 * 28;

/// The encoder/decoder family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Architecture {
    /// Dense layers: `784 → hidden… → code → …hidden reversed → 784`.
    Mlp { hidden: Vec<usize> },
    /// Two stride-2 convolutions with the given channel counts, mirrored by transposed ones.
    Conv { channels: [usize; 2] },
}

/// The decoder's output distribution, which fixes the reconstruction loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// Bernoulli pixels: binary cross-entropy on the logits.
    #[default]
    Bernoulli,
    /// Gaussian pixels of fixed variance: squared error of `sigmoid(logits)`.
    Gaussian,
}

/// A penalty that regularizes the code of a (non-variational) autoencoder, weighted by `lambda`
/// against the per-pixel reconstruction loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Regularizer {
    /// Sparse autoencoder, L1 form: `lambda · mean_batch Σ_j |h_j|`.
    SparseL1 { lambda: f64 },
    /// Sparse autoencoder, KL form (sigmoid codes): `lambda · Σ_j KL(rho ‖ ρ̂_j)`, with `ρ̂_j` the
    /// unit's mean activation over the batch.
    SparseKl { rho: f64, lambda: f64 },
    /// Contractive autoencoder (dense encoder): `lambda · mean_batch ‖∂h/∂x‖²_F`.
    Contractive { lambda: f64 },
}

impl Regularizer {
    /// The penalty's weight.
    pub fn lambda(&self) -> f64 {
        match *self {
            Regularizer::SparseL1 { lambda } | Regularizer::SparseKl { lambda, .. } | Regularizer::Contractive { lambda } => lambda,
        }
    }

    /// Refuses weights that are negative or not finite, and a target outside (0, 1).
    pub fn validate(&self) -> AeResult<()> {
        let lambda = self.lambda();
        ensure(lambda.is_finite() && lambda >= 0.0, || format!("the penalty weight lambda must be finite and >= 0, got {lambda}"))?;
        if let Regularizer::SparseKl { rho, .. } = *self {
            ensure(rho > 0.0 && rho < 1.0, || format!("the sparsity target rho must be in (0, 1), got {rho}"))?;
        }
        Ok(())
    }
}

/// Configuration of an [`Autoencoder`]; every model of the family is a value of this type.
#[derive(Config, Debug, PartialEq)]
pub struct AutoencoderConfig {
    /// Size of the code (the bottleneck), at least 1.
    pub code_size: usize,
    #[config(default = "Architecture::Mlp { hidden: vec![400] }")]
    pub architecture: Architecture,
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    #[config(default = "Likelihood::Bernoulli")]
    pub likelihood: Likelihood,
    /// Corruption of the input during training (denoising autoencoders).
    #[config(default = "Corruption::None")]
    pub corruption: Corruption,
    /// A variational autoencoder: the encoder gives a mean and a log-variance per code unit.
    #[config(default = false)]
    pub variational: bool,
    /// Weight of the KL term (1 for the VAE, other values for the beta-VAE).
    #[config(default = 1.0)]
    pub beta: f64,
    /// An activation on the code of a non-variational model (`None`: a linear code). Sparse and
    /// contractive autoencoders use one; the KL sparsity penalty needs `sigmoid`.
    pub code_activation: Option<Activation>,
    /// A penalty on the code: sparse (L1 or KL) or contractive.
    pub regularizer: Option<Regularizer>,
}

/// Named models of the family, as the command line and the page offer them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Undercomplete dense autoencoder, 784-400-32-400-784.
    Ae,
    /// Denoising dense autoencoder (Gaussian noise, sigma 0.5).
    Dae,
    /// The canonical VAE of PyTorch's examples: 784-400-20-400-784, Bernoulli decoder.
    Vae,
    /// The same with beta = 4.
    BetaVae,
    /// Convolutional denoising autoencoder (masking noise, keep 0.7), code 32.
    ConvDae,
    /// Sparse autoencoder, L1 form: ReLU code of 64, lambda 1e-3.
    SparseL1,
    /// Sparse autoencoder, KL form: sigmoid code of 64, rho 0.05, lambda 0.1.
    SparseKl,
    /// Contractive autoencoder: one sigmoid layer 784-64, lambda 0.01.
    Cae,
}

impl Preset {
    /// Every preset, in the order menus list them.
    pub const ALL: [Preset; 8] =
        [Preset::Ae, Preset::Dae, Preset::Vae, Preset::BetaVae, Preset::ConvDae, Preset::SparseL1, Preset::SparseKl, Preset::Cae];

    /// The name used on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ae => "ae",
            Preset::Dae => "dae",
            Preset::Vae => "vae",
            Preset::BetaVae => "beta-vae",
            Preset::ConvDae => "conv-dae",
            Preset::SparseL1 => "sparse-l1",
            Preset::SparseKl => "sparse-kl",
            Preset::Cae => "cae",
        }
    }

    /// Parses a preset name.
    pub fn from_name(name: &str) -> AeResult<Preset> {
        Self::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| {
            let known: Vec<_> = Self::ALL.iter().map(|p| p.name()).collect();
            crate::AeError::InvalidConfig(format!("unknown model '{name}', expected one of {}", known.join(", ")))
        })
    }

    /// The configuration this preset stands for.
    pub fn config(self) -> AutoencoderConfig {
        match self {
            Preset::Ae => AutoencoderConfig::new(32),
            Preset::Dae => AutoencoderConfig::new(32).with_corruption(Corruption::Gaussian { sigma: 0.5 }),
            Preset::Vae => AutoencoderConfig::new(20).with_variational(true),
            Preset::BetaVae => AutoencoderConfig::new(20).with_variational(true).with_beta(4.0),
            Preset::ConvDae => AutoencoderConfig::new(32)
                .with_architecture(Architecture::Conv { channels: [16, 32] })
                .with_corruption(Corruption::Masking { keep_probability: 0.7 }),
            Preset::SparseL1 => AutoencoderConfig::new(64)
                .with_code_activation(Some(Activation::Relu))
                .with_regularizer(Some(Regularizer::SparseL1 { lambda: 1e-3 })),
            Preset::SparseKl => AutoencoderConfig::new(64)
                .with_code_activation(Some(Activation::Sigmoid))
                .with_regularizer(Some(Regularizer::SparseKl { rho: 0.05, lambda: 0.1 })),
            Preset::Cae => AutoencoderConfig::new(64)
                .with_architecture(Architecture::Mlp { hidden: vec![] })
                .with_code_activation(Some(Activation::Sigmoid))
                .with_regularizer(Some(Regularizer::Contractive { lambda: 0.01 })),
        }
    }
}

impl AutoencoderConfig {
    /// Largest accepted code or layer width; far above anything useful for 28x28 images.
    pub const MAX_WIDTH: usize = 16_384;

    /// Refuses a configuration that cannot work, with the reason.
    pub fn validate(&self) -> AeResult<()> {
        let width_ok = |w: usize| (1..=Self::MAX_WIDTH).contains(&w);
        ensure(width_ok(self.code_size), || {
            format!("code size must be between 1 and {}, got {}", Self::MAX_WIDTH, self.code_size)
        })?;
        match &self.architecture {
            Architecture::Mlp { hidden } => ensure(hidden.iter().all(|&w| width_ok(w)), || {
                format!("hidden layer widths must be between 1 and {}, got {hidden:?}", Self::MAX_WIDTH)
            })?,
            Architecture::Conv { channels } => ensure(channels.iter().all(|&c| (1..=512).contains(&c)), || {
                format!("convolution channels must be between 1 and 512, got {channels:?}")
            })?,
        }
        ensure(self.beta.is_finite() && self.beta >= 0.0, || {
            format!("beta must be a finite number >= 0, got {}", self.beta)
        })?;
        ensure(!(self.variational && self.code_activation.is_some()), || {
            "a VAE's code is a Gaussian's mean: it takes no code activation".into()
        })?;
        if let Some(regularizer) = &self.regularizer {
            regularizer.validate()?;
            ensure(!self.variational, || "sparse and contractive penalties are for non-variational autoencoders".into())?;
            if let Regularizer::SparseKl { .. } = regularizer {
                ensure(self.code_activation == Some(Activation::Sigmoid), || {
                    "the KL sparsity penalty compares mean activations with rho: it needs a sigmoid code activation".into()
                })?;
            }
            if let Regularizer::Contractive { .. } = regularizer {
                ensure(matches!(self.architecture, Architecture::Mlp { .. }), || {
                    "the contractive penalty is computed for a dense encoder".into()
                })?;
            }
        }
        self.corruption.validate()
    }

    /// A short human-readable name: "VAE", "beta-VAE (beta 4)", "denoising AE (gaussian)"...
    pub fn describe(&self) -> String {
        let base = match &self.architecture {
            Architecture::Mlp { hidden } => format!("dense 784-{}", mirror(hidden, self.code_size)),
            Architecture::Conv { channels } => format!("conv {}x{} channels, code {}", channels[0], channels[1], self.code_size),
        };
        let kind = match (self.variational, self.corruption, self.regularizer) {
            (true, _, _) if self.beta != 1.0 => format!("beta-VAE (beta {})", self.beta),
            (true, _, _) => "VAE".to_string(),
            (false, _, Some(Regularizer::SparseL1 { lambda })) => format!("sparse AE (L1, lambda {lambda})"),
            (false, _, Some(Regularizer::SparseKl { rho, lambda })) => format!("sparse AE (KL, rho {rho}, lambda {lambda})"),
            (false, _, Some(Regularizer::Contractive { lambda })) => format!("contractive AE (lambda {lambda})"),
            (false, Corruption::None, None) => "autoencoder".to_string(),
            (false, Corruption::Gaussian { sigma }, None) => format!("denoising AE (Gaussian sigma {sigma})"),
            (false, Corruption::Masking { keep_probability }, None) => {
                format!("denoising AE (masking, keep {keep_probability})")
            }
        };
        format!("{kind}, {base}")
    }

    /// Validates, then initializes the model on `device`.
    pub fn init(&self, device: &Device) -> AeResult<Autoencoder> {
        self.validate()?;
        let encoder_output = if self.variational { 2 * self.code_size } else { self.code_size };
        let (encoder, decoder) = match &self.architecture {
            Architecture::Mlp { hidden } => {
                let mut widths = vec![PIXELS];
                widths.extend(hidden);
                widths.push(encoder_output);
                let encoder = MlpConfig::new(widths).with_activation(self.activation).init(device);
                let mut widths = vec![self.code_size];
                widths.extend(hidden.iter().rev());
                widths.push(PIXELS);
                let decoder = MlpConfig::new(widths).with_activation(self.activation).init(device);
                (Encoder::Mlp(encoder), Decoder::Mlp(decoder))
            }
            Architecture::Conv { channels } => {
                let encoder = ConvEncoderConfig::new(*channels, encoder_output)
                    .with_activation(self.activation)
                    .init(device);
                let decoder = ConvDecoderConfig::new(self.code_size, [channels[1], channels[0]])
                    .with_activation(self.activation)
                    .init(device);
                (Encoder::Conv(encoder), Decoder::Conv(decoder))
            }
        };
        Ok(Autoencoder { encoder, decoder, config: self.clone() })
    }
}

fn mirror(hidden: &[usize], code: usize) -> String {
    let mut widths: Vec<String> = hidden.iter().map(|w| w.to_string()).collect();
    widths.push(code.to_string());
    widths.extend(hidden.iter().rev().map(|w| w.to_string()));
    widths.push(PIXELS.to_string());
    widths.join("-")
}

/// The encoder, dense or convolutional.
#[derive(Module, Debug)]
pub enum Encoder {
    Mlp(Mlp),
    Conv(ConvEncoder),
}

/// The decoder, dense or convolutional; it outputs pixel logits.
#[derive(Module, Debug)]
pub enum Decoder {
    Mlp(Mlp),
    Conv(ConvDecoder),
}

/// The code of a batch: a point per sample, with a log-variance when the model is variational.
#[derive(Clone, Debug)]
pub struct Encoding {
    /// `[batch, code]`: the code itself, or the posterior mean of a VAE.
    pub mean: Tensor<2>,
    /// `[batch, code]`: the posterior log-variance of a VAE.
    pub log_var: Option<Tensor<2>>,
}

/// What the training objective of one batch is made of.
#[derive(Clone, Debug)]
pub struct LossTerms {
    /// `[1]`: the value the optimizer minimizes. Per sample (reconstruction + beta·KL) for a VAE;
    /// per pixel (reconstruction / 784) for the other autoencoders.
    pub objective: Tensor<1>,
    /// `[batch]`: reconstruction loss summed over the pixels of each sample.
    pub reconstruction: Tensor<1>,
    /// `[batch]`: KL divergence of each sample's posterior from the prior (VAE only).
    pub kl: Option<Tensor<1>>,
    /// `[1]`: the regularizer's penalty for the batch, before its weight lambda.
    pub penalty: Option<Tensor<1>>,
}

/// An autoencoder of the family; see [`AutoencoderConfig`].
#[derive(Module, Debug)]
pub struct Autoencoder {
    encoder: Encoder,
    decoder: Decoder,
    #[module(skip)]
    config: AutoencoderConfig,
}

impl Autoencoder {
    /// A dense autoencoder of `config` from trained encoder and decoder MLPs (greedy layer-wise
    /// training assembles one); the widths must be the ones `config` describes.
    pub fn from_mlps(config: &AutoencoderConfig, encoder: Mlp, decoder: Mlp) -> AeResult<Autoencoder> {
        config.validate()?;
        let Architecture::Mlp { hidden } = &config.architecture else {
            return Err(crate::AeError::InvalidConfig("only a dense autoencoder is made of MLPs".into()));
        };
        ensure(!config.variational, || "a VAE's encoder has two outputs per code unit; build it with init".into())?;
        let widths = |mlp: &Mlp| {
            let mut widths = vec![mlp.layers()[0].weight.dims()[0]];
            widths.extend(mlp.layers().iter().map(|layer| layer.weight.dims()[1]));
            widths
        };
        let mut expected: Vec<usize> = std::iter::once(PIXELS).chain(hidden.iter().copied()).collect();
        expected.push(config.code_size);
        ensure(widths(&encoder) == expected, || format!("the encoder's widths {:?} are not {expected:?}", widths(&encoder)))?;
        expected.reverse();
        ensure(widths(&decoder) == expected, || format!("the decoder's widths {:?} are not {expected:?}", widths(&decoder)))?;
        Ok(Autoencoder { encoder: Encoder::Mlp(encoder), decoder: Decoder::Mlp(decoder), config: config.clone() })
    }

    /// The input weights of the first encoder layer of a dense model, one 784-pixel filter per
    /// unit (`None` for a convolutional encoder).
    ///
    /// # Shapes
    /// - output: `[784, units]`
    pub fn first_layer_filters(&self) -> Option<Tensor<2>> {
        match &self.encoder {
            Encoder::Mlp(mlp) => Some(mlp.layers()[0].weight.val()),
            Encoder::Conv(_) => None,
        }
    }

    /// The configuration that made this model.
    pub fn config(&self) -> &AutoencoderConfig {
        &self.config
    }

    /// Encodes a batch of images with pixels in [0, 1].
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: `mean` (and `log_var`) `[batch, code]`
    pub fn encode(&self, input: Tensor<2>) -> Encoding {
        let features = match &self.encoder {
            Encoder::Mlp(mlp) => mlp.forward(input),
            Encoder::Conv(conv) => conv.forward(input),
        };
        self.encoding_of(features)
    }

    /// Splits a VAE's encoder output into mean and log-variance, or applies the code activation.
    fn encoding_of(&self, features: Tensor<2>) -> Encoding {
        if self.config.variational {
            let [batch, _] = features.dims();
            let code = self.config.code_size;
            let mean = features.clone().slice([0..batch, 0..code]);
            let log_var = features.slice([0..batch, code..2 * code]);
            Encoding { mean, log_var: Some(log_var) }
        } else {
            let code = match self.config.code_activation {
                Some(activation) => activation.forward(features),
                None => features,
            };
            Encoding { mean: code, log_var: None }
        }
    }

    /// Encodes like [`Autoencoder::encode`] and also returns the contractive penalty
    /// `‖∂h/∂x‖²_F` per sample (dense encoders only).
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: the encoding, and `[batch]`
    pub fn encode_with_jacobian_norm(&self, input: Tensor<2>) -> AeResult<(Encoding, Tensor<1>)> {
        let Encoder::Mlp(mlp) = &self.encoder else {
            return Err(crate::AeError::InvalidConfig("the contractive penalty is computed for a dense encoder".into()));
        };
        ensure(!self.config.variational, || "the contractive penalty is for non-variational autoencoders".into())?;
        let (code, norm) = mlp.forward_with_jacobian_norm(input, self.config.code_activation);
        Ok((Encoding { mean: code, log_var: None }, norm))
    }

    /// Decodes codes into pixel logits (apply a sigmoid for probabilities).
    ///
    /// # Shapes
    /// - code: `[batch, code]`
    /// - output: `[batch, 784]`
    pub fn decode(&self, code: Tensor<2>) -> Tensor<2> {
        match &self.decoder {
            Decoder::Mlp(mlp) => mlp.forward(code),
            Decoder::Conv(conv) => conv.forward(code),
        }
    }

    /// Draws a code from the posterior by the reparameterization trick,
    /// `mean + exp(½·log_var)·ε` with `ε ~ N(0, I)`; the mean itself for a deterministic model.
    ///
    /// # Shapes
    /// - output: `[batch, code]`
    pub fn sample_code(&self, encoding: &Encoding) -> Tensor<2> {
        match &encoding.log_var {
            None => encoding.mean.clone(),
            Some(log_var) => {
                let epsilon = Tensor::random(encoding.mean.shape(), Distribution::Normal(0.0, 1.0), &encoding.mean.device());
                encoding.mean.clone() + log_var.clone().mul_scalar(0.5).exp() * epsilon
            }
        }
    }

    /// Reconstructs a batch deterministically (the posterior mean for a VAE): pixel probabilities.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: `[batch, 784]`, in (0, 1)
    pub fn reconstruct(&self, input: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode(self.encode(input).mean))
    }

    /// The training objective for `clean` images, whose (possibly corrupted) version `input` the
    /// model sees: encode `input`, draw a code, decode, and compare with `clean`.
    ///
    /// # Shapes
    /// - input, clean: `[batch, 784]`
    pub fn loss(&self, input: Tensor<2>, clean: Tensor<2>) -> LossTerms {
        let (encoding, contraction) = match self.config.regularizer {
            Some(Regularizer::Contractive { .. }) => {
                let (encoding, norm) = self.encode_with_jacobian_norm(input).expect("validated: a dense, non-variational encoder");
                (encoding, Some(norm))
            }
            _ => (self.encode(input), None),
        };
        let logits = self.decode(self.sample_code(&encoding));
        let reconstruction = self.reconstruction_loss(logits, clean);
        match &encoding.log_var {
            Some(log_var) => {
                let kl = kl_to_standard_normal(encoding.mean, log_var.clone());
                let objective = (reconstruction.clone() + kl.clone().mul_scalar(self.config.beta)).mean();
                LossTerms { objective, reconstruction, kl: Some(kl), penalty: None }
            }
            None => {
                let penalty = match self.config.regularizer {
                    None => None,
                    Some(Regularizer::SparseL1 { .. }) => Some(l1_activity(encoding.mean).mean()),
                    Some(Regularizer::SparseKl { rho, .. }) => Some(kl_sparsity(encoding.mean, rho)),
                    Some(Regularizer::Contractive { .. }) => contraction.map(|norm| norm.mean()),
                };
                let mut objective = reconstruction.clone().mean().div_scalar(PIXELS as f64);
                if let (Some(penalty), Some(regularizer)) = (&penalty, &self.config.regularizer) {
                    objective = objective + penalty.clone().mul_scalar(regularizer.lambda());
                }
                LossTerms { objective, reconstruction, kl: None, penalty }
            }
        }
    }

    /// Reconstruction loss per sample, summed over pixels, under the configured likelihood.
    ///
    /// # Shapes
    /// - logits, clean: `[batch, 784]`
    /// - output: `[batch]`
    pub fn reconstruction_loss(&self, logits: Tensor<2>, clean: Tensor<2>) -> Tensor<1> {
        per_sample_sum(match self.config.likelihood {
            Likelihood::Bernoulli => bce_with_logits(logits, clean),
            Likelihood::Gaussian => squared_error(sigmoid(logits), clean),
        })
    }
}
