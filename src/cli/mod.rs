//! The native command line over the same core the page runs: one struct and one `run` per
//! subcommand, grouped by what they do (`train.rs`, `codes.rs`, `results.rs`, `studies.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use burn::prelude::*;
use clap::{Parser, Subcommand, ValueEnum};

use aestudio::AeError;
use aestudio::data::{DatasetFiles, Splits};
use aestudio::model::{Autoencoder, weights};
use aestudio::uses::classifier::{Classifier, load_classifier};
use aestudio::uses::probe::check_label_count;

mod args;
mod bench;
mod codes;
mod deep_cluster;
mod figures;
mod likelihood;
mod migrate;
mod progress;
mod quality;
mod recommend;
mod report;
mod results;
mod studies;
mod train;
mod unusual;

#[derive(Parser)]
#[command(name = "aestudio", about = "Train and evaluate autoencoders on MNIST and Fashion-MNIST (and AutoRec on MovieLens), natively")]
struct Cli {
    /// Append every `result` line, with the command line, commit, date and machine, to this
    /// JSON-lines file (the records under docs/records/ that `report` renders the docs from).
    #[arg(long, global = true, value_name = "FILE")]
    record: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DeviceChoice {
    /// burn's flex CPU backend.
    Cpu,
    /// burn's wgpu backend on the best GPU (build with `--features gpu`).
    Gpu,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model, print the epoch losses and the test loss, and save the weights.
    Train(train::Train),
    /// Evaluate saved weights on the test set.
    Eval(train::Eval),
    /// Rewrite weight files in the current format, recording the data set each learned (`--dataset`).
    Migrate(migrate::Migrate),
    /// Linear-probe test accuracy of a saved encoder's codes, of PCA features of the same size and
    /// of raw pixels, with the first N training labels for each N given.
    Probe(codes::Probe),
    /// The codes of a saved encoder as CSV: every image of a folder (`--images DIR`), or a data
    /// set's test images.
    Codes(codes::Codes),
    /// k-means (k-means++, restarts) on a saved encoder's codes of the test set, against PCA
    /// features of the same size and raw pixels: matched accuracy and NMI.
    Cluster(codes::Cluster),
    /// Deep embedded clustering: fine-tunes a saved encoder and cluster centres (DEC, or IDEC
    /// which keeps the decoder) from k-means on its codes, on all 70,000 images; matched
    /// accuracy and NMI at every target update.
    Dec(deep_cluster::DeepCluster),
    /// Anomaly detection by reconstruction error: for each class, train without it and report the
    /// AUROC of that class among the test images; then train on every class and report the AUROC
    /// of the other dataset's test images as out-of-distribution inputs. PCA of the code's size
    /// alongside.
    Anomaly(studies::Anomaly),
    /// The autoencoder as a regularizer: a classifier on the code trained jointly with the decoder
    /// (cross-entropy on the first N labels + alpha x reconstruction of every training image),
    /// against the same network trained on the labels alone.
    Semi(studies::Semi),
    /// Dimensionality reduction: test MSE per pixel of PCA and of autoencoders with each code
    /// size, as a table and an SVG plot, and 2-D embeddings of both as SVG scatters.
    Reduce(studies::Reduce),
    /// The results table: each model is trained, then scored on the test set (reconstruction,
    /// softmax linear probes at each label count, k-means accuracy and NMI, mean AUROC over the
    /// ten held-out classes); PCA of each code size and raw pixels alongside. Progress goes to
    /// stderr, the Markdown table to stdout.
    Results(results::Results),
    /// Native throughput figures (not a test): training samples/s of each preset in steady state
    /// (after warm-up, batch 128, median of repeated runs) and the time to evaluate the test set.
    Bench(bench::Bench),
    /// Test-set reconstruction error of PCA with the given numbers of components.
    Pca(studies::Pca),
    /// Train the classifier whose features the sample-quality yardstick (`quality`) measures in, and
    /// save it (default: www/models/classifier-<dataset>.safetensors).
    Classifier(quality::Classifier),
    /// The sample-quality table of the generative models: FID of their samples in the classifier's
    /// features, the classes they cover, test reconstruction error and training time.
    Quality(quality::Quality),
    /// AutoRec on MovieLens: I-AutoRec and U-AutoRec trained on random 90/10 splits of the
    /// ratings, test RMSE per split and the mean, beside the global mean, item biases, user and
    /// item biases, and biased matrix factorization.
    Autorec(recommend::AutoRecCommand),
    /// Test NLL (nats) on dynamically binarized MNIST of the VAE, beta-VAEs, the PixelVAE and a
    /// plain PixelCNN trained for the same epochs (importance-weighted for the VAEs, exact for the
    /// PixelCNN), beside the published figures; each VAE's KL per unit, active units and total
    /// correlation alongside.
    Likelihood(likelihood::Likelihood),
    /// Render the tables of README.md and docs/ from the records in docs/records/ (`--check`
    /// only compares).
    Report(report::Report),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    report::keep_records_in(cli.record.clone());
    match pollster::block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The named dataset's splits, from `data` or `data/<name>`, checksums verified.
pub(crate) fn load_dataset(name: &str, data: Option<PathBuf>) -> Result<Splits, AeError> {
    let files = DatasetFiles::by_name(name)?;
    let dir = data.unwrap_or_else(|| PathBuf::from("data").join(files.name));
    Splits::load_dir(&files, &dir)
}

/// Writes a trained network's `bytes` to `path` (see [`write_file`]).
pub(crate) fn write_weights(path: &std::path::Path, bytes: &[u8]) -> Result<(), AeError> {
    write_file(path, bytes).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))
}

