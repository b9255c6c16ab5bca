//! The configuration of an autoencoder: serde data, stored in every weight file, from which
//! [`AutoencoderConfig::init`] builds the model.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::ImageShape;
use crate::error::{AeError, AeResult, ensure};
use crate::model::autoencoder::{Autoencoder, Decoder, Encoder};
use crate::model::critic::CriticConfig;
use crate::model::objective::Objective;
use crate::nn::conv::{ConvDecoderConfig, ConvEncoderConfig};
use crate::nn::mlp::{Activation, MlpConfig};
use crate::nn::classifier::ClassifierConfig;
use crate::nn::noise::Corruption;
use crate::nn::pixelcnn::PixelDecoder;

/// Refuses convolution channel counts outside 1..=512.
fn check_conv_channels(channels: &[usize; 2]) -> AeResult<()> {
    ensure(channels.iter().all(|&c| (1..=512).contains(&c)), || format!("convolution channels must be between 1 and 512, got {channels:?}"))
}

/// The encoder/decoder family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Architecture {
    /// Dense layers: `pixels → hidden… → code → …hidden reversed → pixels`.
    Mlp { hidden: Vec<usize> },
    /// Stride-2 convolutions with the given channel counts, mirrored by transposed ones: two for
    /// 28 and 32 pixels, and one more of the first count ahead of them per further halving (64
    /// pixels: three), see [`ImageShape::halved_sides`].
    Conv { channels: [usize; 2] },
    /// The convolutional encoder, and a PixelCNN decoder (PixelVAE): the mirrored transposed
    /// convolutions turn the code into conditioning maps for `layers` masked residual layers of
    /// `pixel_channels` maps, which model each pixel given those before it.
    PixelCnn { channels: [usize; 2], pixel_channels: usize, layers: usize },
}

impl Architecture {
    /// Whether the decoder draws an image pixel by pixel (a PixelCNN).
    pub fn decodes_pixel_by_pixel(&self) -> bool {
        matches!(self, Architecture::PixelCnn { .. })
    }
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
    /// Gaussian pixels with an identity output: squared error of the raw outputs. With no
    /// hidden layer this is the linear autoencoder, which spans PCA's subspace.
    Linear,
}

impl Likelihood {
    /// The decoder's outputs as pixels: probabilities through a sigmoid, or the raw outputs of a
    /// linear decoder (which may leave [0, 1]; pictures clamp them).
    ///
    /// # Shapes
    /// - logits, output: `[batch, pixels]`
    pub fn pixels(self, logits: Tensor<2>) -> Tensor<2> {
        match self {
            Likelihood::Bernoulli | Likelihood::Gaussian => burn::tensor::activation::sigmoid(logits),
            Likelihood::Linear => logits,
        }
    }
}

/// Configuration of an [`Autoencoder`]; every model of the family is a value of this type.
#[derive(Config, Debug, PartialEq)]
pub struct AutoencoderConfig {
    /// Size of the code (the bottleneck), at least 1.
    pub code_size: usize,
    /// The images the model takes (a weight file written before shapes were recorded: MNIST's).
    #[config(default = "ImageShape::MNIST")]
    pub image: ImageShape,
    #[config(default = "Architecture::Mlp { hidden: vec![400] }")]
    pub architecture: Architecture,
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    #[config(default = "Likelihood::Bernoulli")]
    pub likelihood: Likelihood,
    /// Corruption of the input during training (denoising autoencoders).
    #[config(default = "Corruption::None")]
    pub corruption: Corruption,
    /// What is minimized besides the reconstruction: every per-variant decision follows from it.
    #[config(default = "Objective::Reconstruction")]
    pub objective: Objective,
    /// An activation on the code of a non-variational model (`None`: a linear code). Sparse and
    /// contractive autoencoders use one; the KL sparsity penalty needs `sigmoid`.
    pub code_activation: Option<Activation>,
    /// A second network trained against the autoencoder (an adversarial objective's critic).
    pub critic: Option<CriticConfig>,
}

impl AutoencoderConfig {
    /// Largest accepted code or layer width; far above anything useful for 28x28 images.
    pub const MAX_WIDTH: usize = 16_384;

