//! `train`, `eval` and `bench`: training a model, scoring saved weights, and the native throughput.

use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::*;
use clap::Args;

use aestudio::AeError;

use aestudio::data::Dataset;
use aestudio::model::{AutoencoderConfig, weights};
use aestudio::train::{Trainer, TrainingConfig, evaluate, layerwise};
use aestudio::uses::{explore, pca::Pca};

use super::args::{DataArgs, ModelArgs, RunArgs};
use super::progress::Progress;
use super::{DeviceChoice, device};

/// Train a model, print the epoch losses and the test loss, and save the weights.
#[derive(Args)]
pub struct Train {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Train on the first N training images only.
    #[arg(long)]
    limit: Option<usize>,
    /// Train on every image, training and test (unsupervised pretraining for clustering, as the
    /// DEC and IDEC papers do); the test figures printed are then not held out.
    #[arg(long, conflicts_with = "limit")]
    all_images: bool,
    /// Also fit PCA with as many components as the code and compare the test MSE.
    #[arg(long)]
    compare_pca: bool,
    /// First train each dense layer greedily as an autoencoder of the previous layer's codes
    /// (this many epochs per layer), then fine-tune end to end for --epochs.
    #[arg(long)]
    layerwise_epochs: Option<usize>,
    /// Start from these weights instead of a fresh model (fresh optimizer moments); the model
    /// options must describe the same model.
    #[arg(long, conflicts_with = "layerwise_epochs")]
    init: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceChoice,
    /// Where to save the weights (default: weights/<model>.safetensors).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A trainer that fine-tunes a stack of layers first trained greedily, `stage_epochs` each.
async fn layerwise_start(config: &AutoencoderConfig, training: TrainingConfig, stage_epochs: usize, (train, test): (&Dataset, &Dataset), device: &Device) -> Result<Trainer, AeError> {
    let started = Instant::now();
    let stage_training = training.clone().with_epochs(stage_epochs);
    let (stacked, stages) = layerwise::pretrain(config, &stage_training, train, device).await?;
    for (index, stage) in stages.iter().enumerate() {
        println!("layer {index} ({}-{}) trained greedily: reconstruction loss {:.5} per unit", stage.widths[0], stage.widths[1], stage.final_loss);
    }
    let eval = evaluate(&stacked.valid(), test, 1000).await?;
    println!("stacked before fine-tuning: test loss {:.4}, mse/px {:.5} ({:.1} s)", eval.loss, eval.mse_per_pixel, started.elapsed().as_secs_f64());
    Ok(Trainer::resume(stacked, training, device, train.len(), 0)?)
}

/// The trainer a `train` run starts from: stacked layer by layer (`layerwise`), continued from
/// the weights at `init` (which must hold the model asked for), or fresh.
async fn starting_trainer(
    config: &AutoencoderConfig,
    training: TrainingConfig,
    (layerwise, init): (Option<usize>, &Option<PathBuf>),
    dataset: &str,
    (train, test): (&Dataset, &Dataset),
    device: &Device,
) -> Result<Trainer, AeError> {
    Ok(match (layerwise, init) {
        (Some(stage_epochs), _) => layerwise_start(config, training, stage_epochs, (train, test), device).await?,
        (None, Some(path)) => {
            let loaded = super::load_weights(path, &device.clone().autodiff())?;
            if loaded.config() != config {
                return Err(AeError::InvalidConfig(format!("{} holds {}, not the model asked for ({})", path.display(), loaded.config().describe(), config.describe())));
            }
            Trainer::resume(loaded, training, device, train.len(), 0)?
        }
        (None, None) => match super::feature_network_for(config, dataset, device)? {
            Some(network) => Trainer::with_feature_network(config, training, device, train.len(), network)?,
            None => Trainer::new(config, training, device, train.len())?,
        },
    })
}

/// Trains to the run's last epoch with a progress bar, printing each epoch's losses on `test`
/// and its speed.
async fn train_to_the_end(trainer: &mut Trainer, train: &Dataset, test: &Dataset, epochs: usize) -> Result<(), AeError> {
    let mut bar = Progress::new((trainer.steps_per_epoch() * epochs - trainer.step()) as u64);
    while !trainer.is_finished() {
        let epoch_started = Instant::now();
        let mut progress = trainer.train_steps(train, 0).await?;
        bar.say(&format!("epoch {} of {epochs}", trainer.step() / trainer.steps_per_epoch() + 1));
        // Chunks of 50 steps, so that the bar moves within an epoch.
        while !progress.epoch_finished && !progress.finished {
            let before = trainer.step();
            progress = trainer.train_steps(train, 50).await?;
            bar.advance((trainer.step() - before) as u64);
        }
        let seconds = epoch_started.elapsed().as_secs_f64();
        let eval = evaluate(&trainer.model(), test, 1000).await?;
        bar.println(&format!(
            "epoch {:>3}  train {:>10.4}  test {:>10.4}  (bce/px {:.4}, mse/px {:.5}{}{})  {:>7.0} samples/s",
            progress.epoch,
            progress.epoch_loss.unwrap_or(f32::NAN),
            eval.loss,
            eval.bce_per_pixel,
            eval.mse_per_pixel,
            eval.kl_per_sample.map(|kl| format!(", kl {kl:.2}")).unwrap_or_default(),
            progress.critic.map(|critic| format!(", critic loss {:.3} accuracy {:.3}", critic.loss, critic.accuracy)).unwrap_or_default(),
            train.len() as f64 / seconds,
        ));
    }
    bar.finish();
    Ok(())
}

impl Train {
    pub async fn run(self) -> Result<(), AeError> {
        let Train { model, run, limit, all_images, compare_pca, layerwise_epochs, init, device: device_choice, out } = self;
        let (preset, config) = model.config()?;
        let training = run.training();
        let TrainingConfig { epochs, batch_size, learning_rate: lr, seed, .. } = training.clone();
        let (splits, tag) = run.data.splits_with_tag()?;
        let config = config.for_images(splits.train.shape())?;
        let dataset = &tag.name;
        let train = match limit {
            Some(n) => splits.train.take(n),
            None if all_images => splits.all_images(),
            None => splits.train.clone(),
        };
        let device = device(device_choice)?;
        println!("data: {} training images, {} test images; device: {device:?}", train.len(), splits.test.len());
        let started = Instant::now();
        let mut trainer = starting_trainer(&config, training, (layerwise_epochs, &init), dataset, (&train, &splits.test), &device).await?;
        println!("model: {}  ({} parameters)", config.describe(), trainer.model().num_params());
        train_to_the_end(&mut trainer, &train, &splits.test, epochs).await?;
        let eval = evaluate(&trainer.model(), &splits.test, 1000).await?;
        println!(
            "test loss {:.4} ({}), test mse/px {:.5}, trained in {:.1} s",
            eval.loss,
            config.objective.scale().unit(),
            eval.mse_per_pixel,
            started.elapsed().as_secs_f64()
        );
        let seconds = started.elapsed().as_secs_f64();
        let pca_mse = if compare_pca {
            let pca_mse = Pca::fit(&train, config.code_size)?.reconstruction_mse(&splits.test);
            let verdict = if eval.mse_per_pixel < pca_mse { "beats" } else { "does not beat" };
            println!("PCA with {} components: test mse/px {pca_mse:.5}; the autoencoder {verdict} it", config.code_size);
            Some(pca_mse)
        } else {
            None
        };
        super::report::result(serde_json::json!({
            "command": "train", "model": preset.name(), "description": config.describe(), "dataset": dataset, "seed": seed, "config": config, "epochs": epochs,
            "evaluation": eval, "pca_mse": pca_mse, "seconds": seconds,
        }));
        let out = out.unwrap_or_else(|| PathBuf::from(format!("weights/{}.safetensors", preset.name())));
        let schedule = match (layerwise_epochs, &init) {
            (Some(stage_epochs), _) => format!("layer-wise {stage_epochs} epochs per layer, then fine-tuned {epochs} epochs"),
            (None, Some(path)) => format!("continued from {} for {epochs} epochs", path.display()),
            (None, None) => format!("trained {epochs} epochs"),
        };
        let provenance = format!(
            "{} {schedule} on {} {dataset} images (batch {batch_size}, lr {lr}, seed {seed}); test loss {:.4}, mse/px {:.5}",
            config.describe(),
            train.len(),
            eval.loss,
            eval.mse_per_pixel
        );
        super::write_weights(&out, &weights::save_with_dataset(&trainer.model(), &provenance, Some(&tag)).await?)?;
        println!("saved {}", out.display());
        Ok(())
    }
}

/// Evaluate saved weights on the test set.
#[derive(Args)]
pub struct Eval {
    weights: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

impl Eval {
    pub async fn run(self) -> Result<(), AeError> {
        let Eval { weights: path, data } = self;
        let bytes = std::fs::read(&path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
        let weights::LoadedModel { model, provenance, dataset } = weights::load(&bytes, &aestudio::backend::cpu_device())?;
        println!("provenance: {provenance}");
        let (splits, tag) = data.splits_with_tag()?;
        // A model is evaluated on the test set it learned (the same name, shape and images).
        if let Some(learned) = &dataset {
            learned.check_same(&tag, &path.display().to_string())?;
        }
        let eval = evaluate(&model, &splits.test, 1000).await?;
        println!("model: {}", model.config().describe());
        println!("{}", serde_json::to_string_pretty(&eval).expect("evaluation serializes"));
        super::report::result(serde_json::json!({ "command": "eval", "config": model.config(), "evaluation": eval }));
        // What a sparse code does: each unit's mean activation over the test set, against rho.
        if let Some(activation) = model.config().code_activation {
            let codes = explore::encode_dataset(&model, &splits.test, &aestudio::backend::cpu_device()).await?;
            let mut means = explore::column_means(&codes, model.config().code_size);
            means.sort_by(f32::total_cmp);
            let average = means.iter().sum::<f32>() / means.len() as f32;
            let target = match model.config().objective.sparsity_target() {
                Some(rho) => format!(" (target rho {rho})"),
                _ => String::new(),
            };
            println!(
                "code units ({activation:?}): mean activation over the test set {average:.4}{target}; per unit min {:.4}, median {:.4}, max {:.4}",
                means[0],
                means[means.len() / 2],
                means[means.len() - 1]
            );
        }
        Ok(())
    }
}
