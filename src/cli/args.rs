//! The arguments several subcommands share: the model, the run, the dataset.

use std::path::PathBuf;

use clap::Args;

use aestudio::AeError;
use aestudio::data::images::{ImportedImages, read_folder};
use aestudio::data::{DatasetTag, ImageShape, Splits};
use aestudio::model::{Architecture, AutoencoderConfig, Likelihood, Objective, Preset, Prior};
use aestudio::nn::noise::Corruption;
use aestudio::train::TrainingConfig;

use super::load_dataset;

/// The model to train: a preset and what to change in it.
#[derive(Args, Clone)]
pub(crate) struct ModelArgs {
    /// A preset: ae, dae, vae, beta-vae, dvae, conv-dae, sparse-l1, sparse-kl, cae, aae, aae-ring,
    /// aae-labelled, aae-clusters, wae-mmd, wae-gan, bigan, vae-gan or linear-ae.
    #[arg(long, default_value = "vae")]
    pub(crate) model: String,
    /// Code size (overrides the preset's).
    #[arg(long)]
    pub(crate) code_size: Option<usize>,
    /// Hidden widths of a dense model, comma-separated (overrides the preset's).
    #[arg(long, value_delimiter = ',')]
    pub(crate) hidden: Option<Vec<usize>>,
    /// Weight of the KL term of a VAE.
    #[arg(long)]
    pub(crate) beta: Option<f64>,
    /// Gaussian noise sigma (denoising).
    #[arg(long, conflicts_with = "keep")]
    pub(crate) sigma: Option<f64>,
    /// Masking noise keep probability (denoising).
    #[arg(long)]
    pub(crate) keep: Option<f64>,
    /// Weight of the preset's penalty: sparse, contractive, MMD, the adversarial fooling term, or
    /// VAE-GAN's gamma.
    #[arg(long)]
    pub(crate) lambda: Option<f64>,
    /// Target mean activation of the KL sparsity penalty (sparse-kl).
    #[arg(long)]
    pub(crate) rho: Option<f64>,
    /// Use a Gaussian decoder (squared error) instead of a Bernoulli one.
    #[arg(long)]
    pub(crate) gaussian: bool,
    /// Number of clusters of a clustering AAE (aae-clusters); the style code keeps its size.
    #[arg(long)]
    pub(crate) clusters: Option<usize>,
    /// Weight of a clustering AAE's views' consistency (aae-clusters; 0: none).
    #[arg(long)]
    pub(crate) consistency: Option<f64>,
    /// The critic's learning rate (adversarial presets).
    #[arg(long)]
    pub(crate) critic_lr: Option<f64>,
    /// The critic's hidden widths, comma-separated (adversarial presets).
    #[arg(long, value_delimiter = ',')]
    pub(crate) critic_hidden: Option<Vec<usize>>,
    /// Critic steps per autoencoder step (adversarial presets).
    #[arg(long)]
    pub(crate) critic_steps: Option<usize>,
    /// The probability that dropout zeroes each input of the critic's layers (adversarial presets).
    #[arg(long)]
    pub(crate) critic_dropout: Option<f64>,
}

/// How to train, and on what.
#[derive(Args, Clone)]
pub(crate) struct RunArgs {
    #[arg(long, default_value_t = 10)]
    pub(crate) epochs: usize,
    /// Images per step [default: 128; with --images, 16]
    #[arg(long)]
    pub(crate) batch_size: Option<usize>,
    #[arg(long, default_value_t = 1e-3)]
    pub(crate) lr: f64,
    /// The share of each batch, its worst-reconstructed images, left out of the loss (trimmed
    /// loss: the model does not learn a folder's odd ones out) [default: 0; with --images, 0.2]
    #[arg(long)]
    pub(crate) trim: Option<f64>,
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    #[command(flatten)]
    pub(crate) data: DataArgs,
}

/// Which dataset, and where its files are.
#[derive(Args, Clone)]
pub(crate) struct DataArgs {
    /// mnist or fashion-mnist.
    #[arg(long, default_value = "mnist")]
    pub(crate) dataset: String,
    /// The folder with the dataset's four IDX files (default: data/<dataset>).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Binary pixels: training images drawn as Bernoullis of their grey levels at every use,
    /// the test set once with a fixed seed (dynamically binarized MNIST).
    #[arg(long)]
    pub(crate) binarize: bool,
    /// A folder (or a zip archive) of your own images instead of --dataset: every PNG, JPEG,
    /// WebP, BMP or GIF in it, subfolder names as labels, the centred square scaled to --side
    /// by area averaging, split 90/10 the same way every time; files not kept are counted with
    /// their reasons.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dataset", "data", "binarize"])]
    pub(crate) images: Option<PathBuf>,
    /// The side the --images are brought to: 28, 32 or 64 pixels.
    #[arg(long, default_value_t = 28, requires = "images")]
    pub(crate) side: usize,
    /// Keep the --images' colour (red, green and blue planes) instead of their grey level.
    #[arg(long, requires = "images")]
    pub(crate) colour: bool,
}

