//! `probe` and `cluster`: what a saved encoder's codes are good for, against PCA and raw pixels;
//! `codes`: the codes themselves, as CSV.

use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::*;
use clap::Args;

use aestudio::AeError;
use clap::ValueEnum;

use aestudio::data::{Dataset, Splits};
use aestudio::model::Autoencoder;
use aestudio::uses::probe::{Features, LinearProbe, ProbeConfig, ProbeLoss};
use aestudio::uses::cluster::ClusterLabelling;
use aestudio::uses::{cluster, explore, folder, pca::Pca};

use super::args::DataArgs;
use super::{check_label_counts, load_weights};

/// Linear-probe test accuracy of a saved encoder's codes, of PCA features of the same size and
/// of raw pixels, with the first N training labels for each N given.
#[derive(Args)]
pub struct Probe {
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
}

impl Probe {
    pub async fn run(self) -> Result<(), AeError> {
        let Probe { weights: path, labels, loss, epochs, data } = self;
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
            let result = serde_json::json!({
                "command": "probe", "weights": path, "loss": format!("{loss:?}"), "labels": n, "codes": accuracies[0][row], "pca": accuracies[1][row], "pixels": accuracies[2][row],
            });
            super::report::result(result);
        }
        Ok(())
    }
}

/// k-means (k-means++, restarts) on a saved encoder's codes of the test set, against PCA
/// features of the same size and raw pixels: matched accuracy and NMI.
#[derive(Args)]
pub struct Cluster {
    weights: PathBuf,
    #[arg(long, default_value_t = 10)]
    k: usize,
    #[arg(long, default_value_t = 10)]
    restarts: usize,
    #[command(flatten)]
    data: DataArgs,
}

impl Cluster {
    pub async fn run(self) -> Result<(), AeError> {
        let Cluster { weights: path, k, restarts, data } = self;
        let device = aestudio::backend::cpu_device();
        let model = load_weights(&path, &device)?;
        let splits = data.splits()?;
        let code_size = model.config().code_size;
        let codes = Representation::codes(&model, &splits, &device).await?;
        if let Some(clusters) = model.config().objective.prior().and_then(|prior| prior.clusters()) {
            codes.categorical_scores(&splits, clusters, &path)?;
        }
        println!("model: {}; k-means, k {k}, {restarts} restarts (k-means++), seed 1, on the {} test images", model.config().describe(), splits.test.len());
        for representation in [
            codes,
            Representation::pca(&splits, code_size)?,
            Representation::pixels(&splits),
        ] {
            let started = Instant::now();
            let (accuracy, nmi) = representation.kmeans_scores(&splits.test, k, restarts)?;
            println!("{:>12}: accuracy {accuracy:.4}, NMI {nmi:.4}  ({:.1} s)", representation.name, started.elapsed().as_secs_f64());
            super::report::result(serde_json::json!({ "command": "cluster", "weights": path, "k": k, "features": representation.name, "accuracy": accuracy, "nmi": nmi }));
        }
        Ok(())
    }
}

/// One way of describing a dataset's images (an encoder's codes, PCA coordinates, raw pixels),
/// for the training and the test images, which linear probes and k-means then score.
pub(crate) struct Representation {
    name: String,
    train: Features,
    test: Features,
}

impl Representation {
    /// The codes (posterior means) of `model`.
    pub(crate) async fn codes(model: &Autoencoder, splits: &Splits, device: &Device) -> Result<Representation, AeError> {
        let width = model.config().code_size;
        Ok(Representation {
            name: "codes".into(),
            train: Features { values: explore::encode_dataset(model, &splits.train, device).await?, width },
            test: Features { values: explore::encode_dataset(model, &splits.test, device).await?, width },
        })
    }

    /// Coordinates along the top `components` principal directions of the training images.
    pub(crate) fn pca(splits: &Splits, components: usize) -> Result<Representation, AeError> {
        let pca = Pca::fit(&splits.train, components)?;
        Ok(Representation {
            name: format!("PCA({components})"),
            train: Features { values: pca.project(&splits.train), width: components },
            test: Features { values: pca.project(&splits.test), width: components },
        })
    }

