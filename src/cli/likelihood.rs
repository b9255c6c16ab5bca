//! `likelihood`: the test negative log-likelihood of the density models on dynamically binarized
//! MNIST, beside the published figures: the importance-weighted bound for the VAEs and the
//! PixelVAE, the exact value for a plain PixelCNN, all trained for the same epochs.

use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::*;
use clap::Args;

use aestudio::AeError;
use aestudio::data::{Dataset, PIXELS, Splits};
use aestudio::model::{Architecture, Autoencoder, AutoencoderConfig, Objective, Preset, weights};
use aestudio::nn::pixelcnn::PixelCnnConfig;
use aestudio::train::density::train_pixelcnn;
use aestudio::train::likelihood::{NllEstimate, importance_weighted_nll, pixelcnn_nll};
use aestudio::train::{Trainer, TrainingConfig};
use aestudio::uses::classifier::Classifier;
use aestudio::uses::explore::read_floats;
use aestudio::uses::factors::{PosteriorFactors, posterior_factors};
use aestudio::uses::quality::FeatureStatistics;

use super::progress::Progress;
use super::quality::{bernoulli_draws, draw_samples, score, test_statistics};
use super::{DeviceChoice, device, load_dataset};

/// Test NLL (nats) on dynamically binarized MNIST of the VAE, beta-VAEs, the PixelVAE and a plain
/// PixelCNN trained for the same epochs, beside the published figures; with each VAE's posterior
/// per unit (KL, active units) and the total correlation of its code.
#[derive(Args)]
pub struct Likelihood {
    /// Models: vae, beta-vae-<beta> (e.g. beta-vae-4), pixel-vae, pixelcnn.
    #[arg(long, value_delimiter = ',', default_value = "vae,pixel-vae,pixelcnn")]
    models: Vec<String>,
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Importance samples per test image (Burda et al.: 5,000).
    #[arg(long, default_value_t = 5000)]
    samples: usize,
    /// Importance samples per test image for the PixelVAE, whose every sample is a full PixelCNN
    /// pass (its near-collapsed posterior leaves little between k = 1 and k = 100: the table
    /// shows both).
    #[arg(long, default_value_t = 100)]
    pixel_samples: usize,
    /// Score the first N binarized test images (default: all 10,000).
    #[arg(long)]
    images: Option<usize>,
    /// Also draw this many samples of each model (binary pixels: a PixelCNN's drawn pixel by pixel,
    /// a VAE's as a Bernoulli per pixel) and give their FID against the binarized test set in the
    /// shipped classifier's features (0: none; a PixelCNN sample costs 784 passes).
    #[arg(long, default_value_t = 0)]
    fid_samples: usize,
    /// Train on the first N training images only.
    #[arg(long)]
    limit: Option<usize>,
    /// (image, code) pairs per decoder pass when scoring.
    #[arg(long, default_value_t = 2500)]
    rows_per_pass: usize,
    /// Feature maps of the PixelCNN layers (PixelVAE decoder and plain PixelCNN).
    #[arg(long, default_value_t = 32)]
    pixel_channels: usize,
    /// Masked residual layers after the first (PixelVAE decoder and plain PixelCNN).
    #[arg(long, default_value_t = 4)]
    pixel_layers: usize,
    /// Save each trained VAE to DIR/<model>.safetensors; with --reuse, load it from there
    /// instead of training when it exists.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    #[arg(long)]
    reuse: bool,
    /// The folder with MNIST's four IDX files (default: data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceChoice,
}

/// One row of the table.
struct Row {
    model: String,
    description: String,
    train_seconds: f64,
    /// `-ELBO` from one sample per image (VAEs only).
    elbo: Option<NllEstimate>,
    nll: NllEstimate,
    score_seconds: f64,
    factors: Option<PosteriorFactors>,
    /// The FID of `--fid-samples` samples, when asked.
    fid: Option<f64>,
}

/// The yardstick: the shipped classifier and its features' statistics on the binarized test set.
struct Yardstick {
    judge: Classifier,
    test: FeatureStatistics,
}

impl Yardstick {
    async fn load(test: &Dataset, device: &Device) -> Result<Yardstick, AeError> {
        let judge = super::read_classifier(&super::shipped_classifier("mnist"), device, "the yardstick's classifier ships with the page")?;
        let test = test_statistics(&judge, test, device).await?;
        Ok(Yardstick { judge, test })
    }

    /// The FID of `images` (probabilities are drawn as binary pixels first).
    async fn fid(&self, mut images: Vec<f32>, seed: u64, device: &Device) -> Result<f64, AeError> {
        bernoulli_draws(&mut images, seed);
        Ok(score(&self.judge, &images, &self.test, device).await?.0)
    }
}

