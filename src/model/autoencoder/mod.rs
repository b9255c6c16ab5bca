//! The autoencoder: an encoder, a decoder (and, for an adversarial objective, a critic), tied
//! together by the [`crate::model::Objective`] of its configuration.

mod clustering;

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Distribution;

use crate::error::{AeResult, ensure};
use crate::model::config::{Architecture, AutoencoderConfig, Likelihood};
use crate::model::critic::{Critic, CriticTerms};
use crate::model::discriminator::ImageCritic;
use crate::model::objective::{LossTerms, Objective, PenaltyInputs};
use crate::model::prior::Prior;
use crate::nn::conv::{ConvDecoder, ConvEncoder};
use crate::nn::loss::{bce_with_logits, per_sample_sum, squared_error, trimmed};
use crate::nn::classifier::Classifier;
use crate::nn::mlp::Mlp;
use crate::nn::pixelcnn::PixelDecoder;

/// The encoder, dense or convolutional.
#[derive(Module, Debug)]
pub enum Encoder {
    Mlp(Mlp),
    Conv(ConvEncoder),
}

/// The decoder, dense, convolutional or autoregressive; it outputs pixel logits.
#[derive(Module, Debug)]
pub enum Decoder {
    Mlp(Mlp),
    Conv(ConvDecoder),
    /// A PixelCNN conditioned on the code (PixelVAE): each pixel's logit depends on the pixels
    /// before it, so decoding a code draws an image pixel by pixel.
    Pixel(PixelDecoder),
}

/// The code of a batch: a point per sample, with a log-variance when the model is variational.
#[derive(Clone, Debug)]
pub struct Encoding {
    /// `[batch, code]`: the code itself, or the posterior mean of a VAE.
    pub mean: Tensor<2>,
    /// `[batch, code]`: the posterior log-variance of a VAE.
    pub log_var: Option<Tensor<2>>,
}

/// An autoencoder of the family; see [`AutoencoderConfig`] and [`crate::model::Objective`].
#[derive(Module, Debug)]
pub struct Autoencoder {
    encoder: Encoder,
    decoder: Decoder,
    /// The adversarial objective's critic (no parameters otherwise, so weight files of the other
    /// models list only `encoder.*` and `decoder.*`).
    critic: Option<Critic>,
    /// VAE-GAN's image critic (`discriminator.*` in its weight files only).
    discriminator: Option<ImageCritic>,
    /// The DFC-VAE's fixed feature network (`feature_network.*` in its weight files only, so a
    /// file is whole); no network update ever changes it.
    feature_network: Option<Classifier>,
    /// A clustering code's logit centre (`cluster_centre` in its weight files only; see
    /// [`crate::model::prior::centred_logits`]), an average of the batches' mean logits that
    /// [`Autoencoder::follow_cluster_centre`] updates at every autoencoder step.
    cluster_centre: Option<Param<Tensor<1>>>,
    #[module(skip)]
    config: AutoencoderConfig,
}

/// The networks of a model that train with an optimizer each. The encoder and decoder train as
/// one (Adam is per parameter, so one Adam over both equals one each) unless their losses differ
/// (VAE-GAN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Encoder and decoder together, on the objective.
    Autoencoder,
    /// The encoder alone, on its own loss (VAE-GAN).
    Encoder,
    /// The decoder alone, on its own loss (VAE-GAN).
    Decoder,
    /// The critic of codes, of pairs or of images.
    Critic,
}

impl Autoencoder {
    /// Assembles a model from its networks (see [`AutoencoderConfig::init`]).
    pub(crate) fn from_parts(encoder: Encoder, decoder: Decoder, critics: (Option<Critic>, Option<ImageCritic>), feature_network: Option<Classifier>, config: AutoencoderConfig) -> Autoencoder {
        let (critic, discriminator) = critics;
        let device = encoder.devices().into_iter().next().expect("an encoder has parameters");
        let clusters = config.objective.prior().and_then(|prior| prior.clusters());
        let cluster_centre = clusters.map(|clusters| Param::from_tensor(Tensor::zeros([clusters], &device)));
        Autoencoder { encoder, decoder, critic, discriminator, feature_network, cluster_centre, config }
    }