impl ModelArgs {
    /// The preset with the requested changes, validated.
    pub(crate) fn config(&self) -> Result<(Preset, AutoencoderConfig), AeError> {
        let preset = Preset::from_name(&self.model)?;
        let mut config = preset.config();
        if let Some(code_size) = self.code_size {
            config.code_size = code_size;
        }
        if let Some(hidden) = &self.hidden {
            config.architecture = Architecture::Mlp { hidden: hidden.clone() };
        }
        if let Some(beta) = self.beta {
            config.objective = match config.objective {
                Objective::Variational { .. } => Objective::Variational { beta },
                Objective::FeatureConsistent { .. } => Objective::FeatureConsistent { beta },
                _ => return Err(AeError::InvalidConfig(format!("--beta weighs a VAE's KL term; {} is not a VAE", self.model))),
            };
        }
        if let Some(sigma) = self.sigma {
            config.corruption = Corruption::Gaussian { sigma };
        }
        if let Some(keep_probability) = self.keep {
            config.corruption = Corruption::Masking { keep_probability };
        }
        if let Some(lambda) = self.lambda {
            config.objective = match config.objective {
                Objective::SparseL1 { .. } => Objective::SparseL1 { lambda },
                Objective::SparseKl { rho, .. } => Objective::SparseKl { rho, lambda },
                Objective::Contractive { .. } => Objective::Contractive { lambda },
                Objective::Adversarial { prior, .. } => Objective::Adversarial { weight: lambda, prior },
                Objective::Mmd { .. } => Objective::Mmd { lambda },
                Objective::VaeGan { .. } => Objective::VaeGan { gamma: lambda },
                Objective::Reconstruction | Objective::Variational { .. } | Objective::Bidirectional | Objective::FeatureConsistent { .. } => {
                    return Err(AeError::InvalidConfig(format!("--lambda needs a preset with a penalty, not {}", self.model)));
                }
            };
        }
        if let Some(rho) = self.rho {
            let Objective::SparseKl { lambda, .. } = config.objective else {
                return Err(AeError::InvalidConfig("--rho is the target of the sparse-kl preset's penalty".into()));
            };
            config.objective = Objective::SparseKl { rho, lambda };
        }
        if self.gaussian {
            config.likelihood = Likelihood::Gaussian;
        }
        self.apply_adversarial(&mut config)?;
        config.validate()?;
        Ok((preset, config))
    }
}

impl ModelArgs {
    /// The changes to an adversarial preset: its clusters and its critic.
    fn apply_adversarial(&self, config: &mut AutoencoderConfig) -> Result<(), AeError> {
        if let Some(clusters) = self.clusters {
            let Objective::Adversarial { weight, prior: Prior::Clusters { clusters: before, consistency } } = config.objective else {
                return Err(AeError::InvalidConfig(format!("--clusters sets a clustering AAE's categorical code; {} is not one", self.model)));
            };
            config.code_size = config.code_size - before + clusters;
            config.objective = Objective::Adversarial { weight, prior: Prior::Clusters { clusters, consistency } };
        }
        if let Some(weight) = self.consistency {
            let Objective::Adversarial { prior: Prior::Clusters { consistency, .. }, .. } = &mut config.objective else {
                return Err(AeError::InvalidConfig(format!("--consistency weights a clustering AAE's views; {} is not one", self.model)));
            };
            *consistency = weight;
        }
        if self.critic_lr.is_some() || self.critic_hidden.is_some() || self.critic_steps.is_some() || self.critic_dropout.is_some() {
            let Some(critic) = config.critic.as_mut() else {
                return Err(AeError::InvalidConfig(format!("the --critic-* options set an adversarial model's critic; {} has none", self.model)));
            };
            critic.learning_rate = self.critic_lr.unwrap_or(critic.learning_rate);
            critic.hidden = self.critic_hidden.clone().unwrap_or_else(|| critic.hidden.clone());
            critic.steps = self.critic_steps.unwrap_or(critic.steps);
            critic.dropout = self.critic_dropout.unwrap_or(critic.dropout);
        }
        Ok(())
    }
}

impl RunArgs {
    pub(crate) fn training(&self) -> TrainingConfig {
        let defaults = if self.data.images.is_some() { TrainingConfig::for_folder() } else { TrainingConfig::new() };
        TrainingConfig {
            epochs: self.epochs,
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            learning_rate: self.lr,
            seed: self.seed,
            trim: self.trim.unwrap_or(defaults.trim),
            ..defaults
        }
    }

    pub(crate) fn splits(&self) -> Result<Splits, AeError> {
        self.data.splits()
    }
}

impl DataArgs {
    /// The dataset's splits, from `--data` or `data/<dataset>`, checksums verified.
    pub(crate) fn splits(&self) -> Result<Splits, AeError> {
        Ok(self.splits_with_tag()?.0)
    }

    /// [`DataArgs::splits`] and the tag a model trained on them records: the test set's
    /// fingerprint is the published images' (binarized or not, the page shows those).
    pub(crate) fn splits_with_tag(&self) -> Result<(Splits, DatasetTag), AeError> {
        if let Some(imported) = self.imported()? {
            return Ok((imported.splits.clone(), imported.tag()));
        }
        let splits = load_dataset(&self.dataset, self.data.clone())?;
        let tag = DatasetTag::of(&self.dataset, &splits.test);
        Ok((if self.binarize { splits.binarized() } else { splits }, tag))
    }

    /// The folder given with `--images`, read (what it kept and skipped said on stderr and as
    /// a `result` line), or None for a named data set.
    pub(crate) fn imported(&self) -> Result<Option<ImportedImages>, AeError> {
        let Some(dir) = &self.images else { return Ok(None) };
        let imported = read_folder(dir, ImageShape::new(self.side, self.colour)?)?;
        let report = &imported.report;
        eprintln!(
            "{}: {} images kept ({} training, {} test; {} classes, {} unlabelled)",
            dir.display(), report.kept, report.train, report.test, report.classes.len(), report.unlabelled
        );
        for skipped in &report.skipped {
            eprintln!("  skipped {} ({}), e.g. {}", skipped.count, skipped.description, skipped.examples.join(", "));
        }
        super::report::result(serde_json::json!({ "command": "import", "images": dir, "dataset": imported.name, "report": report }));
        Ok(Some(imported))
    }
}