/// Published test NLLs on dynamically binarized MNIST, with their source.
fn anchor(model: &str) -> Option<&'static str> {
    match model {
        "vae" => Some("86.76 (Burda et al. 2016, VAE with one stochastic layer, k = 5,000)"),
        "pixelcnn" => Some("81.30 (van den Oord et al. 2016)"),
        "pixel-vae" => Some("79.66 (Gulrajani et al. 2017)"),
        _ => None,
    }
}

impl Likelihood {
    pub async fn run(self) -> Result<(), AeError> {
        let splits: Splits = load_dataset("mnist", self.data.clone())?.binarized();
        let test = splits.test.take(self.images.unwrap_or(splits.test.len()));
        let train = splits.train.take(self.limit.unwrap_or(splits.train.len()));
        let device = device(self.device)?;
        let training = TrainingConfig::new().with_epochs(self.epochs).with_batch_size(self.batch_size).with_learning_rate(self.lr).with_seed(self.seed);
        let yardstick = match self.fid_samples {
            0 => None,
            _ => Some(Yardstick::load(&splits.test, &device).await?),
        };
        let mut progress = Progress::new(self.models.len() as u64);
        let mut rows = Vec::new();
        for name in &self.models {
            progress.say(&format!("{name}: training for {} epochs", self.epochs));
            let (mut row, samples) = match name.as_str() {
                "pixelcnn" => self.pixelcnn_row(&training, &train, &test, &device).await?,
                _ => self.vae_row(name, &training, &train, &test, &device, &progress).await?,
            };
            if let (Some(yardstick), Some(samples)) = (&yardstick, samples) {
                row.fid = Some(yardstick.fid(samples, self.seed, &device).await?);
            }
            progress.say(&format!("{name}: {:.2} nats", row.nll.nll));
            progress.advance(1);
            rows.push(row);
        }
        progress.finish();
        self.print(&rows, test.len());
        Ok(())
    }

    /// The configuration a model name stands for.
    fn config(&self, name: &str) -> Result<AutoencoderConfig, AeError> {
        let config = match name {
            "vae" => Preset::Vae.config(),
            "pixel-vae" => Preset::PixelVae.config().with_architecture(Architecture::PixelCnn {
                channels: [32, 64],
                pixel_channels: self.pixel_channels,
                layers: self.pixel_layers,
            }),
            _ => match name.strip_prefix("beta-vae-").and_then(|beta| beta.parse::<f64>().ok()) {
                Some(beta) => Preset::Vae.config().with_objective(Objective::Variational { beta }),
                None => return Err(AeError::InvalidConfig(format!("unknown model '{name}': vae, beta-vae-<beta>, pixel-vae or pixelcnn"))),
            },
        };
        config.validate()?;
        Ok(config)
    }

    /// A VAE's row, and its `--fid-samples` samples if asked.
    async fn vae_row(&self, name: &str, training: &TrainingConfig, train: &Dataset, test: &Dataset, device: &Device, progress: &Progress) -> Result<(Row, Option<Vec<f32>>), AeError> {
        let config = self.config(name)?;
        let path = self.save.as_ref().map(|dir| dir.join(format!("{name}.safetensors")));
        let started = Instant::now();
        let model = match &path {
            Some(path) if self.reuse && path.exists() => super::load_weights(path, device)?,
            _ => self.train_vae(&config, training, train, device, progress).await?,
        };
        let train_seconds = started.elapsed().as_secs_f64();
        if let Some(path) = path.filter(|_| !self.reuse || train_seconds > 1.0) {
            let provenance = format!("trained natively with `aestudio likelihood` on dynamically binarized MNIST: {} epochs, Adam {}, batch {}", self.epochs, self.lr, self.batch_size);
            super::write_weights(&path, &weights::save(&model, &provenance).await?)?;
        }
        let scoring = Instant::now();
        device.seed(self.seed);
        let elbo = importance_weighted_nll(&model, test, 1, self.rows_per_pass).await?;
        let k = if model.decodes_pixel_by_pixel() { self.pixel_samples } else { self.samples };
        let nll = importance_weighted_nll(&model, test, k, self.rows_per_pass).await?;
        let factors = posterior_factors(&model, test, 500).await?;
        let score_seconds = scoring.elapsed().as_secs_f64();
        let samples = match self.fid_samples {
            0 => None,
            count => Some(draw_samples(&model, count, self.seed, device).await?),
        };
        Ok((Row { model: name.into(), description: config.describe(), train_seconds, elbo: Some(elbo), nll, score_seconds, factors: Some(factors), fid: None }, samples))
    }