    /// Reads a configuration stored as JSON, in today's layout or in a weight file's format
    /// version 1 (`variational`, `beta` and `regularizer` fields instead of `objective`); one
    /// written before image shapes were recorded (no `image`) is MNIST's.
    pub fn from_json(json: &str) -> AeResult<AutoencoderConfig> {
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(|err| AeError::InvalidConfig(err.to_string()))?;
        if let Some(fields) = value.as_object_mut()
            && !fields.contains_key("image")
        {
            fields.insert("image".into(), serde_json::json!(ImageShape::MNIST));
        }
        if let Some(fields) = value.as_object_mut()
            && !fields.contains_key("objective")
            && fields.contains_key("variational")
        {
            let variational = fields.remove("variational").and_then(|v| v.as_bool()).unwrap_or(false);
            let beta = fields.remove("beta").unwrap_or(serde_json::json!(1.0));
            // A version-1 regularizer is stored exactly as the objective arm of the same name.
            let regularizer = fields.remove("regularizer").filter(|r| !r.is_null());
            let objective = match (variational, regularizer) {
                (true, _) => serde_json::json!({ "kind": "variational", "beta": beta }),
                (false, Some(regularizer)) => regularizer,
                (false, None) => serde_json::json!({ "kind": "reconstruction" }),
            };
            fields.insert("objective".into(), objective);
        }
        serde_json::from_value(value).map_err(|err| AeError::InvalidConfig(err.to_string()))
    }

    /// This configuration for images of `shape` (the presets are written for MNIST's), validated.
    pub fn for_images(mut self, shape: ImageShape) -> AeResult<AutoencoderConfig> {
        self.image = shape;
        self.validate()?;
        Ok(self)
    }

    /// Refuses a configuration that cannot work, with the reason.
    pub fn validate(&self) -> AeResult<()> {
        self.image.validate()?;
        self.check_mnist_only_parts()?;
        let width_ok = |w: usize| (1..=Self::MAX_WIDTH).contains(&w);
        ensure(width_ok(self.code_size), || {
            format!("code size must be between 1 and {}, got {}", Self::MAX_WIDTH, self.code_size)
        })?;
        match &self.architecture {
            Architecture::Mlp { hidden } => ensure(hidden.iter().all(|&w| width_ok(w)), || {
                format!("hidden layer widths must be between 1 and {}, got {hidden:?}", Self::MAX_WIDTH)
            })?,
            Architecture::Conv { channels } => check_conv_channels(channels)?,
            Architecture::PixelCnn { channels, pixel_channels, layers } => {
                check_conv_channels(channels)?;
                ensure((1..=256).contains(pixel_channels), || format!("PixelCNN channels must be between 1 and 256, got {pixel_channels}"))?;
                ensure(*layers <= 16, || format!("a PixelCNN of at most 16 masked residual layers, got {layers}"))?;
                ensure(self.likelihood == Likelihood::Bernoulli, || "a PixelCNN decoder models Bernoulli pixels".into())?;
                // Their decoders must be differentiable from code to pixels, which a sampled
                // autoregressive image is not.
                ensure(!matches!(self.objective, Objective::VaeGan { .. } | Objective::Bidirectional), || {
                    format!("{} trains through decoded images; a PixelCNN decoder samples them pixel by pixel", self.objective.label())
                })?;
            }
        }
        self.objective.validate(self.code_size, self.code_activation, matches!(self.architecture, Architecture::Mlp { .. }))?;
        match (&self.critic, self.objective.needs_critic()) {
            (Some(critic), true) => critic.validate()?,
            (None, true) => return Err(AeError::InvalidConfig("an adversarial objective needs a critic network".into())),
            (Some(_), false) => return Err(AeError::InvalidConfig("only an adversarial objective trains a critic network".into())),
            (None, false) => {}
        }
        self.corruption.validate()
    }

    /// Refuses, on images other than MNIST's, the parts built for MNIST alone: a PixelCNN decoder
    /// (its sampler draws one grey plane), VAE-GAN's image critic, the feature network of a
    /// DFC-VAE (the shipped MNIST classifier), and the clustering AAE's views (small rotations
    /// and shifts tuned on digits).
    fn check_mnist_only_parts(&self) -> AeResult<()> {
        if self.image == ImageShape::MNIST {
            return Ok(());
        }
        let part = if self.architecture.decodes_pixel_by_pixel() {
            Some("a PixelCNN decoder")
        } else {
            match self.objective {
                Objective::VaeGan { .. } => Some("VAE-GAN's image critic"),
                Objective::FeatureConsistent { .. } => Some("a DFC-VAE's feature network"),
                Objective::Adversarial { prior: crate::model::prior::Prior::Clusters { consistency, .. }, .. } if consistency > 0.0 => {
                    Some("the clustering AAE's digit views (set --consistency 0)")
                }
                _ => None,
            }
        };
        match part {
            Some(part) => Err(AeError::InvalidConfig(format!("{part} is built for 28x28 grey images, not {}", self.image.describe()))),
            None => Ok(()),
        }
    }

