//! Clustering by fine-tuning the encoder: deep embedded clustering (DEC, Xie et al. 2016) and
//! improved DEC (IDEC, Guo et al. 2017).
//!
//! k-means on a trained autoencoder's codes gives the first cluster centres. Then the encoder and
//! the centres train together so that each code's soft assignment `q` (a Student's t kernel, see
//! [`student_t_assignments`]) moves toward a sharpened target `p` ([`sharpened_targets`]), which
//! is recomputed over the whole dataset every `update_interval` steps and held fixed in between.
//! DEC minimizes `KL(P ‖ Q)` alone; IDEC keeps the decoder and minimizes
//! `reconstruction + gamma · KL(P ‖ Q)`, so that the code keeps what the pixels say while it
//! clusters. The run stops when fewer than `tolerance` of the images change cluster between two
//! target updates. No label is seen: the caller scores the clusters against them.

use burn::module::Param;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{AeError, AeResult, ensure};
use crate::model::Autoencoder;
use crate::nn::loss::{clustering_divergence, sharpened_targets, student_t_assignments};
use crate::train::fused_adam::{FusedAdam, step_moved};
use crate::uses::cluster::{cluster_means, directions, kmeans, ward_merge};
use crate::uses::explore::{encode_dataset, read_floats};

/// Which loss fine-tunes the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusteringMethod {
    /// The clustering loss alone; the decoder is dropped.
    Dec,
    /// The clustering loss weighted by `gamma` plus the autoencoder's reconstruction loss.
    Idec,
}

/// The geometry k-means finds the first clusters in. Either way the first centres are the
/// clusters' means of the codes as they are, where the Student's t kernel measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KMeansStart {
    /// The codes as they are (the DEC and IDEC papers').
    Euclidean,
    /// The codes' [`directions`] (spherical k-means).
    Spherical,
}

/// Most k-means segments a start may merge.
pub const MAX_SEGMENTS: usize = 500;

/// Settings of a DEC or IDEC run. The defaults are the IDEC paper's for MNIST except the first
/// clusters (`start`, `segments`), which the papers take from k-means on the codes as they are.
#[derive(Config, Debug)]
pub struct DeepClusteringConfig {
    #[config(default = 10)]
    pub clusters: usize,
    #[config(default = "ClusteringMethod::Idec")]
    pub method: ClusteringMethod,
    /// IDEC's weight of the clustering loss against the per-pixel reconstruction loss.
    #[config(default = 0.1)]
    pub gamma: f64,
    #[config(default = 256)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Steps between two updates of the target distribution.
    #[config(default = 140)]
    pub update_interval: usize,
    /// The run has converged when fewer than this share of the images change cluster between
    /// two target updates.
    #[config(default = 0.001)]
    pub tolerance: f64,
    #[config(default = 20000)]
    pub max_steps: usize,
    /// k-means restarts for the first centres.
    #[config(default = 20)]
    pub restarts: usize,
    /// The geometry of the first k-means.
    #[config(default = "KMeansStart::Spherical")]
    pub start: KMeansStart,
    /// k-means first cuts the codes into this many segments, which Ward's linkage then merges
    /// down to `clusters` ([`ward_merge`]): k-means with `clusters` centres alone cuts an
    /// elongated digit across and gives a centre to two digits together (MNIST's 4 and 9). Equal
    /// to `clusters`, k-means alone (the papers').
    #[config(default = 50)]
    pub segments: usize,
    #[config(default = 1)]
    pub seed: u64,
}

impl DeepClusteringConfig {
    /// The page's run: the IDEC paper's settings for MNIST, but k-means with 5 restarts (the
    /// page's k-means button uses 3) and at most 1,200 steps (about 30 passes over the 10,000 test
    /// images). Its start is the papers' (k-means on the codes as they are): the default, 50
    /// spherical segments merged, costs five times the k-means and was measured on the DEC-shaped
    /// autoencoder's codes, not on the page's models.
    pub fn for_the_page() -> DeepClusteringConfig {
        DeepClusteringConfig::new().with_max_steps(1200).with_restarts(5).with_start(KMeansStart::Euclidean).with_segments(10)
    }

    /// Refuses settings that cannot run, before anything does.
    pub fn validate(&self, images: usize) -> AeResult<()> {
        ensure(self.clusters >= 2 && self.clusters <= images, || format!("clusters must be 2 to the number of images ({images}), got {}", self.clusters))?;
        ensure(self.gamma.is_finite() && self.gamma > 0.0, || format!("gamma must be > 0, got {}", self.gamma))?;
        ensure(self.batch_size >= 1 && self.batch_size <= images, || format!("the batch size must be 1 to {images}, got {}", self.batch_size))?;
        ensure(self.learning_rate.is_finite() && self.learning_rate > 0.0, || "the learning rate must be > 0".into())?;
        // Ward's merging costs segments³ steps: a cap keeps a mistyped setting from hanging the run.
        let most_segments = MAX_SEGMENTS.min(images);
        ensure(self.segments >= self.clusters && self.segments <= most_segments, || {
            format!("segments must be {} (the clusters) to {most_segments}, got {}", self.clusters, self.segments)
        })?;
        ensure(self.update_interval >= 1 && self.max_steps >= 1 && self.restarts >= 1, || "update interval, steps and restarts must be at least 1".into())?;
        ensure((0.0..1.0).contains(&self.tolerance), || format!("the tolerance is a share of the images, 0 to 1, got {}", self.tolerance))
    }
}

