//! The named models of the family, as the command line and the page offer them.

use serde::{Deserialize, Serialize};

use crate::data::ImageShape;
use crate::error::AeResult;
use crate::model::config::{Architecture, AutoencoderConfig, Likelihood};
use crate::model::critic::CriticConfig;
use crate::model::objective::{DFC_BETA, Objective, VAE_GAN_GAMMA};
use crate::model::prior::Prior;
use crate::nn::mlp::Activation;
use crate::nn::noise::Corruption;

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
    /// Denoising VAE (Im et al. 2017): the VAE trained to reconstruct clean digits from inputs
    /// with Gaussian noise (sigma 0.5). One model that both denoises and generates: the page's
    /// model on arrival.
    Dvae,
    /// Convolutional denoising autoencoder (masking noise, keep 0.7), code 32.
    ConvDae,
    /// Sparse autoencoder, L1 form: ReLU code of 64, lambda 1e-3.
    SparseL1,
    /// Sparse autoencoder, KL form: sigmoid code of 64, rho 0.05, lambda 0.1.
    SparseKl,
    /// Contractive autoencoder: one sigmoid layer 784-64, lambda 0.01.
    Cae,
    /// Adversarial autoencoder, code 8 matched to N(0, I) by a critic.
    Aae,
    /// Adversarial autoencoder with a 2-D code matched to a ring of ten Gaussians.
    AaeRing,
    /// The same, each class matched to its own component (the critic sees the label).
    AaeLabelled,
    /// Adversarial autoencoder for unsupervised clustering: 16 clusters (a categorical code) and
    /// an 8-D style code, each matched to its prior by a critic of its own.
    AaeClusters,
    /// Wasserstein autoencoder, MMD penalty (lambda 10), code 8, squared error.
    WaeMmd,
    /// Wasserstein autoencoder, GAN penalty in the code space, code 8, squared error.
    WaeGan,
    /// Bidirectional GAN (BiGAN; ALI with a deterministic encoder): convolutional encoder and
    /// generator (32 and 64 channels), code 50, trained only through a dense critic of (image,
    /// code) pairs (256-256, dropout 0.2, learning rate 1e-4).
    Bigan,
    /// VAE-GAN: a convolutional VAE (32 and 64 channels), code 20, whose reconstruction is
    /// measured in an image critic's features and whose decoder also plays against that critic.
    VaeGan,
    /// The linear autoencoder of the survey's PCA section: 784-16-784, no hidden layer, identity
    /// output, squared error. It spans the same subspace as PCA with 16 components.
    LinearAe,
    /// PixelVAE (Gulrajani et al. 2017): the VAE's objective, a conv encoder (32x64), code 20,
    /// and a PixelCNN decoder (a 7x7 type-A layer and 4 residual 3x3 type-B layers of 32 maps,
    /// conditioned on the code); for binarized MNIST.
    PixelVae,
    /// Deep-feature-consistent VAE (Hou et al. 2017): the VAE's networks (784-400-20), its
    /// reconstruction measured in the shipped classifier's two convolution layers, beta 10.
    DfcVae,
}

impl Preset {
    /// Every preset, in the order menus list them.
    pub const ALL: [Preset; 20] = [
        Preset::Ae,
        Preset::Dae,
        Preset::Vae,
        Preset::BetaVae,
        Preset::Dvae,
        Preset::ConvDae,
        Preset::SparseL1,
        Preset::SparseKl,
        Preset::Cae,
        Preset::Aae,
        Preset::AaeRing,
        Preset::AaeLabelled,
        Preset::AaeClusters,
        Preset::WaeMmd,
        Preset::WaeGan,
        Preset::Bigan,
        Preset::VaeGan,
        Preset::LinearAe,
        Preset::PixelVae,
        Preset::DfcVae,
    ];