    async fn train_vae(&self, config: &AutoencoderConfig, training: &TrainingConfig, train: &Dataset, device: &Device, progress: &Progress) -> Result<Autoencoder, AeError> {
        let mut trainer = Trainer::new(config, training.clone(), device, train.len())?;
        while !trainer.is_finished() {
            let report = trainer.train_steps(train, usize::MAX).await?;
            progress.say(&format!("epoch {} of {}: training loss {:.2}", report.epoch, self.epochs, report.epoch_loss.unwrap_or(f32::NAN)));
        }
        Ok(trainer.model())
    }

    /// The plain PixelCNN's row, and its `--fid-samples` samples if asked.
    async fn pixelcnn_row(&self, training: &TrainingConfig, train: &Dataset, test: &Dataset, device: &Device) -> Result<(Row, Option<Vec<f32>>), AeError> {
        let config = PixelCnnConfig::new().with_channels(self.pixel_channels).with_layers(self.pixel_layers);
        let started = Instant::now();
        let model = train_pixelcnn(&config, training, train, device, |epoch, nll| eprintln!("pixelcnn epoch {}: training NLL {nll:.2}", epoch + 1)).await?;
        let train_seconds = started.elapsed().as_secs_f64();
        let scoring = Instant::now();
        let nll = pixelcnn_nll(&model, test, 500).await?;
        let description = format!("PixelCNN, no code ({} masked layers of {})", self.pixel_layers + 1, self.pixel_channels);
        let row = Row { model: "pixelcnn".into(), description, train_seconds, elbo: None, nll, score_seconds: scoring.elapsed().as_secs_f64(), factors: None, fid: None };
        let samples = match self.fid_samples {
            0 => None,
            count => {
                device.seed(self.seed);
                let blank = Tensor::zeros([count, PIXELS], device);
                Some(read_floats(model.sample_pixels(blank, None, 0..PIXELS)).await?)
            }
        };
        Ok((row, samples))
    }

    fn print(&self, rows: &[Row], images: usize) {
        println!(
            "\nTest NLL on dynamically binarized MNIST (first {images} test images, binarized once), nats per image; {} epochs on {} training images, \
             Adam {}, batch {}; importance-weighted with k = {} for the VAEs, exact for the PixelCNN\n",
            self.epochs, self.limit.unwrap_or(60_000), self.lr, self.batch_size, self.samples
        );
        println!("| model | -ELBO (k = 1) | NLL | k | KL per image | active units | mean abs. correlation | total correlation | FID | train s | score s | published |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for row in rows {
            let elbo = row.elbo.as_ref().map_or("-".into(), |e| format!("{:.2}", e.nll));
            let (kl, active, correlation, tc) = row.factors.as_ref().map_or(("-".into(), "-".into(), "-".into(), "-".into()), |f| {
                let code = f.unit_kl.len();
                (
                    format!("{:.2}", f.kl),
                    format!("{} of {code}", f.active_units),
                    format!("{:.3}", f.mean_abs_correlation()),
                    format!("{:.2}", f.total_correlation),
                )
            });
            println!(
                "| {} ({}) | {elbo} | {:.2} ± {:.2} | {} | {kl} | {active} | {correlation} | {tc} | {} | {:.0} | {:.0} | {} |",
                row.model,
                row.description,
                row.nll.nll,
                row.nll.standard_error,
                row.nll.samples,
                row.fid.map_or("-".into(), |fid| format!("{fid:.2}")),
                row.train_seconds,
                row.score_seconds,
                anchor(&row.model).unwrap_or("-")
            );
            super::report::result(serde_json::json!({ "command": "likelihood", "model": row.model, "description": row.description, "nll": row.nll, "elbo": row.elbo,
                    "factors": row.factors.as_ref().map(factors_record), "fid": row.fid, "fid_samples": self.fid_samples, "epochs": self.epochs, "train_seconds": row.train_seconds, "score_seconds": row.score_seconds,
                    "learning_rate": self.lr, "batch_size": self.batch_size, "training_images": self.limit.unwrap_or(60_000), "test_images": images, "anchor": anchor(&row.model) }));
        }
    }
}

/// The figures of a posterior that the record keeps: the per-unit KL and its sum, the active
/// units, the mean correlation between them and the total correlation (the full correlation
/// matrix stays out: it is `code x code` numbers no table reads).
fn factors_record(factors: &PosteriorFactors) -> serde_json::Value {
    serde_json::json!({
        "kl": factors.kl, "unit_kl": factors.unit_kl, "active_units": factors.active_units, "code": factors.unit_kl.len(),
        "mean_abs_correlation": factors.mean_abs_correlation(), "total_correlation": factors.total_correlation, "images": factors.images,
    })
}
