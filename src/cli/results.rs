//! `results`: every model trained and scored every way, with PCA and raw pixels alongside.

use burn::prelude::*;
use clap::Args;

use aestudio::AeError;
use aestudio::data::Splits;
use aestudio::model::Preset;
use aestudio::train::{TrainingConfig, evaluate, train_model};
use aestudio::uses::anomaly::{self, Protocol};
use aestudio::uses::pca::Pca;
use aestudio::uses::probe::ProbeConfig;

use super::args::DataArgs;
use super::check_label_counts;
use super::codes::Representation;
use super::progress::Progress;

/// The results table: each model is trained, then scored on the test set (reconstruction,
/// softmax linear probes at each label count, k-means accuracy and NMI, mean AUROC over the
/// ten held-out classes); PCA of each code size and raw pixels alongside. Progress goes to
/// stderr, the Markdown table to stdout.
#[derive(Args)]
pub struct Results {
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
}

impl Results {
    pub async fn run(self) -> Result<(), AeError> {
        let Results { models, epochs, anomaly_epochs, labels, probe_epochs, restarts, seed, data } = self;
        let splits = data.splits()?;
        let dataset = &data.dataset;
        check_label_counts(&labels, &splits)?;
        let presets = models.iter().map(|name| Preset::from_name(name)).collect::<Result<Vec<_>, _>>()?;
        let device = aestudio::backend::cpu_device();
        let training = TrainingConfig::new().with_epochs(epochs).with_seed(seed);
        let anomaly_training = training.clone().with_epochs(anomaly_epochs);
        let probe = ProbeConfig::new().with_epochs(probe_epochs);
        let mut code_sizes: Vec<usize> = Vec::new();
        for preset in &presets {
            let size = preset.config().code_size;
            if !code_sizes.contains(&size) {
                code_sizes.push(size);
            }
        }
        // Units of work: an epoch of any model, the probes and k-means of a row, a PCA row.
        let per_model = epochs + 1 + 10 * anomaly_epochs;
        let mut progress = Progress::new((presets.len() * per_model + code_sizes.len() + 1) as u64);
        let mut rows = Vec::new();
        for preset in presets {
            let scoring = Scoring { training: &training, anomaly_training: &anomaly_training, labels: &labels, probe: &probe, restarts };
            rows.push(scoring.model_row(preset, &splits, &device, &mut progress).await?);
        }
        for k in code_sizes {
            progress.say(&format!("PCA({k})"));
            let principal = Representation::pca(&splits, k)?;
            let aurocs = (0..10u8).map(|class| anomaly::class_pca_auroc(&splits, class, Protocol::HeldOut, k)).collect::<Result<Vec<_>, _>>()?;
            rows.push(ResultRow {
                kind: "pca",
                name: format!("PCA, {k} components"),
                code: k.to_string(),
                loss: "-".into(),
                mse: Some(Pca::fit(&splits.train, k)?.reconstruction_mse(&splits.test)),
                accuracies: principal.probe_accuracies(&splits, &labels, &probe, &device).await?,
                clustering: principal.kmeans_scores(&splits.test, 10, restarts)?,
                auroc: Some(aurocs.iter().sum::<f64>() / 10.0),
            });
            progress.advance(1);
        }
        progress.say("raw pixels");
        let pixels = Representation::pixels(&splits);
        rows.push(ResultRow {
            kind: "pixels",
            name: "raw pixels".into(),
            code: "784".into(),
            loss: "-".into(),
            mse: None,
            accuracies: pixels.probe_accuracies(&splits, &labels, &probe, &device).await?,
            clustering: pixels.kmeans_scores(&splits.test, 10, restarts)?,
            auroc: None,
        });
        progress.advance(1);
        let seconds = progress.finish();
        eprintln!("done in {seconds:.0} s");
        println!(
            "{dataset}, seed {seed}: models trained {epochs} epochs (batch 128, Adam 1e-3); softmax probes {probe_epochs} epochs on the first N training labels; k-means k 10, {restarts} restarts on the 10,000 test images; AUROC: mean over the ten held-out classes, each model trained {anomaly_epochs} epochs without it\n"
        );
        let context = serde_json::json!({ "dataset": dataset, "epochs": epochs, "seed": seed, "anomaly_epochs": anomaly_epochs, "probe_epochs": probe_epochs, "restarts": restarts });
        print_table(&rows, &labels, &context);
        Ok(())
    }
}