    /// Puts the trained `network` in place of a feature-consistent VAE's freshly initialized one
    /// (what [`AutoencoderConfig::init`] gives it): the network whose features it reconstructs.
    /// Its weights are frozen. Refused for other models, or a network of another shape.
    pub fn with_feature_network(mut self, network: Classifier) -> AeResult<Autoencoder> {
        let Some(placeholder) = &self.feature_network else {
            return Err(crate::AeError::InvalidConfig(format!("{} reconstructs pixels, not a network's features", self.config.objective.label())));
        };
        ensure(placeholder.num_params() == network.num_params(), || {
            format!("the feature network has {} parameters; a DFC-VAE's has {}", network.num_params(), placeholder.num_params())
        })?;
        self.feature_network = Some(network.no_grad());
        Ok(self)
    }

    /// The fixed network a feature-consistent VAE reconstructs the features of.
    pub fn feature_network(&self) -> Option<&Classifier> {
        self.feature_network.as_ref()
    }

    /// Half the squared distance between the feature network's maps of `clean` (detached) and of
    /// `reconstructed`, summed over both layers: a DFC-VAE's reconstruction term.
    ///
    /// # Shapes
    /// - clean, reconstructed: `[batch, 784]`
    /// - output: `[batch]`
    fn feature_map_distance(network: &Classifier, clean: Tensor<2>, reconstructed: Tensor<2>) -> Tensor<1> {
        let targets = network.feature_maps(clean);
        let outputs = network.feature_maps(reconstructed);
        let per_layer = targets.into_iter().zip(outputs).map(|(target, output)| {
            let [batch, ..] = output.dims();
            (target.detach() - output).powi_scalar(2).reshape([batch as i32, -1]).sum_dim(1).flatten::<1>(0, 1).mul_scalar(0.5)
        });
        per_layer.reduce(|a, b| a + b).expect("two layers")
    }

    /// The networks this model trains, the autoencoder's first.
    pub fn networks(&self) -> Vec<Network> {
        let mut networks = match self.config.objective.trains_encoder_and_decoder_apart() {
            true => vec![Network::Encoder, Network::Decoder],
            false => vec![Network::Autoencoder],
        };
        if self.critic.is_some() || self.discriminator.is_some() {
            networks.push(Network::Critic);
        }
        networks
    }

    /// Visits the parameters of one network, in the same order on every replica.
    pub fn visit_network<V: ModuleVisitor>(&self, network: Network, visitor: &mut V) {
        match network {
            Network::Autoencoder => {
                self.encoder.visit(visitor);
                self.decoder.visit(visitor);
                self.cluster_centre.visit(visitor);
            }
            Network::Encoder => self.encoder.visit(visitor),
            Network::Decoder => self.decoder.visit(visitor),
            Network::Critic => {
                if let Some(critic) = &self.critic {
                    critic.visit(visitor);
                }
                if let Some(discriminator) = &self.discriminator {
                    discriminator.visit(visitor);
                }
            }
        }
    }

    /// The critic's loss on a batch of `input` images with their one-hot `labels` (a labelled
    /// prior needs them; see [`Critic::loss`]); `None` for a model without a critic.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`; labels: `[batch, 10]`
    pub fn critic_loss(&self, input: Tensor<2>, labels: Option<Tensor<2>>) -> Option<CriticTerms> {
        if let Some(discriminator) = &self.discriminator {
            let encoding = self.encode(input.clone());
            let reconstructed = self.decode_pixels(self.sample_code(&encoding));
            let generated = self.decode_pixels(Prior::Gaussian.sample_like(&encoding.mean));
            return Some(discriminator.loss(input, reconstructed, generated, encoding.mean));
        }
        let critic = self.critic.as_ref()?;
        let prior = self.config.objective.prior()?;
        let labels = self.critic_labels(labels);
        let codes = self.encode(input.clone()).mean;
        let [batch, code_size] = codes.dims();
        let samples = prior.sample(batch, code_size, 1.0, labels.clone(), &codes.device());
        Some(match self.config.objective {
            Objective::Bidirectional => {
                let (encoded, generated) = self.pairs(input, codes.clone(), samples);
                critic.loss(encoded, generated, labels, codes)
            }
            _ => critic.loss(codes.clone(), samples, labels, codes),
        })
    }