    /// A short human-readable name: "VAE", "beta-VAE (beta 4), dense 784-400-20-400-784"...
    pub fn describe(&self) -> String {
        let base = match &self.architecture {
            Architecture::Mlp { .. } => {
                let widths = self.decoder_widths();
                let mut all: Vec<String> = self.encoder_widths()[..widths.len() - 1].iter().map(|w| w.to_string()).collect();
                all.extend(widths.iter().map(|w| w.to_string()));
                format!("dense {}", all.join("-"))
            }
            Architecture::Conv { channels } => format!("conv {}x{} channels, code {}", channels[0], channels[1], self.code_size),
            Architecture::PixelCnn { channels, pixel_channels, layers } => format!(
                "conv {}x{} encoder, code {}, PixelCNN decoder ({} masked layers of {pixel_channels})",
                channels[0],
                channels[1],
                self.code_size,
                layers + 1
            ),
        };
        let noise = self.corruption.describe();
        let decoder = match self.likelihood {
            Likelihood::Bernoulli => "",
            Likelihood::Gaussian => ", squared error",
            Likelihood::Linear => ", linear output, squared error",
        };
        format!("{}, {base}{decoder}", self.objective.describe(noise))
    }

    /// Layer widths of a dense encoder, from the pixels to its output (twice the code for a
    /// variational posterior).
    pub fn encoder_widths(&self) -> Vec<usize> {
        let hidden = match &self.architecture {
            Architecture::Mlp { hidden } => hidden.as_slice(),
            Architecture::Conv { .. } | Architecture::PixelCnn { .. } => &[],
        };
        let mut widths = vec![self.image.values()];
        widths.extend(hidden);
        widths.push(self.objective.encoder_outputs(self.code_size));
        widths
    }

    /// Layer widths of a dense decoder, from the code to the pixels.
    pub fn decoder_widths(&self) -> Vec<usize> {
        let hidden = match &self.architecture {
            Architecture::Mlp { hidden } => hidden.as_slice(),
            Architecture::Conv { .. } | Architecture::PixelCnn { .. } => &[],
        };
        let mut widths = vec![self.code_size];
        widths.extend(hidden.iter().rev());
        widths.push(self.image.values());
        widths
    }

    /// Validates, then initializes the model on `device`.
    pub fn init(&self, device: &Device) -> AeResult<Autoencoder> {
        self.validate()?;
        let (encoder, decoder) = match &self.architecture {
            Architecture::Mlp { .. } => {
                let encoder = MlpConfig::new(self.encoder_widths()).with_activation(self.activation).init(device);
                let decoder = MlpConfig::new(self.decoder_widths()).with_activation(self.activation).init(device);
                (Encoder::Mlp(encoder), Decoder::Mlp(decoder))
            }
            Architecture::Conv { channels } => {
                let encoder = ConvEncoderConfig::new(*channels, self.objective.encoder_outputs(self.code_size))
                    .with_image(self.image)
                    .with_activation(self.activation)
                    .init(device);
                let decoder = ConvDecoderConfig::new(self.code_size, [channels[1], channels[0]])
                    .with_image(self.image)
                    .with_output_channels(self.image.channels)
                    .with_activation(self.activation)
                    .init(device);
                (Encoder::Conv(encoder), Decoder::Conv(decoder))
            }
            Architecture::PixelCnn { channels, pixel_channels, layers } => {
                let encoder = ConvEncoderConfig::new(*channels, self.objective.encoder_outputs(self.code_size))
                    .with_activation(self.activation)
                    .init(device);
                let decoder = PixelDecoder::new(self.code_size, [channels[1], channels[0]], *pixel_channels, *layers, device);
                (Encoder::Conv(encoder), Decoder::Pixel(decoder))
            }
        };
        let label_width = self.objective.prior().map_or(0, |prior| prior.label_width());
        let (critic, discriminator) = match (&self.critic, self.objective.critic_judges_images()) {
            (Some(critic), true) => (None, Some(critic.init_image(device))),
            (Some(critic), false) => (Some(critic.init(self.objective.critic_parts(self.code_size, self.image), label_width, device)), None),
            (None, _) => (None, None),
        };
        // A placeholder for the trained network `Autoencoder::with_feature_network` puts in (a
        // weight file fills it as it does every other parameter).
        let feature_network = match self.objective {
            Objective::FeatureConsistent { .. } => Some(ClassifierConfig::new().init(device)?),
            _ => None,
        };
        Ok(Autoencoder::from_parts(encoder, decoder, (critic, discriminator), feature_network, self.clone()))
    }
}