/// What every model row is scored with.
struct Scoring<'a> {
    training: &'a TrainingConfig,
    anomaly_training: &'a TrainingConfig,
    labels: &'a [usize],
    probe: &'a ProbeConfig,
    restarts: usize,
}

impl Scoring<'_> {
    /// Trains `preset` and scores it every way: test figures, probes, k-means, held-out AUROC.
    async fn model_row(&self, preset: Preset, splits: &Splits, device: &Device, progress: &mut Progress) -> Result<ResultRow, AeError> {
        let config = preset.config();
        progress.say(&format!("training {} ({} epochs)", preset.name(), self.training.epochs));
        let model = train_model(&config, self.training, &splits.train, device).await?;
        progress.advance(self.training.epochs as u64);
        let eval = evaluate(&model, &splits.test, 1000).await?;
        let codes = Representation::codes(&model, splits, device).await?;
        progress.say(&format!("{}: probes and k-means", preset.name()));
        let accuracies = codes.probe_accuracies(splits, self.labels, self.probe, device).await?;
        let clustering = codes.kmeans_scores(&splits.test, 10, self.restarts)?;
        progress.advance(1);
        let mut aurocs = Vec::new();
        for class in 0..10u8 {
            progress.say(&format!("{}: held-out class {class} ({} epochs)", preset.name(), self.anomaly_training.epochs));
            aurocs.push(anomaly::class_auroc(&config, self.anomaly_training, splits, class, Protocol::HeldOut, device).await?);
            progress.advance(self.anomaly_training.epochs as u64);
        }
        Ok(ResultRow {
            kind: "model",
            name: format!("`{}` {}", preset.name(), config.describe()),
            code: config.code_size.to_string(),
            loss: config.objective.scale().format(eval.loss),
            mse: Some(eval.mse_per_pixel),
            accuracies,
            clustering,
            auroc: Some(aurocs.iter().sum::<f64>() / 10.0),
        })
    }
}

/// Prints the Markdown table, then each row as a `result {json}` line with the run's settings.
fn print_table(rows: &[ResultRow], labels: &[usize], context: &serde_json::Value) {
    let probe_headers: String = labels.iter().map(|n| format!(" probe {n} |")).collect();
    println!("| model | code | test loss | test MSE/px |{probe_headers} k-means acc | NMI | mean AUROC |");
    println!("|---|---|---|---|{}---|---|---|", "---|".repeat(labels.len()));
    let optional = |value: Option<f64>, digits: usize| value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "-".into());
    for row in rows {
        let accuracies: String = row.accuracies.iter().map(|a| format!(" {a:.4} |")).collect();
        println!(
            "| {} | {} | {} | {} |{accuracies} {:.4} | {:.4} | {} |",
            row.name, row.code, row.loss, optional(row.mse, 5), row.clustering.0, row.clustering.1, optional(row.auroc, 4)
        );
    }
    for row in rows {
        super::report::result(serde_json::json!({ "command": "results", "labels": labels, "settings": context, "row": row }));
    }
}

/// One line of the results table.
#[derive(serde::Serialize)]
struct ResultRow {
    /// `model`, `pca` or `pixels`: which rows a table groups.
    kind: &'static str,
    name: String,
    code: String,
    loss: String,
    mse: Option<f64>,
    accuracies: Vec<f64>,
    clustering: (f64, f64),
    auroc: Option<f64>,
}