    /// A bidirectional GAN's two kinds of (image, code) pairs: `(x, E(x))` and `(G(z), z)`, the
    /// generated image as pixel probabilities (as the data's are).
    ///
    /// # Shapes
    /// - input: `[batch, 784]`; codes (`E(x)`), samples (`z`): `[batch, code]`
    /// - output: two `[batch, 784 + code]`
    fn pairs(&self, input: Tensor<2>, codes: Tensor<2>, samples: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let generated = self.decode_pixels(samples.clone());
        (Tensor::cat(vec![input, codes], 1), Tensor::cat(vec![generated, samples], 1))
    }

    /// The labels a critic sees beside the codes: those of a labelled prior, else none.
    fn critic_labels(&self, labels: Option<Tensor<2>>) -> Option<Tensor<2>> {
        labels.filter(|_| self.config.objective.needs_labels())
    }

    /// A dense autoencoder of `config` from trained encoder and decoder MLPs (greedy layer-wise
    /// training assembles one); the widths must be the ones `config` describes.
    pub fn from_mlps(config: &AutoencoderConfig, encoder: Mlp, decoder: Mlp) -> AeResult<Autoencoder> {
        config.validate()?;
        let Architecture::Mlp { hidden } = &config.architecture else {
            return Err(crate::AeError::InvalidConfig("only a dense autoencoder is made of MLPs".into()));
        };
        ensure(!config.objective.is_variational(), || "a VAE's encoder has two outputs per code unit; build it with init".into())?;
        ensure(!config.objective.needs_critic(), || "an adversarial model has a critic too; build it with init".into())?;
        let widths = |mlp: &Mlp| {
            let mut widths = vec![mlp.layers()[0].weight.dims()[0]];
            widths.extend(mlp.layers().iter().map(|layer| layer.weight.dims()[1]));
            widths
        };
        let mut expected: Vec<usize> = std::iter::once(config.image.values()).chain(hidden.iter().copied()).collect();
        expected.push(config.code_size);
        ensure(widths(&encoder) == expected, || format!("the encoder's widths {:?} are not {expected:?}", widths(&encoder)))?;
        expected.reverse();
        ensure(widths(&decoder) == expected, || format!("the decoder's widths {:?} are not {expected:?}", widths(&decoder)))?;
        Ok(Autoencoder::from_parts(Encoder::Mlp(encoder), Decoder::Mlp(decoder), (None, None), None, config.clone()))
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

    /// Fails unless this model takes images of `shape` (a data set's), with both shapes named.
    pub fn check_images(&self, shape: crate::data::ImageShape) -> AeResult<()> {
        let image = self.config.image;
        ensure(shape == image, || format!("the model takes {} images, the data set has {}", image.describe(), shape.describe()))
    }

    /// Encodes a batch of images with pixels in [0, 1].
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: `mean` (and `log_var`) `[batch, code]`
    pub fn encode(&self, input: Tensor<2>) -> Encoding {
        self.encoding_of(self.encoder_outputs(input))
    }

    /// The encoder's raw outputs, before a code activation, a softmax or the split of a VAE's.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    fn encoder_outputs(&self, input: Tensor<2>) -> Tensor<2> {
        match &self.encoder {
            Encoder::Mlp(mlp) => mlp.forward(input),
            Encoder::Conv(conv) => conv.forward(input),
        }
    }