/// The first clusters of `codes`: k-means into `segments` in the start's geometry (the best of
/// the restarts by inertia), merged down to `clusters` by Ward's linkage in the same geometry.
fn first_clusters(codes: &[f32], width: usize, config: &DeepClusteringConfig) -> AeResult<Vec<usize>> {
    let points = match config.start {
        KMeansStart::Euclidean => codes.to_vec(),
        KMeansStart::Spherical => directions(codes, width),
    };
    let segmented = kmeans(&points, width, config.segments, config.restarts, 300, config.seed)?;
    Ok(ward_merge(&points, width, &segmented.assignments, config.clusters))
}

/// An autoencoder with cluster centres in its code space.
#[derive(Module, Debug)]
pub struct DeepClustering {
    pub autoencoder: Autoencoder,
    /// One centre per row.
    pub centres: Param<Tensor<2>>,
}

impl DeepClustering {
    /// Each image's soft assignment to the clusters, from its code (a VAE's posterior mean).
    ///
    /// # Shapes
    /// - images: `[batch, 784]`
    /// - output: `[batch, clusters]`
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        student_t_assignments(self.autoencoder.encode(images).mean, self.centres.val())
    }

    /// The soft assignments of every image of `data`, rows of `clusters` values.
    pub async fn assignments(&self, data: &Dataset, device: &Device) -> AeResult<Vec<f32>> {
        let mut all = Vec::with_capacity(data.len() * self.centres.dims()[0]);
        for start in (0..data.len()).step_by(1000) {
            let indices: Vec<usize> = (start..(start + 1000).min(data.len())).collect();
            all.extend(read_floats(self.forward(data.batch(&indices, device))).await?);
        }
        Ok(all)
    }
}

/// Where a run stands after [`DeepClusteringRun::train_steps`].
#[derive(Clone, Debug, Serialize)]
pub struct ClusteringProgress {
    pub step: usize,
    /// The cluster of every image at the last target update.
    #[serde(skip)]
    pub clusters: Vec<usize>,
    /// The share of images that changed cluster at the last target update.
    pub changed: Option<f64>,
    /// The last step's clustering loss and (IDEC) per-pixel reconstruction loss.
    pub divergence: Option<f32>,
    pub reconstruction: Option<f32>,
    /// Fewer than `tolerance` of the images changed cluster: the run is over.
    pub converged: bool,
    /// Converged, or `max_steps` taken.
    pub finished: bool,
}

/// A DEC or IDEC run, step by step, on one dataset (which the caller passes to every call).
pub struct DeepClusteringRun {
    model: DeepClustering,
    config: DeepClusteringConfig,
    optimizer: ModuleOptimizer,
    device: Device,
    rng: StdRng,
    order: Vec<usize>,
    position: usize,
    step: usize,
    /// The fixed target distribution, rows of `clusters` values, one per image.
    targets: Vec<f32>,
    clusters: Vec<usize>,
    changed: Option<f64>,
    converged: bool,
}

