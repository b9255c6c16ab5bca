//! `aestudio train|eval|pca`: the native command line over the same core the page runs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::*;
use clap::{Parser, Subcommand, ValueEnum};

use aestudio::AeError;
use aestudio::mnist::{DatasetFiles, Splits};
use aestudio::model::{Architecture, Likelihood, Preset, Regularizer};
use aestudio::noise::Corruption;
use aestudio::explore;
use aestudio::pca::Pca;
use aestudio::probe::{Features, LinearProbe, ProbeConfig, ProbeLoss};
use aestudio::train::{Trainer, TrainingConfig, evaluate};
use aestudio::weights;

#[derive(Parser)]
#[command(name = "aestudio", about = "Train and evaluate autoencoders on MNIST and Fashion-MNIST, natively")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceChoice {
    /// burn's flex CPU backend.
    Cpu,
    /// burn's wgpu backend on the best GPU (build with `--features gpu`).
    Gpu,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model, print the epoch losses and the test loss, and save the weights.
    Train {
        /// ae, dae, vae, beta-vae, conv-dae, sparse-l1, sparse-kl or cae.
        #[arg(long, default_value = "vae")]
        model: String,
        /// Code size (overrides the preset's).
        #[arg(long)]
        code_size: Option<usize>,
        /// Hidden widths of a dense model, comma-separated (overrides the preset's).
        #[arg(long, value_delimiter = ',')]
        hidden: Option<Vec<usize>>,
        /// Weight of the KL term of a VAE.
        #[arg(long)]
        beta: Option<f64>,
        /// Gaussian noise sigma (denoising).
        #[arg(long, conflicts_with = "keep")]
        sigma: Option<f64>,
        /// Masking noise keep probability (denoising).
        #[arg(long)]
        keep: Option<f64>,
        /// Weight of the preset's sparse or contractive penalty.
        #[arg(long)]
        lambda: Option<f64>,
        /// Target mean activation of the KL sparsity penalty (sparse-kl).
        #[arg(long)]
        rho: Option<f64>,
        /// Use a Gaussian decoder (squared error) instead of a Bernoulli one.
        #[arg(long)]
        gaussian: bool,
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        #[arg(long, default_value_t = 128)]
        batch_size: usize,
        #[arg(long, default_value_t = 1e-3)]
        lr: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Train on the first N training images only.
        #[arg(long)]
        limit: Option<usize>,
        /// Also fit PCA with as many components as the code and compare the test MSE.
        #[arg(long)]
        compare_pca: bool,
        #[arg(long, value_enum, default_value = "cpu")]
        device: DeviceChoice,
        /// mnist or fashion-mnist.
        #[arg(long, default_value = "mnist")]
        dataset: String,
        /// The folder with the dataset's four IDX files (default: data/<dataset>).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Where to save the weights (default: weights/<model>.safetensors).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate saved weights on the test set.
    Eval {
        weights: PathBuf,
        /// mnist or fashion-mnist.
        #[arg(long, default_value = "mnist")]
        dataset: String,
        /// The folder with the dataset's four IDX files (default: data/<dataset>).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Linear-probe test accuracy of a saved encoder's codes, of PCA features of the same size and
    /// of raw pixels, with the first N training labels for each N given.
    Probe {
        weights: PathBuf,
        /// How many training labels the classifier sees (the first N images).
        #[arg(long, value_delimiter = ',', default_value = "100,1000,60000")]
        labels: Vec<usize>,
        #[arg(long, value_enum, default_value = "softmax")]
        loss: ProbeLossChoice,
        #[arg(long, default_value_t = 30)]
        epochs: usize,
        #[arg(long, default_value = "mnist")]
        dataset: String,
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// k-means (k-means++, restarts) on a saved encoder's codes of the test set, against PCA
    /// features of the same size and raw pixels: matched accuracy and NMI.
    Cluster {
        weights: PathBuf,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 10)]
        restarts: usize,
        #[arg(long, default_value = "mnist")]
        dataset: String,
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Test-set reconstruction error of PCA with the given numbers of components.
    Pca {
        #[arg(long, value_delimiter = ',', default_value = "2,8,16,32,64")]
        components: Vec<usize>,
        /// mnist or fashion-mnist.
        #[arg(long, default_value = "mnist")]
        dataset: String,
        /// The folder with the dataset's four IDX files (default: data/<dataset>).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    match pollster::block_on(run(Cli::parse())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The named dataset's splits, from `data` or `data/<name>`, checksums verified.
fn load_dataset(name: &str, data: Option<PathBuf>) -> Result<Splits, AeError> {
    let files = DatasetFiles::by_name(name)?;
    let dir = data.unwrap_or_else(|| PathBuf::from("data").join(files.name));
    Splits::load_dir(&files, &dir)
}

/// The codes of every image of `data` as probe features.
async fn code_features(model: &aestudio::model::Autoencoder, data: &aestudio::mnist::Dataset, device: &Device) -> Result<Features, AeError> {
    Ok(Features { values: explore::encode_dataset(model, data, device).await?, width: model.config().code_size })
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ProbeLossChoice {
    /// Softmax (multinomial logistic regression).
    Softmax,
    /// Multiclass hinge loss (a linear SVM).
    Hinge,
}

fn device(choice: DeviceChoice) -> Result<Device, AeError> {
    match choice {
        DeviceChoice::Cpu => Ok(aestudio::backend::cpu_device()),
        #[cfg(feature = "gpu")]
        DeviceChoice::Gpu => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        #[cfg(not(feature = "gpu"))]
        DeviceChoice::Gpu => Err(AeError::InvalidConfig("this binary was built without GPU support; rebuild with `--features gpu`".into())),
    }
}

async fn run(cli: Cli) -> Result<(), AeError> {
    match cli.command {
        Command::Train {
            model, code_size, hidden, beta, sigma, keep, lambda, rho, gaussian, epochs, batch_size, lr, seed, limit,
            compare_pca, device: device_choice, dataset, data, out,
        } => {
            let preset = Preset::from_name(&model)?;
            let mut config = preset.config();
            if let Some(code_size) = code_size {
                config.code_size = code_size;
            }
            if let Some(hidden) = hidden {
                config.architecture = Architecture::Mlp { hidden };
            }
            if let Some(beta) = beta {
                config.beta = beta;
            }
            if let Some(sigma) = sigma {
                config.corruption = Corruption::Gaussian { sigma };
            }
            if let Some(keep_probability) = keep {
                config.corruption = Corruption::Masking { keep_probability };
            }
            if let Some(lambda) = lambda {
                config.regularizer = Some(match config.regularizer {
                    Some(Regularizer::SparseL1 { .. }) => Regularizer::SparseL1 { lambda },
                    Some(Regularizer::SparseKl { rho, .. }) => Regularizer::SparseKl { rho, lambda },
                    Some(Regularizer::Contractive { .. }) => Regularizer::Contractive { lambda },
                    None => return Err(AeError::InvalidConfig(format!("--lambda needs a preset with a penalty, not {model}"))),
                });
            }
            if let Some(rho) = rho {
                let Some(Regularizer::SparseKl { lambda, .. }) = config.regularizer else {
                    return Err(AeError::InvalidConfig("--rho is the target of the sparse-kl preset's penalty".into()));
                };
                config.regularizer = Some(Regularizer::SparseKl { rho, lambda });
            }
            if gaussian {
                config.likelihood = Likelihood::Gaussian;
            }
            let training = TrainingConfig::new()
                .with_epochs(epochs)
                .with_batch_size(batch_size)
                .with_learning_rate(lr)
                .with_seed(seed);
            config.validate()?;
            let splits = load_dataset(&dataset, data)?;
            let train = match limit {
                Some(n) => splits.train.take(n),
                None => splits.train.clone(),
            };
            let device = device(device_choice)?;
            let mut trainer = Trainer::new(&config, training, &device, train.len())?;
            println!("model: {}  ({} parameters)", config.describe(), trainer.model().num_params());
            println!("data: {} training images, {} test images; device: {device:?}", train.len(), splits.test.len());
            let started = Instant::now();
            while !trainer.is_finished() {
                let epoch_started = Instant::now();
                let progress = trainer.train_steps(&train, usize::MAX).await?;
                let seconds = epoch_started.elapsed().as_secs_f64();
                let eval = evaluate(&trainer.model(), &splits.test, 1000).await?;
                println!(
                    "epoch {:>3}  train {:>10.4}  test {:>10.4}  (bce/px {:.4}, mse/px {:.5}{})  {:>7.0} samples/s",
                    progress.epoch,
                    progress.epoch_loss.unwrap_or(f32::NAN),
                    eval.loss,
                    eval.bce_per_pixel,
                    eval.mse_per_pixel,
                    eval.kl_per_sample.map(|kl| format!(", kl {kl:.2}")).unwrap_or_default(),
                    train.len() as f64 / seconds,
                );
            }
            let eval = evaluate(&trainer.model(), &splits.test, 1000).await?;
            println!(
                "test loss {:.4} ({}), test mse/px {:.5}, trained in {:.1} s",
                eval.loss,
                if config.variational { "per sample" } else { "per pixel" },
                eval.mse_per_pixel,
                started.elapsed().as_secs_f64()
            );
            if compare_pca {
                let pca = Pca::fit(&train, config.code_size)?;
                let pca_mse = pca.reconstruction_mse(&splits.test);
                let verdict = if eval.mse_per_pixel < pca_mse { "beats" } else { "does not beat" };
                println!("PCA with {} components: test mse/px {pca_mse:.5}; the autoencoder {verdict} it", config.code_size);
            }
            let out = out.unwrap_or_else(|| PathBuf::from(format!("weights/{}.safetensors", preset.name())));
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir).map_err(|err| AeError::Weights(format!("{}: {err}", dir.display())))?;
            }
            let provenance = format!(
                "{} trained {epochs} epochs on {} {dataset} images (batch {batch_size}, lr {lr}, seed {seed}); test loss {:.4}, mse/px {:.5}",
                config.describe(),
                train.len(),
                eval.loss,
                eval.mse_per_pixel
            );
            std::fs::write(&out, weights::save(&trainer.model(), &provenance).await?).map_err(|err| AeError::Weights(format!("{}: {err}", out.display())))?;
            println!("saved {}", out.display());
        }
        Command::Eval { weights: path, dataset, data } => {
            let bytes = std::fs::read(&path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            let weights::LoadedModel { model, provenance } = weights::load(&bytes, &aestudio::backend::cpu_device())?;
            println!("provenance: {provenance}");
            let splits = load_dataset(&dataset, data)?;
            let eval = evaluate(&model, &splits.test, 1000).await?;
            println!("model: {}", model.config().describe());
            println!("{}", serde_json::to_string_pretty(&eval).expect("evaluation serializes"));
        }
        Command::Probe { weights: path, labels, loss, epochs, dataset, data } => {
            let bytes = std::fs::read(&path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            let device = aestudio::backend::cpu_device();
            let model = weights::load(&bytes, &device)?.model;
            let splits = load_dataset(&dataset, data)?;
            if let Some(&bad) = labels.iter().find(|&&n| n == 0 || n > splits.train.len()) {
                return Err(AeError::InvalidConfig(format!("label counts must be 1 to {}, got {bad}", splits.train.len())));
            }
            let loss = match loss {
                ProbeLossChoice::Softmax => ProbeLoss::Softmax,
                ProbeLossChoice::Hinge => ProbeLoss::Hinge,
            };
            let targets = |data: &aestudio::mnist::Dataset| (0..data.len()).map(|i| data.label(i)).collect::<Vec<u8>>();
            let pixels = |data: &aestudio::mnist::Dataset| Features {
                values: (0..data.len()).flat_map(|i| data.image(i).iter().map(|&p| p as f32 / 255.0)).collect(),
                width: aestudio::model::PIXELS,
            };
            println!("model: {}; {loss:?} probe, {epochs} epochs, seed 1", model.config().describe());
            let (test_codes, test_pixels, test_labels) = (code_features(&model, &splits.test, &device).await?, pixels(&splits.test), targets(&splits.test));
            // PCA with as many components as the code, fitted on all training images (no labels).
            let code_size = model.config().code_size;
            let pca = Pca::fit(&splits.train, code_size)?;
            let principal = |data: &aestudio::mnist::Dataset| Features { values: pca.project(data), width: code_size };
            let test_principal = principal(&splits.test);
            for n in labels {
                let train = splits.train.take(n);
                let config = ProbeConfig::new().with_loss(loss).with_epochs(epochs);
                let on_codes = LinearProbe::fit(&code_features(&model, &train, &device).await?, &targets(&train), &config, &device).await?;
                let on_pca = LinearProbe::fit(&principal(&train), &targets(&train), &config, &device).await?;
                let on_pixels = LinearProbe::fit(&pixels(&train), &targets(&train), &config, &device).await?;
                println!(
                    "{n:>6} labels: codes {:.4}, PCA({code_size}) {:.4}, raw pixels {:.4} test accuracy",
                    on_codes.accuracy(&test_codes, &test_labels, &device).await?,
                    on_pca.accuracy(&test_principal, &test_labels, &device).await?,
                    on_pixels.accuracy(&test_pixels, &test_labels, &device).await?,
                );
            }
        }
        Command::Cluster { weights: path, k, restarts, dataset, data } => {
            let bytes = std::fs::read(&path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            let device = aestudio::backend::cpu_device();
            let model = weights::load(&bytes, &device)?.model;
            let splits = load_dataset(&dataset, data)?;
            let test = &splits.test;
            let labels: Vec<u8> = (0..test.len()).map(|i| test.label(i)).collect();
            let code_size = model.config().code_size;
            let pca = Pca::fit(&splits.train, code_size)?;
            let pixels: Vec<f32> = (0..test.len()).flat_map(|i| test.image(i).iter().map(|&p| p as f32 / 255.0)).collect();
            println!("model: {}; k-means, k {k}, {restarts} restarts (k-means++), seed 1, on the {} test images", model.config().describe(), test.len());
            for (name, points, width) in [
                ("codes".to_string(), explore::encode_dataset(&model, test, &device).await?, code_size),
                (format!("PCA({code_size})"), pca.project(test), code_size),
                ("raw pixels".to_string(), pixels, aestudio::model::PIXELS),
            ] {
                let started = Instant::now();
                let solution = aestudio::cluster::kmeans(&points, width, k, restarts, 300, 1)?;
                println!(
                    "{name:>12}: accuracy {:.4}, NMI {:.4}  ({:.1} s)",
                    aestudio::cluster::cluster_accuracy(&solution.assignments, &labels)?,
                    aestudio::cluster::normalized_mutual_information(&solution.assignments, &labels)?,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Command::Pca { components, dataset, data } => {
            let splits = load_dataset(&dataset, data)?;
            for k in components {
                let started = Instant::now();
                let pca = Pca::fit(&splits.train, k)?;
                println!("PCA k={k:>3}: test mse/px {:.5}  ({:.1} s)", pca.reconstruction_mse(&splits.test), started.elapsed().as_secs_f64());
            }
        }
    }
    Ok(())
}