    /// Splits a VAE's encoder output into mean and log-variance, or applies the code activation.
    fn encoding_of(&self, features: Tensor<2>) -> Encoding {
        if self.config.objective.is_variational() {
            let [batch, _] = features.dims();
            let code = self.config.code_size;
            let mean = features.clone().slice([0..batch, 0..code]);
            let log_var = features.slice([0..batch, code..2 * code]);
            Encoding { mean, log_var: Some(log_var) }
        } else {
            let code = match (self.config.code_activation, self.config.objective.prior()) {
                (Some(activation), _) => activation.forward(features),
                (None, Some(prior)) => prior.shape_code(features, self.cluster_centre.as_ref().map(|centre| centre.val())),
                (None, None) => features,
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
        ensure(!self.config.objective.is_variational(), || "the contractive penalty is for non-variational autoencoders".into())?;
        let (code, norm) = mlp.forward_with_jacobian_norm(input, self.config.code_activation);
        Ok((Encoding { mean: code, log_var: None }, norm))
    }

    /// Decodes codes into pixel logits (apply a sigmoid for probabilities). A PixelCNN decoder
    /// first draws an image pixel by pixel (784 passes) and returns each pixel's logit given the
    /// drawn pixels before it.
    ///
    /// # Shapes
    /// - code: `[batch, code]`
    /// - output: `[batch, 784]`
    pub fn decode(&self, code: Tensor<2>) -> Tensor<2> {
        match &self.decoder {
            Decoder::Mlp(mlp) => mlp.forward(code),
            Decoder::Conv(conv) => conv.forward(code),
            Decoder::Pixel(pixel) => pixel.forward(code.clone(), pixel.sample(code)),
        }
    }

    /// The logits of the pixels of `images` given `code`: [`Autoencoder::decode`] for a decoder
    /// that sees only the code, one teacher-forced pass (each pixel given the true pixels before
    /// it) for a PixelCNN decoder. What the loss and the likelihood compare with `images`.
    ///
    /// # Shapes
    /// - code: `[batch, code]`; images: `[batch, 784]`
    /// - output: `[batch, 784]`
    pub fn decode_given(&self, code: Tensor<2>, images: Tensor<2>) -> Tensor<2> {
        match &self.decoder {
            Decoder::Pixel(pixel) => pixel.forward(code, images),
            _ => self.decode(code),
        }
    }

    /// Draws `pixels` of `images` given `code` (a PixelCNN decoder only; see
    /// [`crate::nn::pixelcnn::PixelCnn::sample_pixels`]): a sample formed a few pixels at a time.
    ///
    /// # Shapes
    /// - code: `[batch, code]`; images, output: `[batch, 784]`
    pub fn sample_pixels(&self, code: Tensor<2>, images: Tensor<2>, pixels: std::ops::Range<usize>) -> AeResult<Tensor<2>> {
        match &self.decoder {
            Decoder::Pixel(pixel) => Ok(pixel.sample_pixels(code, images, pixels)),
            _ => Err(crate::AeError::InvalidConfig("only a PixelCNN decoder draws pixel by pixel".into())),
        }
    }

    /// Whether decoding is autoregressive (784 passes per image; see [`Decoder::Pixel`]).
    pub fn decodes_pixel_by_pixel(&self) -> bool {
        self.config.architecture.decodes_pixel_by_pixel()
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
                let epsilon = crate::nn::random::random_like(&encoding.mean, Distribution::Normal(0.0, 1.0));
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
        self.decode_pixels(self.encode(input).mean)
    }

    /// Decodes codes to pixels under the model's likelihood (see [`Likelihood::pixels`]).
    ///
    /// # Shapes
    /// - code: `[batch, code]`
    /// - output: `[batch, 784]`
    pub fn decode_pixels(&self, code: Tensor<2>) -> Tensor<2> {
        match &self.decoder {
            // The drawn image itself: its pixels are the sample, not their probabilities.
            Decoder::Pixel(pixel) => pixel.sample(code),
            _ => self.config.likelihood.pixels(self.decode(code)),
        }
    }

    /// The training objective for `clean` images, whose (possibly corrupted) version `input` the
    /// model sees: encode `input`, draw a code, decode, and compare with `clean`; the objective
    /// adds its own terms (see [`Objective::terms`]).
    ///
    /// # Shapes
    /// - input, clean: `[batch, 784]`
    pub fn loss(&self, input: Tensor<2>, clean: Tensor<2>) -> LossTerms {
        self.loss_and_logits(input, clean, None).0
    }

    /// [`Autoencoder::loss`], with the images' one-hot `labels` (which a labelled prior's critic
    /// needs; without them its fooling term is left out), and the decoder's logits (evaluation
    /// derives its figures from them).
    ///
    /// # Shapes
    /// - input, clean: `[batch, 784]`; labels: `[batch, 10]`
    /// - output: the terms, and logits `[batch, 784]`
    pub fn loss_and_logits(&self, input: Tensor<2>, clean: Tensor<2>, labels: Option<Tensor<2>>) -> (LossTerms, Tensor<2>) {
        self.trimmed_loss_and_logits(input, clean, labels, 0.0)
    }

    /// [`Autoencoder::loss_and_logits`] with the `trim` share of the batch's worst-reconstructed
    /// images left out of the objective ([`crate::nn::loss::trimmed`]); the reconstruction term
    /// it reports is every image's.
    pub fn trimmed_loss_and_logits(&self, input: Tensor<2>, clean: Tensor<2>, labels: Option<Tensor<2>>, trim: f64) -> (LossTerms, Tensor<2>) {
        let objective = self.config.objective;
        let input_for_pairs = input.clone();
        let clean_for_features = clean.clone();
        let (encoding, jacobian_norm, centre_pull, view_consistency) = if objective.needs_jacobian() {
            let (encoding, norm) = self.encode_with_jacobian_norm(input).expect("validated: a dense, non-variational encoder");
            (encoding, Some(norm), None, None)
        } else {
            let (outputs, consistency) = self.outputs_and_view_consistency(input);
            let pull = self.centre_pull(&outputs);
            (self.encoding_of(outputs), None, pull, consistency)
        };
        let logits = self.decode_given(self.sample_code(&encoding), clean.clone());
        let reconstruction = self.reconstruction_loss(logits.clone(), clean);
        let critic_logits = match (&self.critic, self.config.objective.needs_labels(), labels) {
            (Some(critic), _, _) if objective == Objective::Bidirectional => {
                let [batch, code_size] = encoding.mean.dims();
                let samples = Prior::Gaussian.sample(batch, code_size, 1.0, None, &encoding.mean.device());
                let (encoded, generated) = self.pairs(input_for_pairs, encoding.mean.clone(), samples);
                let mut logits = critic.forward(encoded, None);
                logits.extend(critic.forward(generated, None));
                Some(logits)
            }
            (Some(critic), false, _) => Some(critic.forward(encoding.mean.clone(), None)),
            (Some(critic), true, Some(labels)) => Some(critic.forward(encoding.mean.clone(), Some(labels))),
            _ => None,
        };
        let reconstructed = || self.config.likelihood.pixels(logits.clone());
        let feature_distance = match (&self.discriminator, &self.feature_network) {
            (Some(discriminator), _) => Some(discriminator.feature_distance(clean_for_features, discriminator.features(reconstructed()))),
            (None, Some(network)) => Some(Self::feature_map_distance(network, clean_for_features, reconstructed())),
            (None, None) => None,
        };
        let inputs = PenaltyInputs { code: encoding.mean, jacobian_norm, critic_logits, feature_distance, view_consistency };
        let mut terms = objective.terms(trimmed(reconstruction.clone(), trim), encoding.log_var, inputs, self.config.image.values());
        terms.reconstruction = reconstruction;
        if let Some(pull) = centre_pull {
            terms.objective = terms.objective + pull;
        }
        (terms, logits)
    }

    /// The VAE-GAN decoder's loss on a batch: `gamma` x the feature distance of the
    /// reconstructions, plus fooling the image critic with them and with images decoded from
    /// prior draws (non-saturating: `-ln D`); `None` for other models.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    pub fn decoder_loss(&self, input: Tensor<2>) -> Option<Tensor<1>> {
        let discriminator = self.discriminator.as_ref()?;
        let gamma = self.config.objective.penalty_weight()?;
        let encoding = self.encode(input.clone());
        let code = self.sample_code(&encoding).detach();
        let reconstructed = self.decode_pixels(code.clone());
        let generated = self.decode_pixels(Prior::Gaussian.sample_like(&code));
        let reconstructed_features = discriminator.features(reconstructed);
        let distance = discriminator.feature_distance(input, reconstructed_features.clone()).mean();
        let fakes = discriminator.judge(Tensor::cat(vec![reconstructed_features, discriminator.features(generated)], 0));
        let fooling = bce_with_logits(fakes.clone(), fakes.ones_like()).mean().mul_scalar(2.0);
        Some(distance.mul_scalar(gamma) + fooling)
    }

    /// Reconstruction loss per sample, summed over pixels, under the configured likelihood.
    ///
    /// # Shapes
    /// - logits, clean: `[batch, 784]`
    /// - output: `[batch]`
    pub fn reconstruction_loss(&self, logits: Tensor<2>, clean: Tensor<2>) -> Tensor<1> {
        per_sample_sum(match self.config.likelihood {
            Likelihood::Bernoulli => bce_with_logits(logits, clean),
            Likelihood::Gaussian | Likelihood::Linear => squared_error(self.config.likelihood.pixels(logits), clean),
        })
    }
}