impl DeepClusteringRun {
    /// Starts from `autoencoder` (on an autodiff device): k-means on its codes of `data` gives
    /// the centres and the first clusters, returned with the run.
    pub async fn start(autoencoder: Autoencoder, data: &Dataset, config: DeepClusteringConfig) -> AeResult<DeepClusteringRun> {
        config.validate(data.len())?;
        let device = crate::backend::device_of(&autoencoder)?;
        ensure(device.is_autodiff(), || "the autoencoder to fine-tune must be on an autodiff device".into())?;
        ensure(config.method == ClusteringMethod::Dec || !autoencoder.decodes_pixel_by_pixel(), || {
            "IDEC reconstructs in one pass: a PixelCNN decoder needs DEC".into()
        })?;
        let width = autoencoder.config().code_size;
        let codes = encode_dataset(&autoencoder.valid(), data, &device.clone().inner()).await?;
        let clusters = first_clusters(&codes, width, &config)?;
        let centres: Vec<f32> = cluster_means(&codes, width, &clusters, config.clusters).iter().map(|&c| c as f32).collect();
        let centres = Tensor::from_data(TensorData::new(centres, [config.clusters, width]), &device);
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.shuffle(&mut rng);
        let mut run = DeepClusteringRun {
            model: DeepClustering { autoencoder, centres: Param::from_tensor(centres) },
            optimizer: ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8)),
            config,
            device,
            rng,
            order,
            position: 0,
            step: 0,
            targets: Vec::new(),
            clusters,
            changed: None,
            converged: false,
        };
        run.update_targets(data).await?;
        run.changed = None;
        Ok(run)
    }

    /// The model as it stands, without autodiff.
    pub fn model(&self) -> DeepClustering {
        self.model.valid()
    }

    /// The cluster of every image at the last target update (after start: k-means's).
    pub fn clusters(&self) -> &[usize] {
        &self.clusters
    }

    /// Takes up to `max_steps` steps (updating the targets every `update_interval`), stopping early
    /// when the run converges or reaches `max_steps` in all.
    pub async fn train_steps(&mut self, data: &Dataset, max_steps: usize) -> AeResult<ClusteringProgress> {
        ensure(data.len() == self.order.len(), || format!("the run clusters {} images, not {}", self.order.len(), data.len()))?;
        let mut last = None;
        for _ in 0..max_steps {
            if self.is_finished() {
                break;
            }
            last = Some(self.take_step(data));
            // The IDEC paper updates before step k·T; after step k·T is the same, and the
            // clusters reported after a call of whole intervals are then up to date.
            if self.step.is_multiple_of(self.config.update_interval) {
                self.update_targets(data).await?;
            }
        }
        let (divergence, reconstruction) = match last {
            Some((divergence, reconstruction)) => (Some(scalar(divergence).await?), match reconstruction {
                Some(reconstruction) => Some(scalar(reconstruction).await?),
                None => None,
            }),
            None => (None, None),
        };
        if divergence.is_some_and(|d| !d.is_finite()) || reconstruction.is_some_and(|r| !r.is_finite()) {
            return Err(AeError::Diverged { epoch: 0, step: self.step, loss: divergence.unwrap_or(f32::NAN) });
        }
        Ok(ClusteringProgress {
            step: self.step,
            clusters: self.clusters.clone(),
            changed: self.changed,
            divergence,
            reconstruction,
            converged: self.converged,
            finished: self.is_finished(),
        })
    }

    fn is_finished(&self) -> bool {
        self.converged || self.step >= self.config.max_steps
    }

    /// One optimizer step on the next batch; returns its losses (not yet read back).
    fn take_step(&mut self, data: &Dataset) -> (Tensor<1>, Option<Tensor<1>>) {
        if self.position + self.config.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.position = 0;
        }
        let indices = &self.order[self.position..self.position + self.config.batch_size];
        self.position += self.config.batch_size;
        self.step += 1;
        let clusters = self.config.clusters;
        let targets: Vec<f32> = indices.iter().flat_map(|&i| self.targets[i * clusters..(i + 1) * clusters].iter().copied()).collect();
        let targets = Tensor::from_data(TensorData::new(targets, [indices.len(), clusters]), &self.device);
        let clean = data.batch(indices, &self.device);
        let code = self.model.autoencoder.encode(clean.clone()).mean;
        let divergence = clustering_divergence(targets, student_t_assignments(code.clone(), self.model.centres.val()));
        let (loss, reconstruction) = match self.config.method {
            ClusteringMethod::Dec => (divergence.clone(), None),
            ClusteringMethod::Idec => {
                let logits = self.model.autoencoder.decode(code);
                let per_pixel = self.model.autoencoder.reconstruction_loss(logits, clean).mean().div_scalar(data.shape().values() as f64);
                (per_pixel.clone() + divergence.clone().mul_scalar(self.config.gamma), Some(per_pixel))
            }
        };
        let gradients = GradientsParams::from_grads(loss.backward(), &self.model);
        step_moved(&mut self.optimizer, self.config.learning_rate, &mut self.model, gradients);
        (divergence.detach(), reconstruction.map(Tensor::detach))
    }

    /// Recomputes the targets from every image's assignment, and the share that changed cluster.
    async fn update_targets(&mut self, data: &Dataset) -> AeResult<()> {
        let inference = self.model.valid();
        let device = self.device.clone().inner();
        let soft = inference.assignments(data, &device).await?;
        let clusters = self.config.clusters;
        let hard: Vec<usize> = soft.chunks_exact(clusters).map(|row| (0..clusters).fold(0, |best, c| if row[c] > row[best] { c } else { best })).collect();
        let changed = hard.iter().zip(&self.clusters).filter(|(a, b)| a != b).count() as f64 / hard.len() as f64;
        self.targets = read_floats(sharpened_targets(Tensor::from_data(TensorData::new(soft, [data.len(), clusters]), &device))).await?;
        self.clusters = hard;
        self.changed = Some(changed);
        self.converged = self.step > 0 && changed < self.config.tolerance;
        Ok(())
    }
}

async fn scalar(tensor: Tensor<1>) -> AeResult<f32> {
    Ok(read_floats(tensor).await?.first().copied().unwrap_or(f32::NAN))
}