    /// The pixels in [0, 1].
    pub(crate) fn pixels(splits: &Splits) -> Representation {
        let pixels = |data: &Dataset| Features {
            values: data.scaled_pixels(),
            width: data.shape().values(),
        };
        Representation { name: "raw pixels".into(), train: pixels(&splits.train), test: pixels(&splits.test) }
    }

    /// Test accuracy of a linear probe trained on the first `n` training images, for each `n`.
    pub(crate) async fn probe_accuracies(&self, splits: &Splits, counts: &[usize], config: &ProbeConfig, device: &Device) -> Result<Vec<f64>, AeError> {
        let (train_labels, test_labels) = (splits.train.labels(), splits.test.labels());
        let mut accuracies = Vec::with_capacity(counts.len());
        for &n in counts {
            let probe = LinearProbe::fit(&self.train.first(n), &train_labels[..n], config, device).await?;
            accuracies.push(probe.accuracy(&self.test, test_labels, device).await?);
        }
        Ok(accuracies)
    }

    /// A clustering model's own clusters (the argmax of the categorical code) on the test
    /// images, each cluster given a class from the training images under both labellings; prints
    /// the test accuracies and NMI, and their `result` line.
    pub(crate) fn categorical_scores(&self, splits: &Splits, clusters: usize, weights: &std::path::Path) -> Result<(), AeError> {
        let labelled = (self.train.values.as_slice(), splits.train.labels());
        let test = (self.test.values.as_slice(), splits.test.labels());
        let score = |labelling| cluster::categorical_scores(labelled, test, self.test.width, clusters, labelling);
        let (confident, majority) = (score(ClusterLabelling::MostConfident)?, score(ClusterLabelling::Majority)?);
        let (used, nmi, accuracies) = (confident.used, confident.nmi, [confident.accuracy, majority.accuracy]);
        println!(
            "the model's {clusters} clusters ({used} used) on the test images: accuracy {:.4} (each cluster labelled by its most confident training image, Makhzani et al.'s protocol), {:.4} (by its training images' majority), NMI {nmi:.4}",
            accuracies[0], accuracies[1]
        );
        let result = serde_json::json!({ "command": "cluster", "weights": weights, "features": "categorical code", "clusters": clusters, "used": used, "accuracy_most_confident": accuracies[0], "accuracy_majority": accuracies[1], "nmi": nmi });
        super::report::result(result);
        Ok(())
    }

    /// k-means on the test images: matched accuracy and NMI against the labels.
    pub(crate) fn kmeans_scores(&self, test: &Dataset, k: usize, restarts: usize) -> Result<(f64, f64), AeError> {
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

/// The codes of a saved encoder as CSV, `file,split,label,z1,...`: every image of a folder given
/// with `--images` (its file, split and class), or the test set of a named data set (`test/<index>`).
#[derive(Args)]
pub struct Codes {
    weights: PathBuf,
    /// Where the CSV goes.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

impl Codes {
    pub async fn run(self) -> Result<(), AeError> {
        let Codes { weights: path, out, data } = self;
        let device = aestudio::backend::cpu_device();
        let model = load_weights(&path, &device)?;
        let code_size = model.config().code_size;
        let (text, rows) = match data.imported()? {
            Some(imported) => folder::codes_csv(&model, &imported, &device).await?,
            None => {
                let test = data.splits()?.test;
                let rows: Vec<(String, &str, String)> = (0..test.len()).map(|i| (format!("test/{i}"), "test", test.label(i).to_string())).collect();
                let codes = explore::encode_dataset(&model, &test, &device).await?;
                (folder::code_table(&rows, &codes, code_size), rows.len())
            }
        };
        super::write_file(&out, text.as_bytes()).map_err(|err| AeError::Data(format!("{}: {err}", out.display())))?;
        println!("wrote the {code_size}-D codes of {rows} images to {}", out.display());
        super::report::result(serde_json::json!({ "command": "codes", "model": model.config().describe(), "images": rows, "code_size": code_size, "out": out }));
        Ok(())
    }
}
