//! `aestudio train|eval|pca`: the native command line over the same core the page runs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::*;
use clap::{Args, Parser, Subcommand, ValueEnum};

use aestudio::AeError;
use aestudio::data::{Dataset, DatasetFiles, Splits};
use aestudio::model::{Architecture, Autoencoder, AutoencoderConfig, Likelihood, Objective, Preset};
use aestudio::nn::noise::Corruption;
use aestudio::uses::explore;
use aestudio::uses::pca::Pca;
use aestudio::uses::probe::{Features, LinearProbe, ProbeConfig, ProbeLoss, check_label_count};
use aestudio::train::{Trainer, TrainingConfig, evaluate, train_model};
use aestudio::model::weights;
use aestudio::train::{layerwise, semisupervised};
use aestudio::uses::{anomaly, cluster};

mod figures;

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

/// The model to train: a preset and what to change in it.
#[derive(Args, Clone)]
struct ModelArgs {
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
}

/// How to train, and on what.
#[derive(Args, Clone)]
struct RunArgs {
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    data: DataArgs,
}

/// Which dataset, and where its files are.
#[derive(Args, Clone)]
struct DataArgs {
    /// mnist or fashion-mnist.
    #[arg(long, default_value = "mnist")]
    dataset: String,
    /// The folder with the dataset's four IDX files (default: data/<dataset>).
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model, print the epoch losses and the test loss, and save the weights.
    Train {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        run: RunArgs,
        /// Train on the first N training images only.
        #[arg(long)]
        limit: Option<usize>,
        /// Also fit PCA with as many components as the code and compare the test MSE.
        #[arg(long)]
        compare_pca: bool,
        /// First train each dense layer greedily as an autoencoder of the previous layer's codes
        /// (this many epochs per layer), then fine-tune end to end for --epochs.
        #[arg(long)]
        layerwise_epochs: Option<usize>,
        #[arg(long, value_enum, default_value = "cpu")]
        device: DeviceChoice,
        /// Where to save the weights (default: weights/<model>.safetensors).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Evaluate saved weights on the test set.
    Eval {
        weights: PathBuf,
        #[command(flatten)]
        data: DataArgs,
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
        #[command(flatten)]
        data: DataArgs,
    },
    /// k-means (k-means++, restarts) on a saved encoder's codes of the test set, against PCA
    /// features of the same size and raw pixels: matched accuracy and NMI.
    Cluster {
        weights: PathBuf,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 10)]
        restarts: usize,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Anomaly detection by reconstruction error: for each class, train without it and report the
    /// AUROC of that class among the test images; then train on every class and report the AUROC
    /// of the other dataset's test images as out-of-distribution inputs. PCA of the code's size
    /// alongside.
    Anomaly {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        run: RunArgs,
        /// The held-out classes to try.
        #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4,5,6,7,8,9")]
        classes: Vec<u8>,
    },
    /// The autoencoder as a regularizer: a classifier on the code trained jointly with the decoder
    /// (cross-entropy on the first N labels + alpha x reconstruction of every training image),
    /// against the same network trained on the labels alone.
    Semi {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        run: RunArgs,
        #[arg(long, value_delimiter = ',', default_value = "100,1000")]
        labels: Vec<usize>,
        /// Weight of the reconstruction objective.
        #[arg(long, default_value_t = 1.0)]
        alpha: f64,
    },
    /// Dimensionality reduction: test MSE per pixel of PCA and of autoencoders with each code
    /// size, as a table and an SVG plot, and 2-D embeddings of both as SVG scatters.
    Reduce {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        run: RunArgs,
        #[arg(long, value_delimiter = ',', default_value = "2,8,16,32,64")]
        sizes: Vec<usize>,
        /// Folder for the SVG figures.
        #[arg(long, default_value = "docs")]
        figures: PathBuf,
    },
    /// The results table: each model is trained, then scored on the test set (reconstruction,
    /// softmax linear probes at each label count, k-means accuracy and NMI, mean AUROC over the
    /// ten held-out classes); PCA of each code size and raw pixels alongside. Progress goes to
    /// stderr, the Markdown table to stdout.
    Results {
        /// Presets to train and score.
        #[arg(long, value_delimiter = ',', default_value = "ae,dae,sparse-kl,cae,vae")]
        models: Vec<String>,
        #[arg(long, default_value_t = 10)]
        epochs: usize,
        /// Epochs of each of the ten held-out-class models of the anomaly column.
        #[arg(long, default_value_t = 2)]
        anomaly_epochs: usize,
        #[arg(long, value_delimiter = ',', default_value = "100,1000,60000")]
        labels: Vec<usize>,
        #[arg(long, default_value_t = 20)]
        probe_epochs: usize,
        /// k-means restarts (k 10).
        #[arg(long, default_value_t = 5)]
        restarts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Native throughput figures (not a test): training samples/s of each preset in steady state
    /// (after warm-up, batch 128, median of repeated runs) and the time to evaluate the test set.
    Bench {
        #[arg(long, value_delimiter = ',', default_value = "vae,conv-dae")]
        models: Vec<String>,
        /// Optimizer steps per timed run.
        #[arg(long, default_value_t = 200)]
        steps: usize,
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        #[arg(long, value_enum, default_value = "cpu")]
        device: DeviceChoice,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Test-set reconstruction error of PCA with the given numbers of components.
    Pca {
        #[arg(long, value_delimiter = ',', default_value = "2,8,16,32,64")]
        components: Vec<usize>,
        #[command(flatten)]
        data: DataArgs,
    },
}

impl ModelArgs {
    /// The preset with the requested changes, validated.
    fn config(&self) -> Result<(Preset, AutoencoderConfig), AeError> {
        let preset = Preset::from_name(&self.model)?;
        let mut config = preset.config();
        if let Some(code_size) = self.code_size {
            config.code_size = code_size;
        }
        if let Some(hidden) = &self.hidden {
            config.architecture = Architecture::Mlp { hidden: hidden.clone() };
        }
        if let Some(beta) = self.beta {
            let Objective::Variational { .. } = config.objective else {
                return Err(AeError::InvalidConfig(format!("--beta weighs a VAE's KL term; {} is not a VAE", self.model)));
            };
            config.objective = Objective::Variational { beta };
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
                Objective::Adversarial { .. } => Objective::Adversarial { weight: lambda },
                Objective::Reconstruction | Objective::Variational { .. } => {
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
        config.validate()?;
        Ok((preset, config))
    }
}

impl RunArgs {
    fn training(&self) -> TrainingConfig {
        TrainingConfig::new().with_epochs(self.epochs).with_batch_size(self.batch_size).with_learning_rate(self.lr).with_seed(self.seed)
    }

    fn splits(&self) -> Result<Splits, AeError> {
        self.data.splits()
    }
}

impl DataArgs {
    /// The dataset's splits, from `--data` or `data/<dataset>`, checksums verified.
    fn splits(&self) -> Result<Splits, AeError> {
        load_dataset(&self.dataset, self.data.clone())
    }
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

/// The model saved at `path`.
fn load_weights(path: &std::path::Path, device: &Device) -> Result<Autoencoder, AeError> {
    let bytes = std::fs::read(path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
    Ok(weights::load(&bytes, device)?.model)
}

/// Refuses label counts outside `1..=` the training set's size.
fn check_label_counts(labels: &[usize], splits: &Splits) -> Result<(), AeError> {
    labels.iter().try_for_each(|&n| check_label_count(n, splits.train.len()))
}

/// One line of the results table.
struct ResultRow {
    name: String,
    code: String,
    loss: String,
    mse: Option<f64>,
    accuracies: Vec<f64>,
    clustering: (f64, f64),
    auroc: Option<f64>,
}

/// One way of describing a dataset's images (an encoder's codes, PCA coordinates, raw pixels),
/// for the training and the test images, which linear probes and k-means then score.
struct Representation {
    name: String,
    train: Features,
    test: Features,
}

impl Representation {
    /// The codes (posterior means) of `model`.
    async fn codes(model: &Autoencoder, splits: &Splits, device: &Device) -> Result<Representation, AeError> {
        let width = model.config().code_size;
        Ok(Representation {
            name: "codes".into(),
            train: Features { values: explore::encode_dataset(model, &splits.train, device).await?, width },
            test: Features { values: explore::encode_dataset(model, &splits.test, device).await?, width },
        })
    }

    /// Coordinates along the top `components` principal directions of the training images.
    fn pca(splits: &Splits, components: usize) -> Result<Representation, AeError> {
        let pca = Pca::fit(&splits.train, components)?;
        Ok(Representation {
            name: format!("PCA({components})"),
            train: Features { values: pca.project(&splits.train), width: components },
            test: Features { values: pca.project(&splits.test), width: components },
        })
    }

    /// The 784 pixels in [0, 1].
    fn pixels(splits: &Splits) -> Representation {
        let pixels = |data: &Dataset| Features {
            values: data.scaled_pixels(),
            width: aestudio::data::PIXELS,
        };
        Representation { name: "raw pixels".into(), train: pixels(&splits.train), test: pixels(&splits.test) }
    }

    /// Test accuracy of a linear probe trained on the first `n` training images, for each `n`.
    async fn probe_accuracies(&self, splits: &Splits, counts: &[usize], config: &ProbeConfig, device: &Device) -> Result<Vec<f64>, AeError> {
        let (train_labels, test_labels) = (splits.train.labels(), splits.test.labels());
        let mut accuracies = Vec::with_capacity(counts.len());
        for &n in counts {
            let probe = LinearProbe::fit(&self.train.first(n), &train_labels[..n], config, device).await?;
            accuracies.push(probe.accuracy(&self.test, test_labels, device).await?);
        }
        Ok(accuracies)
    }

    /// k-means on the test images: matched accuracy and NMI against the labels.
    fn kmeans_scores(&self, test: &Dataset, k: usize, restarts: usize) -> Result<(f64, f64), AeError> {
        let labels = test.labels();
        let solution = cluster::kmeans(&self.test.values, self.test.width, k, restarts, 300, 1)?;
        Ok((cluster::cluster_accuracy(&solution.assignments, labels)?, cluster::normalized_mutual_information(&solution.assignments, labels)?))
    }
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
        Command::Train { model, run, limit, compare_pca, layerwise_epochs, device: device_choice, out } => {
            let (preset, config) = model.config()?;
            let training = run.training();
            let RunArgs { epochs, batch_size, lr, seed, data: DataArgs { ref dataset, .. } } = run;
            let splits = run.splits()?;
            let train = match limit {
                Some(n) => splits.train.take(n),
                None => splits.train.clone(),
            };
            let device = device(device_choice)?;
            println!("data: {} training images, {} test images; device: {device:?}", train.len(), splits.test.len());
            let started = Instant::now();
            let mut trainer = match layerwise_epochs {
                None => Trainer::new(&config, training, &device, train.len())?,
                Some(stage_epochs) => {
                    let stage_training = training.clone().with_epochs(stage_epochs);
                    let (stacked, stages) = layerwise::pretrain(&config, &stage_training, &train, &device).await?;
                    for (index, stage) in stages.iter().enumerate() {
                        println!("layer {index} ({}-{}) trained greedily: reconstruction loss {:.5} per unit", stage.widths[0], stage.widths[1], stage.final_loss);
                    }
                    let eval = evaluate(&stacked.valid(), &splits.test, 1000).await?;
                    println!("stacked before fine-tuning: test loss {:.4}, mse/px {:.5} ({:.1} s)", eval.loss, eval.mse_per_pixel, started.elapsed().as_secs_f64());
                    Trainer::resume(stacked, training, &device, train.len(), 0)?
                }
            };
            println!("model: {}  ({} parameters)", config.describe(), trainer.model().num_params());
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
                config.objective.scale().unit(),
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
            let schedule = match layerwise_epochs {
                Some(stage_epochs) => format!("layer-wise {stage_epochs} epochs per layer, then fine-tuned {epochs} epochs"),
                None => format!("trained {epochs} epochs"),
            };
            let provenance = format!(
                "{} {schedule} on {} {dataset} images (batch {batch_size}, lr {lr}, seed {seed}); test loss {:.4}, mse/px {:.5}",
                config.describe(),
                train.len(),
                eval.loss,
                eval.mse_per_pixel
            );
            std::fs::write(&out, weights::save(&trainer.model(), &provenance).await?).map_err(|err| AeError::Weights(format!("{}: {err}", out.display())))?;
            println!("saved {}", out.display());
        }
        Command::Eval { weights: path, data } => {
            let bytes = std::fs::read(&path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
            let weights::LoadedModel { model, provenance } = weights::load(&bytes, &aestudio::backend::cpu_device())?;
            println!("provenance: {provenance}");
            let splits = data.splits()?;
            let eval = evaluate(&model, &splits.test, 1000).await?;
            println!("model: {}", model.config().describe());
            println!("{}", serde_json::to_string_pretty(&eval).expect("evaluation serializes"));
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
        }
        Command::Probe { weights: path, labels, loss, epochs, data } => {
            let device = aestudio::backend::cpu_device();
            let model = load_weights(&path, &device)?;
            let splits = data.splits()?;
            check_label_counts(&labels, &splits)?;
            let loss = match loss {
                ProbeLossChoice::Softmax => ProbeLoss::Softmax,
                ProbeLossChoice::Hinge => ProbeLoss::Hinge,
            };
            println!("model: {}; {loss:?} probe, {epochs} epochs, seed 1", model.config().describe());
            let config = ProbeConfig::new().with_loss(loss).with_epochs(epochs);
            let code_size = model.config().code_size;
            let representations = [
                Representation::codes(&model, &splits, &device).await?,
                Representation::pca(&splits, code_size)?,
                Representation::pixels(&splits),
            ];
            let mut accuracies = Vec::new();
            for representation in &representations {
                accuracies.push(representation.probe_accuracies(&splits, &labels, &config, &device).await?);
            }
            for (row, n) in labels.iter().enumerate() {
                println!(
                    "{n:>6} labels: codes {:.4}, PCA({code_size}) {:.4}, raw pixels {:.4} test accuracy",
                    accuracies[0][row], accuracies[1][row], accuracies[2][row]
                );
            }
        }
        Command::Cluster { weights: path, k, restarts, data } => {
            let device = aestudio::backend::cpu_device();
            let model = load_weights(&path, &device)?;
            let splits = data.splits()?;
            let code_size = model.config().code_size;
            println!("model: {}; k-means, k {k}, {restarts} restarts (k-means++), seed 1, on the {} test images", model.config().describe(), splits.test.len());
            for representation in [
                Representation::codes(&model, &splits, &device).await?,
                Representation::pca(&splits, code_size)?,
                Representation::pixels(&splits),
            ] {
                let started = Instant::now();
                let (accuracy, nmi) = representation.kmeans_scores(&splits.test, k, restarts)?;
                println!("{:>12}: accuracy {accuracy:.4}, NMI {nmi:.4}  ({:.1} s)", representation.name, started.elapsed().as_secs_f64());
            }
        }
        Command::Anomaly { model, run, classes } => {
            let (_, config) = model.config()?;
            let splits = run.splits()?;
            if let Some(&bad) = classes.iter().find(|&&c| c > 9) {
                return Err(AeError::InvalidConfig(format!("classes are 0 to 9, got {bad}")));
            }
            let device = aestudio::backend::cpu_device();
            let names = DatasetFiles::by_name(&run.data.dataset)?.class_names;
            println!("model: {}; {} epochs per model, seed {}, {}", config.describe(), run.epochs, run.seed, run.data.dataset);
            println!("score: reconstruction MSE per pixel; PCA({}) fitted on the same images alongside", config.code_size);
            let (mut model_aurocs, mut pca_aurocs) = (Vec::new(), Vec::new());
            for &class in &classes {
                let started = Instant::now();
                let model_auroc = anomaly::held_out_class_auroc(&config, &run.training(), &splits, class, &device).await?;
                let pca_auroc = anomaly::held_out_class_pca_auroc(&splits, class, config.code_size)?;
                println!("held-out class {class} ({:>11}): AUROC {model_auroc:.4}, PCA {pca_auroc:.4}  ({:.0} s)", names[class as usize], started.elapsed().as_secs_f64());
                model_aurocs.push(model_auroc);
                pca_aurocs.push(pca_auroc);
            }
            let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
            println!("mean AUROC over {} held-out classes: {:.4}, PCA {:.4}", classes.len(), mean(&model_aurocs), mean(&pca_aurocs));
            let other = if run.data.dataset == "mnist" { "fashion-mnist" } else { "mnist" };
            let outliers = load_dataset(other, None)?.test;
            let trained = train_model(&config, &run.training(), &splits.train, &device).await?;
            let pca = Pca::fit(&splits.train, config.code_size)?;
            println!(
                "{other} test images as out-of-distribution inputs to a model of all {} classes: AUROC {:.4}, PCA {:.4}",
                run.data.dataset,
                anomaly::auroc(&anomaly::reconstruction_errors(&trained, &splits.test, &device).await?, &anomaly::reconstruction_errors(&trained, &outliers, &device).await?)?,
                anomaly::auroc(&pca.reconstruction_errors(&splits.test), &pca.reconstruction_errors(&outliers))?,
            );
        }
        Command::Semi { model, run, labels, alpha } => {
            let (_, config) = model.config()?;
            let splits = run.splits()?;
            check_label_counts(&labels, &splits)?;
            let device = aestudio::backend::cpu_device();
            println!("model: {} + linear head on the code; {} epochs over all {} training images, seed {}", config.describe(), run.epochs, splits.train.len(), run.seed);
            for n in labels {
                let labelled = splits.train.take(n);
                let joint = |alpha: f64| {
                    semisupervised::JointConfig::new(config.clone())
                        .with_alpha(alpha)
                        .with_epochs(run.epochs)
                        .with_batch_size(run.batch_size)
                        .with_learning_rate(run.lr)
                        .with_seed(run.seed)
                };
                let alone = semisupervised::train_joint(&joint(0.0), &labelled, &splits.train, &device).await?.accuracy(&splits.test, &device).await?;
                let together = semisupervised::train_joint(&joint(alpha), &labelled, &splits.train, &device).await?.accuracy(&splits.test, &device).await?;
                println!("{n:>6} labels: classifier alone {alone:.4}, with the decoder (alpha {alpha}) {together:.4} test accuracy");
            }
        }
        Command::Reduce { model, run, sizes, figures: folder } => {
            let (_, base) = model.config()?;
            let splits = run.splits()?;
            if let Some(&bad) = sizes.iter().find(|&&k| k == 0 || k > aestudio::data::PIXELS) {
                return Err(AeError::InvalidConfig(format!("code sizes must be 1 to 784, got {bad}")));
            }
            std::fs::create_dir_all(&folder).map_err(|err| AeError::Data(format!("{}: {err}", folder.display())))?;
            let device = aestudio::backend::cpu_device();
            let files = DatasetFiles::by_name(&run.data.dataset)?;
            let labels = splits.test.labels();
            println!("model: {} with each code size; {} epochs, seed {}, {}", base.describe(), run.epochs, run.seed, run.data.dataset);
            let (mut pca_points, mut model_points) = (Vec::new(), Vec::new());
            for &k in &sizes {
                let pca = Pca::fit(&splits.train, k)?;
                let pca_mse = pca.reconstruction_mse(&splits.test);
                let config = AutoencoderConfig { code_size: k, ..base.clone() };
                let trained = train_model(&config, &run.training(), &splits.train, &device).await?;
                let model_mse = evaluate(&trained, &splits.test, 1000).await?.mse_per_pixel;
                println!("code {k:>3}: PCA test mse/px {pca_mse:.5}, autoencoder {model_mse:.5} ({:.0}% of PCA's)", 100.0 * model_mse / pca_mse);
                pca_points.push((k as f64, pca_mse));
                model_points.push((k as f64, model_mse));
                if k == 2 {
                    // The first 3,000 test images: enough to see the classes, and a figure of
                    // 300 KB rather than 1 MB.
                    let shown = 3000.min(splits.test.len());
                    let pairs = |values: Vec<f32>| values.chunks(2).take(shown).map(|p| [p[0], p[1]]).collect::<Vec<_>>();
                    let pca_path = folder.join(format!("embedding-pca-{}.svg", run.data.dataset));
                    figures::class_scatter(&pca_path, &format!("PCA, 2 components ({}, {shown} test images)", run.data.dataset), &pairs(pca.project(&splits.test)), &labels[..shown], &files.class_names)?;
                    let model_path = folder.join(format!("embedding-ae-{}.svg", run.data.dataset));
                    let codes = explore::encode_dataset(&trained, &splits.test, &device).await?;
                    figures::class_scatter(&model_path, &format!("Autoencoder, 2-D code ({}, {shown} test images)", run.data.dataset), &pairs(codes), &labels[..shown], &files.class_names)?;
                    println!("wrote {} and {}", pca_path.display(), model_path.display());
                }
            }
            let plot = folder.join(format!("pca-vs-ae-{}.svg", run.data.dataset));
            figures::log_log_lines(
                &plot,
                &format!("Test reconstruction error, {}", run.data.dataset),
                "code size (components)",
                "MSE per pixel",
                &[
                    figures::Series { name: "PCA".into(), points: pca_points },
                    figures::Series { name: format!("autoencoder ({} epochs)", run.epochs), points: model_points },
                ],
            )?;
            println!("wrote {}", plot.display());
        }
        Command::Results { models, epochs, anomaly_epochs, labels, probe_epochs, restarts, seed, data } => {
            let splits = data.splits()?;
            let dataset = &data.dataset;
            check_label_counts(&labels, &splits)?;
            let presets = models.iter().map(|name| Preset::from_name(name)).collect::<Result<Vec<_>, _>>()?;
            let device = aestudio::backend::cpu_device();
            let training = TrainingConfig::new().with_epochs(epochs).with_seed(seed);
            let anomaly_training = training.clone().with_epochs(anomaly_epochs);
            let probe = ProbeConfig::new().with_epochs(probe_epochs);
            let started = Instant::now();
            let progress = |what: &str| eprintln!("[{:>5.0} s] {what}", started.elapsed().as_secs_f64());
            let mut rows = Vec::new();
            let mut code_sizes = Vec::new();
            for preset in presets {
                let config = preset.config();
                progress(&format!("training {} ({epochs} epochs)", preset.name()));
                let model = train_model(&config, &training, &splits.train, &device).await?;
                let eval = evaluate(&model, &splits.test, 1000).await?;
                let codes = Representation::codes(&model, &splits, &device).await?;
                progress("probes and k-means");
                let accuracies = codes.probe_accuracies(&splits, &labels, &probe, &device).await?;
                let (cluster_accuracy, nmi) = codes.kmeans_scores(&splits.test, 10, restarts)?;
                let mut aurocs = Vec::new();
                for class in 0..10u8 {
                    progress(&format!("held-out class {class} ({anomaly_epochs} epochs)"));
                    aurocs.push(anomaly::held_out_class_auroc(&config, &anomaly_training, &splits, class, &device).await?);
                }
                let loss = config.objective.scale().format(eval.loss);
                rows.push(ResultRow {
                    name: format!("`{}` {}", preset.name(), config.describe()),
                    code: config.code_size.to_string(),
                    loss,
                    mse: Some(eval.mse_per_pixel),
                    accuracies,
                    clustering: (cluster_accuracy, nmi),
                    auroc: Some(aurocs.iter().sum::<f64>() / 10.0),
                });
                if !code_sizes.contains(&config.code_size) {
                    code_sizes.push(config.code_size);
                }
            }
            for k in code_sizes {
                progress(&format!("PCA({k})"));
                let principal = Representation::pca(&splits, k)?;
                let aurocs = (0..10u8).map(|class| anomaly::held_out_class_pca_auroc(&splits, class, k)).collect::<Result<Vec<_>, _>>()?;
                rows.push(ResultRow {
                    name: format!("PCA, {k} components"),
                    code: k.to_string(),
                    loss: "-".into(),
                    mse: Some(Pca::fit(&splits.train, k)?.reconstruction_mse(&splits.test)),
                    accuracies: principal.probe_accuracies(&splits, &labels, &probe, &device).await?,
                    clustering: principal.kmeans_scores(&splits.test, 10, restarts)?,
                    auroc: Some(aurocs.iter().sum::<f64>() / 10.0),
                });
            }
            progress("raw pixels");
            let pixels = Representation::pixels(&splits);
            rows.push(ResultRow {
                name: "raw pixels".into(),
                code: "784".into(),
                loss: "-".into(),
                mse: None,
                accuracies: pixels.probe_accuracies(&splits, &labels, &probe, &device).await?,
                clustering: pixels.kmeans_scores(&splits.test, 10, restarts)?,
                auroc: None,
            });
            progress("done");
            println!(
                "{dataset}, seed {seed}: models trained {epochs} epochs (batch 128, Adam 1e-3); softmax probes {probe_epochs} epochs on the first N training labels; k-means k 10, {restarts} restarts on the 10,000 test images; AUROC: mean over the ten held-out classes, each model trained {anomaly_epochs} epochs without it\n"
            );
            let probe_headers: String = labels.iter().map(|n| format!(" probe {n} |")).collect();
            println!("| model | code | test loss | test MSE/px |{probe_headers} k-means acc | NMI | mean AUROC |");
            println!("|---|---|---|---|{}---|---|---|", "---|".repeat(labels.len()));
            for row in rows {
                let accuracies: String = row.accuracies.iter().map(|a| format!(" {a:.4} |")).collect();
                let optional = |value: Option<f64>, digits: usize| value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "-".into());
                println!(
                    "| {} | {} | {} | {} |{accuracies} {:.4} | {:.4} | {} |",
                    row.name, row.code, row.loss, optional(row.mse, 5), row.clustering.0, row.clustering.1, optional(row.auroc, 4)
                );
            }
        }
        Command::Bench { models, steps, repeats, device: device_choice, data } => {
            let splits = data.splits()?;
            let device = device(device_choice)?;
            if steps == 0 || repeats == 0 {
                return Err(AeError::InvalidConfig("--steps and --repeats must be at least 1".into()));
            }
            // (median, min, max)
            let summary = |values: &[f64]| {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                (sorted[sorted.len() / 2], sorted[0], sorted[sorted.len() - 1])
            };
            println!("native, {device:?}; batch 128; {repeats} timed runs of {steps} steps after a warm-up of {steps}; medians (min-max)");
            println!("| model | parameters | training samples/s | test-set evaluation (10,000 images) |");
            println!("|---|---|---|---|");
            for name in models {
                let config = Preset::from_name(&name)?.config();
                let mut trainer = Trainer::new(&config, TrainingConfig::new().with_epochs(usize::MAX / 1024), &device, splits.train.len())?;
                let mut rates = Vec::with_capacity(repeats);
                for run in 0..=repeats {
                    let started = Instant::now();
                    let mut done = 0;
                    while done < steps {
                        let before = trainer.step();
                        trainer.train_steps(&splits.train, steps - done).await?;
                        done += trainer.step() - before;
                    }
                    // A readback waits for the device's queue (a GPU runs ahead of the host).
                    evaluate(&trainer.model(), &splits.test.take(1), 1).await?;
                    if run > 0 {
                        rates.push((steps * 128) as f64 / started.elapsed().as_secs_f64());
                    }
                }
                let mut evaluations = Vec::with_capacity(repeats);
                for _ in 0..repeats {
                    let started = Instant::now();
                    evaluate(&trainer.model(), &splits.test, 1000).await?;
                    evaluations.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                let (rate, rate_low, rate_high) = summary(&rates);
                let (eval, eval_low, eval_high) = summary(&evaluations);
                println!(
                    "| `{name}` | {} | {rate:.0} ({rate_low:.0}-{rate_high:.0}) | {eval:.0} ms ({eval_low:.0}-{eval_high:.0}) |",
                    trainer.model().num_params()
                );
                // The same figures for `tests/bench/table.mjs`, which joins them with the browser's.
                let backend = match device_choice {
                    DeviceChoice::Cpu => "flex",
                    DeviceChoice::Gpu => "wgpu",
                };
                let flops = config.flops_per_sample().training;
                println!(
                    "bench-result {}",
                    serde_json::json!({ "where": "native", "kind": "train", "backend": backend, "model": name, "median": rate, "min": rate_low, "max": rate_high, "flops": flops })
                );
                println!(
                    "bench-result {}",
                    serde_json::json!({ "where": "native", "kind": "evaluate", "backend": backend, "model": name, "images": splits.test.len(), "median": eval, "min": eval_low, "max": eval_high })
                );
            }
        }
        Command::Pca { components, data } => {
            let splits = data.splits()?;
            for k in components {
                let started = Instant::now();
                let pca = Pca::fit(&splits.train, k)?;
                println!("PCA k={k:>3}: test mse/px {:.5}  ({:.1} s)", pca.reconstruction_mse(&splits.test), started.elapsed().as_secs_f64());
            }
        }
    }
    Ok(())
}
