//! `anomaly`, `semi`, `reduce` and `pca`: the studies of what autoencoders do beside PCA.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use aestudio::AeError;

use aestudio::data::{DatasetFiles, PIXELS};
use aestudio::model::AutoencoderConfig;
use aestudio::train::{evaluate, semisupervised, train_model};
use aestudio::uses::anomaly::Protocol;
use aestudio::uses::{anomaly, explore, pca};

use super::args::{DataArgs, ModelArgs, RunArgs};
use super::progress::Progress;
use super::{check_label_counts, figures, load_dataset};

/// Anomaly detection by reconstruction error: for each class, train without it and report the
/// AUROC of that class among the test images; then train on every class and report the AUROC
/// of the other dataset's test images as out-of-distribution inputs. PCA of the code's size
/// alongside. With `--images DIR`: the most unusual images of that folder.
#[derive(Args)]
pub struct Anomaly {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    run: RunArgs,
    /// The classes to try, each in turn.
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4,5,6,7,8,9")]
    classes: Vec<u8>,
    /// held-out: train on the nine other classes, the class is the anomaly; one-class (the
    /// literature's): train on the class alone, the nine others are the anomalies.
    #[arg(long, value_enum, default_value_t = ProtocolChoice::HeldOut)]
    protocol: ProtocolChoice,
    /// With --images: how many of the most unusual images to print.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// With --images: write the ranking of every image to this CSV file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ProtocolChoice {
    HeldOut,
    OneClass,
}

impl From<ProtocolChoice> for Protocol {
    fn from(choice: ProtocolChoice) -> Protocol {
        match choice {
            ProtocolChoice::HeldOut => Protocol::HeldOut,
            ProtocolChoice::OneClass => Protocol::OneClass,
        }
    }
}

impl Anomaly {
    pub async fn run(self) -> Result<(), AeError> {
        let Anomaly { model, run, classes, protocol, top, csv } = self;
        let protocol = Protocol::from(protocol);
        let (preset, config) = model.config()?;
        if let Some(imported) = run.data.imported()? {
            let config = config.for_images(imported.splits.train.shape())?;
            return super::unusual::rank_folder((preset, config), &run, &imported, top, csv.as_deref()).await;
        }
        let splits = run.splits()?;
        if let Some(&bad) = classes.iter().find(|&&c| c > 9) {
            return Err(AeError::InvalidConfig(format!("classes are 0 to 9, got {bad}")));
        }
        let device = aestudio::backend::cpu_device();
        let names = DatasetFiles::by_name(&run.data.dataset)?.class_names;
        println!("model: {}; {} epochs per model, seed {}, {}", config.describe(), run.epochs, run.seed, run.data.dataset);
        println!("score: reconstruction MSE per pixel; PCA({}) fitted on the same images alongside", config.code_size);
        let (mut model_aurocs, mut pca_aurocs) = (Vec::new(), Vec::new());
        let started_all = Instant::now();
        let mut bar = Progress::new(classes.len() as u64 + u64::from(protocol == Protocol::HeldOut));
        for &class in &classes {
            let started = Instant::now();
            let what = match protocol {
                Protocol::HeldOut => "held-out",
                Protocol::OneClass => "normal",
            };
            bar.say(&format!("training for {what} class {class}"));
            let model_auroc = anomaly::class_auroc(&config, &run.training(), &splits, class, protocol, &device).await?;
            let pca_auroc = anomaly::class_pca_auroc(&splits, class, protocol, config.code_size)?;
            bar.println(&format!("{what} class {class} ({:>11}): AUROC {model_auroc:.4}, PCA {pca_auroc:.4}  ({:.0} s)", names[class as usize], started.elapsed().as_secs_f64()));
            bar.advance(1);
            model_aurocs.push(model_auroc);
            pca_aurocs.push(pca_auroc);
        }
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
        println!("mean AUROC over {} classes ({protocol:?} protocol): {:.4}, PCA {:.4}", classes.len(), mean(&model_aurocs), mean(&pca_aurocs));
        if protocol == Protocol::OneClass {
            let result = serde_json::json!({
                "command": "anomaly", "protocol": protocol, "model": preset.name(), "description": config.describe(), "config": config,
                "dataset": run.data.dataset, "seed": run.seed, "classes": classes, "epochs": run.epochs, "seconds": started_all.elapsed().as_secs_f64(),
                "auroc": model_aurocs, "mean_auroc": mean(&model_aurocs), "pca_auroc": pca_aurocs, "pca_mean_auroc": mean(&pca_aurocs),
            });
            bar.finish();
            super::report::result(result);
            return Ok(());
        }
        let other = if run.data.dataset == "mnist" { "fashion-mnist" } else { "mnist" };
        bar.say(&format!("a model of all classes, against {other}"));
        let outliers = load_dataset(other, None)?.test;
        let trained = train_model(&config, &run.training(), &splits.train, &device).await?;
        let pca = pca::Pca::fit(&splits.train, config.code_size)?;
        let ood = anomaly::auroc(&anomaly::reconstruction_errors(&trained, &splits.test, &device).await?, &anomaly::reconstruction_errors(&trained, &outliers, &device).await?)?;
        let pca_ood = anomaly::auroc(&pca.reconstruction_errors(&splits.test), &pca.reconstruction_errors(&outliers))?;
        bar.advance(1);
        bar.finish();
        println!("{other} test images as out-of-distribution inputs to a model of all {} classes: AUROC {ood:.4}, PCA {pca_ood:.4}", run.data.dataset);
        let result = serde_json::json!({
            "command": "anomaly", "protocol": protocol, "model": preset.name(), "description": config.describe(), "config": config,
            "dataset": run.data.dataset, "seed": run.seed, "classes": classes, "epochs": run.epochs, "auroc": model_aurocs, "pca_auroc": pca_aurocs, "ood_dataset": other, "ood_auroc": ood, "pca_ood_auroc": pca_ood,
        });
        super::report::result(result);
        Ok(())
    }
}

