//! `dec`: deep embedded clustering (DEC or IDEC) of a saved autoencoder's codes, scored the way
//! the DEC and IDEC papers score it: on all 70,000 images, by matched accuracy and NMI.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use aestudio::AeError;
use aestudio::data::Dataset;
use aestudio::uses::cluster::accuracy_and_nmi;
use aestudio::uses::deep_clustering::{ClusteringMethod, DeepClusteringConfig, DeepClusteringRun, KMeansStart};

use super::args::DataArgs;
use super::load_weights;

#[derive(Clone, Copy, ValueEnum)]
enum StartChoice {
    Euclidean,
    Spherical,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodChoice {
    Dec,
    Idec,
}

/// Fine-tunes a saved encoder to cluster (DEC, or IDEC which keeps the decoder), starting from
/// k-means on its codes; prints matched accuracy and NMI at every target update.
#[derive(Args)]
pub struct DeepCluster {
    weights: PathBuf,
    #[arg(long, value_enum, default_value = "idec")]
    method: MethodChoice,
    #[arg(long, default_value_t = 10)]
    clusters: usize,
    /// IDEC's weight of the clustering loss.
    #[arg(long, default_value_t = 0.1)]
    gamma: f64,
    #[arg(long, default_value_t = 256)]
    batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Steps between two updates of the target distribution.
    #[arg(long, default_value_t = 140)]
    update_interval: usize,
    /// Stop when fewer than this share of the images change cluster between two updates.
    #[arg(long, default_value_t = 0.001)]
    tolerance: f64,
    #[arg(long, default_value_t = 20000)]
    max_steps: usize,
    /// k-means restarts for the first centres.
    #[arg(long, default_value_t = 20)]
    restarts: usize,
    /// k-means on the codes as they are (the papers'), or on their directions (spherical).
    #[arg(long, value_enum, default_value = "spherical")]
    start: StartChoice,
    /// k-means cuts the codes into this many segments, then Ward's linkage merges them down to
    /// the clusters; `--segments` equal to `--clusters` is k-means alone (the papers').
    #[arg(long, default_value_t = 50)]
    segments: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Cluster the 10,000 test images only (the `cluster` command's protocol) instead of all
    /// 70,000 images (the DEC papers').
    #[arg(long)]
    test_only: bool,
    #[command(flatten)]
    data: DataArgs,
}

/// Accuracy and NMI of `clusters` against `labels`, on all of them and on the rows `from..`.
fn scores(clusters: &[usize], labels: &[u8], from: usize) -> Result<[f64; 4], AeError> {
    let (accuracy, nmi) = accuracy_and_nmi(clusters, labels)?;
    let (test_accuracy, test_nmi) = accuracy_and_nmi(&clusters[from..], &labels[from..])?;
    Ok([accuracy, nmi, test_accuracy, test_nmi])
}

impl DeepCluster {
    fn config(&self) -> DeepClusteringConfig {
        let method = match self.method {
            MethodChoice::Dec => ClusteringMethod::Dec,
            MethodChoice::Idec => ClusteringMethod::Idec,
        };
        DeepClusteringConfig::new()
            .with_clusters(self.clusters)
            .with_method(method)
            .with_gamma(self.gamma)
            .with_batch_size(self.batch_size)
            .with_learning_rate(self.lr)
            .with_update_interval(self.update_interval)
            .with_tolerance(self.tolerance)
            .with_max_steps(self.max_steps)
            .with_restarts(self.restarts)
            .with_start(match self.start {
                StartChoice::Euclidean => KMeansStart::Euclidean,
                StartChoice::Spherical => KMeansStart::Spherical,
            })
            .with_segments(self.segments)
            .with_seed(self.seed)
    }

    pub async fn run(self) -> Result<(), AeError> {
        let config = self.config();
        let splits = self.data.splits()?;
        let data: Dataset = if self.test_only { splits.test.clone() } else { splits.all_images() };
        // The test images are the last rows of either set.
        let test_from = data.len() - splits.test.len();
        let device = aestudio::backend::cpu_device().autodiff();
        let model = load_weights(&self.weights, &device)?;
        println!("model: {}", model.config().describe());
        let gamma = match config.method {
            ClusteringMethod::Idec => format!(", gamma {}", config.gamma),
            ClusteringMethod::Dec => String::new(),
        };
        println!(
            "{:?} on {} images, {} clusters{gamma}, batch {}, Adam lr {}, targets every {} steps, tolerance {}, seed {}",
            config.method, data.len(), config.clusters, config.batch_size, config.learning_rate, config.update_interval, config.tolerance, config.seed
        );
        let started = Instant::now();
        let mut run = DeepClusteringRun::start(model, &data, config.clone()).await?;
        let initial = scores(run.clusters(), data.labels(), test_from)?;
        println!("{:?} k-means on the codes ({} restarts, {} segments merged): accuracy {:.4}, NMI {:.4} (test images: {:.4}, {:.4})  {:.0} s", config.start, config.restarts, config.segments, initial[0], initial[1], initial[2], initial[3], started.elapsed().as_secs_f64());
        let mut progress = run.train_steps(&data, 0).await?;
        while !progress.finished {
            progress = run.train_steps(&data, config.update_interval * 5).await?;
            let now = scores(&progress.clusters, data.labels(), test_from)?;
            println!(
                "step {:>6}  changed {:.4}  KL {:.4}{}  accuracy {:.4}  NMI {:.4}  (test images {:.4}, {:.4})  {:.0} s",
                progress.step,
                progress.changed.unwrap_or(f64::NAN),
                progress.divergence.unwrap_or(f32::NAN),
                progress.reconstruction.map(|r| format!("  reconstruction {r:.5}")).unwrap_or_default(),
                now[0],
                now[1],
                now[2],
                now[3],
                started.elapsed().as_secs_f64()
            );
        }
        let last = scores(&progress.clusters, data.labels(), test_from)?;
        let seconds = started.elapsed().as_secs_f64();
        let verdict = if progress.converged { "converged" } else { "stopped at the step limit" };
        println!("{verdict} after {} steps, {seconds:.0} s: accuracy {:.4}, NMI {:.4} on {} images; test images {:.4}, {:.4}", progress.step, last[0], last[1], data.len(), last[2], last[3]);
        let result = serde_json::json!({
            "command": "dec", "method": config.method, "images": data.len(), "clusters": config.clusters, "gamma": config.gamma,
            "kmeans": { "start": config.start, "segments": config.segments, "accuracy": initial[0], "nmi": initial[1], "test_accuracy": initial[2], "test_nmi": initial[3] },
            "accuracy": last[0], "nmi": last[1], "test_accuracy": last[2], "test_nmi": last[3],
            "steps": progress.step, "converged": progress.converged, "seconds": seconds,
        });
        super::report::result(result);
        Ok(())
    }
}