    /// The name used on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Ae => "ae",
            Preset::Dae => "dae",
            Preset::Vae => "vae",
            Preset::BetaVae => "beta-vae",
            Preset::Dvae => "dvae",
            Preset::ConvDae => "conv-dae",
            Preset::SparseL1 => "sparse-l1",
            Preset::SparseKl => "sparse-kl",
            Preset::Cae => "cae",
            Preset::Aae => "aae",
            Preset::AaeRing => "aae-ring",
            Preset::AaeLabelled => "aae-labelled",
            Preset::AaeClusters => "aae-clusters",
            Preset::WaeMmd => "wae-mmd",
            Preset::WaeGan => "wae-gan",
            Preset::Bigan => "bigan",
            Preset::VaeGan => "vae-gan",
            Preset::LinearAe => "linear-ae",
            Preset::PixelVae => "pixel-vae",
            Preset::DfcVae => "dfc-vae",
        }
    }

    /// Whether the page's menu offers this preset: not one whose decoder draws pixel by pixel (its
    /// live views would take 784 passes per image), nor one that trains against a feature network
    /// (the training worker does not fetch one yet).
    pub fn offered_in_page(self) -> bool {
        let config = self.config();
        !config.architecture.decodes_pixel_by_pixel() && !matches!(config.objective, Objective::FeatureConsistent { .. })
    }

    /// The presets the page offers for a folder of `shape` images: those it offers at all, that
    /// take that shape, and that train without labels (a folder may have none).
    pub fn for_folder(shape: ImageShape) -> Vec<Preset> {
        Self::ALL
            .into_iter()
            .filter(|preset| preset.offered_in_page())
            .filter(|preset| preset.config().for_images(shape).is_ok_and(|config| !config.objective.needs_labels()))
            .collect()
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
            Preset::Vae => AutoencoderConfig::new(20).with_objective(Objective::Variational { beta: 1.0 }),
            Preset::BetaVae => AutoencoderConfig::new(20).with_objective(Objective::Variational { beta: 4.0 }),
            Preset::Dvae => Preset::Vae.config().with_corruption(Corruption::Gaussian { sigma: 0.5 }),
            Preset::ConvDae => AutoencoderConfig::new(32)
                .with_architecture(Architecture::Conv { channels: [16, 32] })
                .with_corruption(Corruption::Masking { keep_probability: 0.7 }),
            Preset::SparseL1 => AutoencoderConfig::new(64)
                .with_code_activation(Some(Activation::Relu))
                .with_objective(Objective::SparseL1 { lambda: 1e-3 }),
            Preset::SparseKl => AutoencoderConfig::new(64)
                .with_code_activation(Some(Activation::Sigmoid))
                .with_objective(Objective::SparseKl { rho: 0.05, lambda: 0.1 }),
            Preset::Cae => AutoencoderConfig::new(64)
                .with_architecture(Architecture::Mlp { hidden: vec![] })
                .with_code_activation(Some(Activation::Sigmoid))
                .with_objective(Objective::Contractive { lambda: 0.01 }),
            Preset::Aae => adversarial(8, Prior::Gaussian, FOOLING_WEIGHT),
            Preset::AaeRing => adversarial(2, RING, FOOLING_WEIGHT),
            Preset::AaeLabelled => adversarial(2, Prior::Ring { radius: 4.0, std: 0.5, labelled: true }, FOOLING_WEIGHT),
            // A fooling weight of 0.01, not 0.05: clusters form in the first epochs and stay, and
            // at 0.01 they split the digits better (docs/results/codes.md, the clustering AAE).
            Preset::AaeClusters => adversarial(CLUSTERS + 8, Prior::Clusters { clusters: CLUSTERS, consistency: CLUSTERS_CONSISTENCY }, CLUSTERS_WEIGHT)
                .with_architecture(Architecture::Mlp { hidden: vec![1000, 1000] }),
            Preset::WaeMmd => AutoencoderConfig::new(8).with_likelihood(Likelihood::Gaussian).with_objective(Objective::Mmd { lambda: 10.0 }),
            Preset::WaeGan => adversarial(8, Prior::Gaussian, FOOLING_WEIGHT).with_likelihood(Likelihood::Gaussian),
            // Donahue et al.'s MNIST code has 50 dimensions (uniform there, N(0, I) here).
            Preset::Bigan => AutoencoderConfig::new(50)
                .with_architecture(Architecture::Conv { channels: [32, 64] })
                .with_objective(Objective::Bidirectional)
                .with_critic(Objective::Bidirectional.default_critic()),
            Preset::VaeGan => {
                let objective = Objective::VaeGan { gamma: VAE_GAN_GAMMA };
                AutoencoderConfig::new(20)
                    .with_architecture(Architecture::Conv { channels: [32, 64] })
                    .with_objective(objective)
                    .with_critic(objective.default_critic())
            }
            Preset::LinearAe => AutoencoderConfig::new(16)
                .with_architecture(Architecture::Mlp { hidden: vec![] })
                .with_likelihood(Likelihood::Linear),
            Preset::PixelVae => AutoencoderConfig::new(20)
                .with_architecture(Architecture::PixelCnn { channels: [32, 64], pixel_channels: 32, layers: 4 })
                .with_objective(Objective::Variational { beta: 1.0 }),
            Preset::DfcVae => AutoencoderConfig::new(20).with_objective(Objective::FeatureConsistent { beta: DFC_BETA }),
        }
    }
}

/// The number of clusters of Makhzani et al.'s first MNIST clustering result (90.45% accuracy).
const CLUSTERS: usize = 16;

/// The weight of the encoder's fooling term in the adversarial presets.
const FOOLING_WEIGHT: f64 = 0.05;

/// The clustering AAE's fooling weight.
const CLUSTERS_WEIGHT: f64 = 0.01;

/// The weight of the clustering AAE's views' consistency: at 0.01 the clusters split the digits
/// less well, at 0.1 the views outweigh the critic (5 epochs, docs/results/codes.md).
const CLUSTERS_CONSISTENCY: f64 = 0.03;

/// Makhzani et al.'s ring: ten components of std 0.5 on a circle of radius 4.
const RING: Prior = Prior::Ring { radius: 4.0, std: 0.5, labelled: false };

/// An adversarial autoencoder 784-400-`code` whose encoder fools the critic with `weight`, with
/// the default critic (256-256, learning rate 2e-4).
fn adversarial(code: usize, prior: Prior, weight: f64) -> AutoencoderConfig {
    AutoencoderConfig::new(code)
        .with_objective(Objective::Adversarial { weight, prior })
        .with_critic(Some(CriticConfig::default()))
}