/// Writes `bytes` to `path`, creating its folder first: a missing folder must not cost the
/// work that came before.
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// The model saved at `path`.
pub(crate) fn load_weights(path: &std::path::Path, device: &Device) -> Result<Autoencoder, AeError> {
    Ok(load_weight_file(path, device)?.model)
}

/// The weight file at `path`: its model, provenance and data set.
pub(crate) fn load_weight_file(path: &std::path::Path, device: &Device) -> Result<weights::LoadedModel, AeError> {
    let bytes = std::fs::read(path).map_err(|err| AeError::Weights(format!("{}: {err}", path.display())))?;
    Ok(weights::load(&bytes, device)?)
}

/// The trained network a feature-consistent VAE measures its reconstructions in: the classifier
/// shipped for `dataset` (`www/models/classifier-<dataset>.safetensors`); `None` for other models.
pub(crate) fn feature_network_for(config: &aestudio::model::AutoencoderConfig, dataset: &str, device: &Device) -> Result<Option<Classifier>, AeError> {
    if !matches!(config.objective, aestudio::model::Objective::FeatureConsistent { .. }) {
        return Ok(None);
    }
    Ok(Some(read_classifier(&shipped_classifier(dataset), device, "a DFC-VAE trains against the shipped classifier")?))
}

/// Where the classifier shipped for `dataset` is: the yardstick's and the DFC-VAE's network.
pub(crate) fn shipped_classifier(dataset: &str) -> PathBuf {
    PathBuf::from(format!("www/models/classifier-{dataset}.safetensors"))
}

/// The classifier saved at `path`; a missing file's error ends with `hint`.
pub(crate) fn read_classifier(path: &std::path::Path, device: &Device, hint: &str) -> Result<Classifier, AeError> {
    let bytes = std::fs::read(path).map_err(|err| AeError::Weights(format!("{}: {err} ({hint})", path.display())))?;
    Ok(load_classifier(&bytes, device)?.0)
}

/// Refuses label counts outside `1..=` the training set's size.
pub(crate) fn check_label_counts(labels: &[usize], splits: &Splits) -> Result<(), AeError> {
    labels.iter().try_for_each(|&n| check_label_count(n, splits.train.len()))
}

pub(crate) fn device(choice: DeviceChoice) -> Result<Device, AeError> {
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
        Command::Train(command) => command.run().await,
        Command::Eval(command) => command.run().await,
        Command::Migrate(command) => command.run().await,
        Command::Probe(command) => command.run().await,
        Command::Codes(command) => command.run().await,
        Command::Cluster(command) => command.run().await,
        Command::Dec(command) => command.run().await,
        Command::Anomaly(command) => command.run().await,
        Command::Semi(command) => command.run().await,
        Command::Reduce(command) => command.run().await,
        Command::Results(command) => command.run().await,
        Command::Bench(command) => command.run().await,
        Command::Pca(command) => command.run().await,
        Command::Classifier(command) => command.run().await,
        Command::Quality(command) => command.run().await,
        Command::Autorec(command) => command.run().await,
        Command::Likelihood(command) => command.run().await,
        Command::Report(command) => command.run().await,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn weights_go_into_a_folder_that_does_not_exist_yet() {
        let root = std::env::temp_dir().join(format!("aestudio-write-weights-{}", std::process::id()));
        let path = root.join("new/deeper/model.safetensors");
        super::write_weights(&path, b"bytes").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"bytes");
        // A folder where the file should be is a clear error naming the path.
        let err = super::write_weights(&root.join("new"), b"x").unwrap_err().to_string();
        assert!(err.contains("new"), "{err}");
        std::fs::remove_dir_all(root).unwrap();
    }
}