/// The autoencoder as a regularizer: a classifier on the code trained jointly with the decoder
/// (cross-entropy on the first N labels + alpha x reconstruction of every training image),
/// against the same network trained on the labels alone.
#[derive(Args)]
pub struct Semi {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    run: RunArgs,
    #[arg(long, value_delimiter = ',', default_value = "100,1000")]
    labels: Vec<usize>,
    /// Weight of the reconstruction objective.
    #[arg(long, default_value_t = 1.0)]
    alpha: f64,
}

impl Semi {
    pub async fn run(self) -> Result<(), AeError> {
        let Semi { model, run, labels, alpha } = self;
        let (preset, config) = model.config()?;
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
                    .with_batch_size(run.training().batch_size)
                    .with_learning_rate(run.lr)
                    .with_seed(run.seed)
            };
            let alone = semisupervised::train_joint(&joint(0.0), &labelled, &splits.train, &device).await?.accuracy(&splits.test, &device).await?;
            let together = semisupervised::train_joint(&joint(alpha), &labelled, &splits.train, &device).await?.accuracy(&splits.test, &device).await?;
            println!("{n:>6} labels: classifier alone {alone:.4}, with the decoder (alpha {alpha}) {together:.4} test accuracy");
            super::report::result(serde_json::json!({
                "command": "semi", "model": preset.name(), "description": config.describe(), "config": config, "epochs": run.epochs, "seed": run.seed,
                "labels": n, "alpha": alpha, "alone": alone, "joint": together,
            }));
        }
        Ok(())
    }
}

/// Dimensionality reduction: test MSE per pixel of PCA and of autoencoders with each code
/// size, as a table and an SVG plot, and 2-D embeddings of both as SVG scatters.
#[derive(Args)]
pub struct Reduce {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    run: RunArgs,
    #[arg(long, value_delimiter = ',', default_value = "2,8,16,32,64")]
    sizes: Vec<usize>,
    /// Folder for the SVG figures.
    #[arg(long, default_value = "docs")]
    figures: PathBuf,
}

impl Reduce {
    pub async fn run(self) -> Result<(), AeError> {
        let Reduce { model, run, sizes, figures: folder } = self;
        let (_, base) = model.config()?;
        let splits = run.splits()?;
        if let Some(&bad) = sizes.iter().find(|&&k| k == 0 || k > PIXELS) {
            return Err(AeError::InvalidConfig(format!("code sizes must be 1 to 784, got {bad}")));
        }
        std::fs::create_dir_all(&folder).map_err(|err| AeError::Data(format!("{}: {err}", folder.display())))?;
        let device = aestudio::backend::cpu_device();
        let files = DatasetFiles::by_name(&run.data.dataset)?;
        let labels = splits.test.labels();
        println!("model: {} with each code size; {} epochs, seed {}, {}", base.describe(), run.epochs, run.seed, run.data.dataset);
        let (mut pca_points, mut model_points) = (Vec::new(), Vec::new());
        let mut bar = Progress::new(sizes.len() as u64);
        for &k in &sizes {
            bar.say(&format!("code {k}: PCA and an autoencoder"));
            let pca = pca::Pca::fit(&splits.train, k)?;
            let pca_mse = pca.reconstruction_mse(&splits.test);
            let config = AutoencoderConfig { code_size: k, ..base.clone() };
            let trained = train_model(&config, &run.training(), &splits.train, &device).await?;
            let model_mse = evaluate(&trained, &splits.test, 1000).await?.mse_per_pixel;
            bar.println(&format!("code {k:>3}: PCA test mse/px {pca_mse:.5}, autoencoder {model_mse:.5} ({:.0}% of PCA's)", 100.0 * model_mse / pca_mse));
            bar.println(&super::report::result_line(serde_json::json!({ "command": "reduce", "dataset": run.data.dataset, "code_size": k, "pca_mse": pca_mse, "model_mse": model_mse })));
            bar.advance(1);
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
        bar.finish();
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
        Ok(())
    }
}

/// Test-set reconstruction error of PCA with the given numbers of components.
#[derive(Args)]
pub struct Pca {
    #[arg(long, value_delimiter = ',', default_value = "2,8,16,32,64")]
    components: Vec<usize>,
    #[command(flatten)]
    data: DataArgs,
}

impl Pca {
    pub async fn run(self) -> Result<(), AeError> {
        let Pca { components, data } = self;
        let splits = data.splits()?;
        for k in components {
            let started = Instant::now();
            let pca = pca::Pca::fit(&splits.train, k)?;
            let mse = pca.reconstruction_mse(&splits.test);
            println!("PCA k={k:>3}: test mse/px {mse:.5}  ({:.1} s)", started.elapsed().as_secs_f64());
            super::report::result(serde_json::json!({ "command": "pca", "dataset": data.dataset, "components": k, "mse": mse }));
        }
        Ok(())
    }
}
