//! The JavaScript boundary: the only file with `#[wasm_bindgen]`. A module Web Worker owns one
//! [`Studio`]; every error crosses as a JS `Error` with a readable message, never as a panic.

use burn::prelude::*;
use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use crate::backend::cpu_device;
use crate::data::preprocess::to_mnist;
use crate::data::{Dataset, DatasetFacts, DatasetFiles, DatasetTag, Splits};
use crate::model::{Autoencoder, Objective, weights};
use crate::recommend::{self, weights::LoadedAutoRec};
use crate::train::{NoReplicas, Pace, Trainer};
use crate::uses::{deep_clustering::DeepClusteringRun, explore::{self, LatentMap}, factors};

mod adapter;
mod clustering;
mod compare;
mod convert;
mod folder;
mod lab_state;
mod lab_uses;
mod movies;
mod page;
mod replicas;
mod sampler;
mod startup;
mod studio_state;

pub use adapter::probe_adapter;
use adapter::{BackendInfo, choose_backend};
use convert::{floats, invalid, model_config, pixels_of, to_js, training_config, with_arrays};
use lab_state::{ModelInfo, ModelOrigin};
use movies::{MovieData, MovieRun};
use replicas::{JsReplicas, gradient_into};
pub use page::{model_dataset, probe_webgpu, validate_run};
pub use startup::run_static_constructors;

// ---- the page as a whole: start-up (the probe, the form's check and a file's data set: page.rs) ----

#[wasm_bindgen(start)]
fn start() {
    run_static_constructors();
    console_error_panic_hook::set_once(); // a panic is a bug: readable in the console, not "unreachable"
}

// ---- the training worker (www/train-worker.js): Studio ----

/// A training session: data, a model, and the device they live on.
#[wasm_bindgen]
pub struct Studio {
    device: Device,
    backend: BackendInfo,
    data: Option<Splits>,
    /// What a model trained on `data` records in its weight file.
    tag: Option<DatasetTag>,
    trainer: Option<Trainer>,
    /// The latest good weights for inference; kept when a run diverges.
    model: Option<Autoencoder>,
    /// MovieLens and a recommender's run, when this worker trains one instead (see `movies.rs`).
    movies: Option<MovieData>,
    movie_run: Option<MovieRun>,
    /// The clock of the run in progress (either kind), for its samples/s and time left.
    pace: Option<Pace>,
    /// The Uses panel's IDEC or DEC fine-tuning of a model, when this worker runs one.
    clustering: Option<DeepClusteringRun>,
    /// A person's folder: its import under way, then what it kept (see `folder.rs`).
    import: Option<crate::data::images::Import>,
    folder: Option<crate::data::images::ImportedImages>,
}

#[wasm_bindgen]
impl Studio {
    /// Opens a session. `prefer` is "auto" (WebGPU on a real adapter, else the CPU), "cpu", or
    /// "gpu" (WebGPU on whatever adapter the browser gives, even a software one).
    pub async fn create(prefer: String) -> Result<Studio, JsError> {
        run_static_constructors();
        let (device, backend) = choose_backend(&prefer).await?;
        Ok(Studio { device, backend, data: None, tag: None, trainer: None, model: None, movies: None, movie_run: None, pace: None, clustering: None, import: None, folder: None })
    }

    /// `{kind: "cpu"|"gpu", reason, adapter: {...}}`.
    pub fn backend(&self) -> Result<JsValue, JsError> {
        to_js(&self.backend)
    }

    /// The presets the Train form offers, each as the form's fields: `{name: {field: text}}`.
    pub fn presets() -> Result<JsValue, JsError> {
        to_js(&convert::page_presets())
    }

    /// The objectives the training form offers: `[{label, objective, critic}]`, each objective
    /// with its default settings (its fields are the form's fields) and, for one that trains a
    /// critic, the critic's default configuration.
    pub fn objectives() -> Result<JsValue, JsError> {
        to_js(&Objective::choices())
    }

    /// Loads a dataset ("mnist" or "fashion-mnist") from its four uncompressed IDX files; fails if
    /// any checksum differs. `{name, label, items, classes, testImages, trainImages, gallery}`.
    #[wasm_bindgen(js_name = loadDataset)]
    pub fn load_dataset(&mut self, name: &str, train_images: &[u8], train_labels: &[u8], test_images: &[u8], test_labels: &[u8]) -> Result<JsValue, JsError> {
        let files = DatasetFiles::by_name(name)?;
        self.folder = None;
        let data = self.data.insert(Splits::from_idx_bytes(&files, train_images, train_labels, test_images, test_labels)?);
        self.tag = Some(DatasetTag::of(name, &data.test));
        to_js(&DatasetFacts::of(&files, &data.test, Some(&data.train)))
    }

    /// Starts a fresh run from JSON configs (an `AutoencoderConfig` and a `TrainingConfig`);
    /// refuses impossible values before anything runs.
    pub fn configure(&mut self, model_json: &str, training_json: &str) -> Result<JsValue, JsError> {
        to_js(&self.start_run(model_config(model_json)?, training_config(training_json)?)?)
    }

    /// Loads MovieLens 1M's `ratings.dat` (checksum verified, every line checked) and splits it
    /// 90/10: `{ratings, users, movies, train, test}`.
    #[wasm_bindgen(js_name = loadRatings)]
    pub fn load_ratings(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        to_js(&self.movies.insert(MovieData::parse(bytes)?).summary())
    }

    /// Starts a recommender's run: `{orientation: "item"|"user", hidden}` and an
    /// `AutoRecTraining` as JSON; the image run, if any, ends.
    #[wasm_bindgen(js_name = configureRecommender)]
    pub fn configure_recommender(&mut self, model_json: &str, training_json: &str) -> Result<JsValue, JsError> {
        to_js(&self.start_movie_run(model_json, training_json)?)
    }

    /// Runs up to `max_steps` steps (to an epoch's end at most): `{epoch, step, stepsPerEpoch, trainLoss,
    /// epochLoss, epochFinished, finished, pace}` (`pace`: a `PaceReport`); a diverged run errs
    /// and keeps the last good weights.
    #[wasm_bindgen(js_name = trainSteps)]
    pub async fn train_steps(&mut self, max_steps: usize) -> Result<JsValue, JsError> {
        self.train_steps_with(max_steps, &mut NoReplicas).await
    }

    /// [`Studio::train_steps`] with the replica workers of `pool` (none or more), started from this
    /// run's weights; the call ends before a step when the pool says to yield (the visitor draws).
    #[wasm_bindgen(js_name = trainStepsShared)]
    pub async fn train_steps_shared(&mut self, max_steps: usize, pool: ReplicaPool) -> Result<JsValue, JsError> {
        self.train_steps_with(max_steps, &mut JsReplicas(pool, Vec::new())).await
    }

    /// The autoencoder as a regularizer: a linear classifier on a fresh `model_json`'s code, first
    /// `labels` labels, `epochs` epochs, alone and with the decoder (weight `alpha`): `{alone, joint}`.
    #[wasm_bindgen(js_name = semiSupervised)]
    pub async fn semi_supervised(&self, model_json: &str, labels: usize, alpha: f64, epochs: usize) -> Result<JsValue, JsError> {
        to_js(&self.semi_supervised_reply(model_config(model_json)?, labels, alpha, epochs).await?)
    }

    /// Starts IDEC or DEC on a weight file's model and the test images (see `web/clustering.rs`).
    #[wasm_bindgen(js_name = startClustering)]
    pub async fn start_clustering(&mut self, weights: &[u8]) -> Result<JsValue, JsError> {
        to_js(&self.clustering_start(weights).await?)
    }

    /// Up to `max_steps` steps of the clustering run, and its scores.
    #[wasm_bindgen(js_name = clusterSteps)]
    pub async fn cluster_steps(&mut self, max_steps: usize) -> Result<JsValue, JsError> {
        to_js(&self.clustering_steps(max_steps).await?)
    }

    /// Evaluates the current model on the first `limit` test images (all if 0); a recommender, `{rmse}`.
    pub async fn evaluate(&self, limit: usize) -> Result<JsValue, JsError> {
        self.evaluate_reply(limit).await
    }

    /// Continues a run at `step` from saved `weights` and `training_json` (after a lost GPU).
    pub fn resume(&mut self, weights: &[u8], training_json: &str, step: usize) -> Result<JsValue, JsError> {
        to_js(&self.resume_run(weights, training_config(training_json)?, step)?)
    }

    /// The weights (in a run, the last finite readback's) as a file; `keep`: a model to keep.
    /// `provenance`: how they came to be, when not by the run in progress (which says it itself).
    #[wasm_bindgen(js_name = exportWeights)]
    pub async fn export_weights(&self, keep: bool, provenance: Option<String>) -> Result<Vec<u8>, JsError> {
        self.weights_file(provenance, keep).await
    }

    /// Test images at `indices`, pixels in [0, 1], 784 per image.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        pixels_of(&self.data()?.test, indices)
    }

    /// Reconstructions by the current model of the test images at `indices`, 784 per image.
    pub async fn reconstruct(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        let images = pixels_of(&self.data()?.test, indices)?.to_vec();
        let model = self.model()?;
        floats(model.reconstruct(explore::images_tensor(&images, model.config().image.values(), &self.device)?)).await
    }
}

// ---- a replica worker (www/replica-worker.js): Replica, and the pool the leader drives ----

#[wasm_bindgen]
extern "C" {
    /// The training worker's replica workers (`www/train-worker.js`), as the leader drives them.
    pub type ReplicaPool;
    #[wasm_bindgen(method, getter)] fn count(this: &ReplicaPool) -> usize;
    /// Asks each replica for its share of the next batch.
    #[wasm_bindgen(method, js_name = startShares)] fn start_shares(this: &ReplicaPool);
    /// A promise of their flat gradients, an array of `Float32Array`s.
    #[wasm_bindgen(method)] fn collect(this: &ReplicaPool) -> js_sys::Promise;
    /// Sends each replica the summed gradient, in the buffer its share came in (`Float32Array`s).
    #[wasm_bindgen(method)] fn apply(this: &ReplicaPool, sums: js_sys::Array);
    /// Sends the one replica the leader's own share, to complete the sum with its own.
    #[wasm_bindgen(method)] fn complete(this: &ReplicaPool, leader_share: Float32Array);
    /// Whether the run should hand the cores back before its next step (the visitor draws).
    #[wasm_bindgen(method, getter)] fn yielding(this: &ReplicaPool) -> bool;
}

/// A follower of a data-parallel run, in a worker of its own (`www/replica-worker.js`): the same
/// training set and weights as the leader, one share of every batch (CPU backend).
#[wasm_bindgen]
pub struct Replica {
    device: Device,
    train: Option<Dataset>,
    trainer: Option<Trainer>,
    /// MovieLens and the recommender's run, when the leader trains one.
    movies: Option<MovieData>,
    movie_run: Option<MovieRun>,
    part: usize,
    parts: usize,
    last_share: Option<Vec<f32>>, // until the leader's own share completes the sum
}

#[wasm_bindgen]
impl Replica {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Replica {
        Replica { device: cpu_device(), train: None, trainer: None, movies: None, movie_run: None, part: 0, parts: 1, last_share: None }
    }

    /// Loads the training split of dataset `name`, checksums verified; returns its size.
    #[wasm_bindgen(js_name = loadTrainSet)]
    pub fn load_train_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        Ok(self.train.insert(DatasetFiles::by_name(name)?.train_split(images, labels)?).len())
    }

    /// Loads MovieLens 1M's `ratings.dat` for a recommender's run, as the leader did.
    #[wasm_bindgen(js_name = loadRatings)]
    pub fn load_ratings(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.movies = Some(MovieData::parse(bytes)?);
        Ok(())
    }

    /// Joins a run as share `part` of `parts`, from the leader's weights at `step` and its
    /// training config (JSON), so that both walk the same shuffled order.
    pub fn start(&mut self, weights: &[u8], training_json: &str, step: usize, part: usize, parts: usize) -> Result<(), JsError> {
        self.join(weights, training_json, step, [part, parts])
    }

    /// This replica's share of the next batch: its flat gradient, written into `reuse` when that
    /// has the right length (the buffer the last sum came in), else into a new array.
    pub async fn share(&mut self, reuse: Option<Float32Array>) -> Result<Float32Array, JsError> {
        let gradient = self.share_gradients().await?;
        Ok(gradient_into(self.last_share.insert(gradient), reuse))
    }

    /// Applies the leader's summed gradient (copied into wasm memory once, then used in place).
    pub fn apply(&mut self, sum: Vec<f32>) -> Result<(), JsError> {
        self.apply_sum(sum)
    }

    /// Applies the leader's own share plus the share this replica computed last: the leader's sum.
    pub fn complete(&mut self, leader_share: Vec<f32>) -> Result<(), JsError> {
        self.complete_sum(leader_share)
    }
}

// ---- the live worker (www/lab-worker.js): Lab ----

/// The live session of the page's second worker (the model in use, on the CPU, never behind a
/// training step), and of the PixelVAE sampler's worker.
#[wasm_bindgen]
pub struct Lab {
    device: Device,
    model: Option<Autoencoder>,
    origin: ModelOrigin,
    test: Option<Dataset>,
    test_tag: Option<DatasetTag>,
    train: Option<Dataset>,
    /// Computed on demand for the current model: the latent map of the test set, the anomaly
    /// histogram's reference scores, every test image's code (row by row) and reconstruction error.
    map: Option<LatentMap>,
    scores: Option<Vec<f32>>,
    codes: Option<Vec<f32>>,
    errors: Option<Vec<f32>>,
    recommender: Option<LoadedAutoRec>,
    sampling: Option<sampler::PixelSampling>,
    /// Models whose reconstructions are shown beside the model in use, by name.
    compared: Vec<(String, Autoencoder)>,
}

#[wasm_bindgen]
impl Lab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Lab {
        run_static_constructors();
        Lab { device: cpu_device(), model: None, origin: ModelOrigin::default(), test: None, test_tag: None, train: None, map: None, scores: None, codes: None, errors: None, recommender: None, sampling: None, compared: Vec::new() }
    }

    /// Loads the test split of dataset `name` ("mnist" or "fashion-mnist"), checksums verified:
    /// `{name, label, items, classes, testImages, gallery}`.
    #[wasm_bindgen(js_name = loadTestSet)]
    pub fn load_test_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<JsValue, JsError> {
        to_js(&self.replace_test_set(name, images, labels)?)
    }

    /// Loads the training split of dataset `name` (for linear probes), checksums verified.
    #[wasm_bindgen(js_name = loadTrainSet)]
    pub fn load_train_set(&mut self, name: &str, images: &[u8], labels: &[u8]) -> Result<usize, JsError> {
        Ok(self.train.insert(DatasetFiles::by_name(name)?.train_split(images, labels)?).len())
    }

    /// Replaces the model by the one in a weight file, or refuses the file (one that learned
    /// another data set than the test set loaded here, say) and keeps the current one.
    #[wasm_bindgen(js_name = loadModel)]
    pub fn load_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        self.adopt_model(bytes)?;
        self.model_info()
    }

    /// `{description, config, provenance, dataset, parameters, hasPrior, scale, codeSize}` of
    /// the current model.
    #[wasm_bindgen(js_name = modelInfo)]
    pub fn model_info(&self) -> Result<JsValue, JsError> {
        to_js(&ModelInfo::of(self.model()?, &self.origin))
    }

    /// The current model as a safetensors weight file, with the data set it learned.
    #[wasm_bindgen(js_name = saveModel)]
    pub async fn save_model(&self) -> Result<Vec<u8>, JsError> {
        Ok(weights::save_with_dataset(self.model()?, &self.origin.provenance, self.origin.dataset.as_ref()).await?)
    }

    /// A drawing's alpha channel (`width × height` bytes, ink opaque) as an MNIST-like 28x28 input.
    #[wasm_bindgen(js_name = prepareDrawing)]
    pub fn prepare_drawing(&self, alpha: &[u8], width: usize, height: usize) -> Result<Float32Array, JsError> {
        let ink: Vec<f32> = alpha.iter().map(|&a| a as f32 / 255.0).collect();
        Ok(Float32Array::from(to_mnist(&ink, width, height)?.as_slice()))
    }

    /// Test images at `indices`, 784 values each.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        pixels_of(self.test()?, indices)
    }

    /// Corrupts `pixels` (one image) with `corruption_json` (`{"kind": "none" | "gaussian" |
    /// "masking", ...}`) drawn with `seed`, reconstructs it, and reports `{noisy, output, code,
    /// noisyPsnr, outputPsnr, outputMse, point, score, percentile}` (`point`: the code on the
    /// latent map, if fitted; `score`: the clean input's anomaly score, and `percentile` its rank
    /// among the test images' scores once the histogram exists; `objective`, with `with_terms`:
    /// the objective for this input written out, `uses::terms::ObjectiveSum`).
    pub async fn denoise(&self, pixels: &[f32], corruption_json: &str, seed: u32, with_terms: bool) -> Result<JsValue, JsError> {
        self.denoise_reply(pixels, corruption_json, seed, with_terms).await
    }

    /// `count` digits from the prior of the current VAE at `temperature`, 784 values each.
    pub async fn sample(&self, count: usize, temperature: f64, seed: u32) -> Result<Float32Array, JsError> {
        self.device.seed(seed as u64);
        floats(explore::sample_prior(self.model()?, count, temperature, &self.device)?).await
    }

    /// `steps` images between the codes of two images (784 values each), ends included.
    pub async fn interpolate(&self, from: &[f32], to: &[f32], steps: usize) -> Result<Float32Array, JsError> {
        floats(explore::interpolate(self.model()?, from, to, steps, &self.device)?).await
    }

    /// Encodes the test set (its first `limit` images; all if 0) and maps the codes to 2-D:
    /// `{points: [x0, y0, x1, ...], labels, axes: "code" | "pca", explained}`.
    #[wasm_bindgen(js_name = latentMap)]
    pub async fn latent_map(&mut self, limit: usize) -> Result<JsValue, JsError> {
        self.latent_map_reply(limit).await
    }

    /// The image decoded at a point of the latent map.
    #[wasm_bindgen(js_name = decodePoint)]
    pub async fn decode_point(&self, x: f32, y: f32) -> Result<Float32Array, JsError> {
        floats(explore::decode_codes(self.model()?, &self.fitted_map()?.unproject([x, y]), &self.device)?).await
    }

    /// The decoded `side × side` manifold of a 2-D code, row by row from the top.
    pub async fn manifold(&self, side: usize) -> Result<Float32Array, JsError> {
        floats(explore::manifold(self.model()?, self.fitted_map()?, side, &self.device)?).await
    }

    /// Decoded rows, one per code unit (the first `dimensions`): `image`'s code, that unit set to each of `values`.
    pub async fn traverse(&self, image: &[f32], dimensions: usize, values: &[f32]) -> Result<Float32Array, JsError> {
        floats(explore::traverse(self.model()?, self.fitted_map()?, image, dimensions, values, &self.device).await?).await
    }

    /// A VAE's posterior over the first `limit` test images, unit by unit (`uses::factors`):
    /// `{unitKl, activity, activeUnits, correlation, totalCorrelation}`.
    pub async fn posterior(&self, limit: usize) -> Result<JsValue, JsError> {
        to_js(&factors::posterior_factors(self.model()?, &self.test()?.take(limit.max(2)), 500).await?)
    }

    /// `{upper, counts, threshold, auroc}` of the test images' errors (MSE per pixel): `bins` bins to
    /// the 99.5th percentile, and the 99th, above which an input is flagged; with `normal` classes (a
    /// one-class model), of their images only, and the AUROC of telling the others from them.
    #[wasm_bindgen(js_name = anomalyHistogram)]
    pub async fn anomaly_histogram(&mut self, bins: usize, normal: Option<Vec<u8>>) -> Result<JsValue, JsError> {
        self.anomaly_histogram_reply(bins, normal).await
    }

    /// What the code units do: `{filters, filterCount, meanActivations, rho, codeActivation}`:
    /// up to `count` first-layer filters as 784-pixel images (`null` for a conv encoder), each
    /// code unit's mean activation over the test set, and the sparsity target rho if any.
    pub async fn units(&mut self, count: usize) -> Result<JsValue, JsError> {
        self.units_reply(count).await
    }

    /// Test accuracy of a softmax linear probe on the codes, trained with the first `labels`
    /// training images for `epochs` epochs, and (up to 1,000 labels, where it stays quick) of
    /// the same probe on raw pixels: `{codes, pixels}`.
    pub async fn probe(&mut self, labels: usize, epochs: usize) -> Result<JsValue, JsError> {
        self.probe_reply(labels, epochs).await
    }

    /// PCA of the code's size (at least 2) fitted to the first `fit_images` training images against
    /// the model, test MSE per pixel of both: `{components, pcaMse, modelMse, points, labels}`,
    /// `points` the test images on the first two principal directions.
    #[wasm_bindgen(js_name = pcaComparison)]
    pub async fn pca_comparison(&mut self, fit_images: usize) -> Result<JsValue, JsError> {
        self.pca_comparison_reply(fit_images).await
    }

    /// k-means (k 10, k-means++, `restarts` restarts) on the test codes: `{accuracy, nmi}`.
    pub async fn cluster(&mut self, restarts: usize) -> Result<JsValue, JsError> {
        self.cluster_reply(restarts).await
    }

    /// Adds (or replaces) model `name` among those compared; returns its description.
    #[wasm_bindgen(js_name = addCompared)]
    pub fn add_compared_js(&mut self, name: &str, bytes: &[u8]) -> Result<String, JsError> {
        self.add_compared(name, bytes)
    }

    /// Each compared model's reconstruction of `image` (784 pixels each, in the order added).
    pub async fn compare(&self, image: &[f32]) -> Result<Float32Array, JsError> {
        Ok(Float32Array::from(self.compared_reconstructions(image).await?.as_slice()))
    }

    /// Loads a PixelVAE to draw samples from (not the model in use); returns its description.
    #[wasm_bindgen(js_name = loadSampler)]
    pub fn load_sampler(&mut self, bytes: &[u8]) -> Result<String, JsError> {
        self.load_sampler_model(bytes)
    }

    /// Starts `count` (1 to 16) PixelVAE samples from prior codes drawn with `seed`.
    #[wasm_bindgen(js_name = startSamples)]
    pub fn start_samples_js(&mut self, count: usize, seed: u32) -> Result<(), JsError> {
        self.start_samples(count, seed)
    }

    /// Draws the next `count` pixels of each sample: `{images, drawn}` (784 each, 0 where undrawn).
    #[wasm_bindgen(js_name = drawPixels)]
    pub async fn draw_pixels_js(&mut self, count: usize) -> Result<JsValue, JsError> {
        let (images, drawn) = self.draw_pixels(count)?;
        with_arrays(to_js(&serde_json::json!({ "drawn": drawn }))?, &[("images", &explore::read_floats(images).await?)])
    }

    /// Replaces the recommender by the one in an AutoRec weight file, or refuses the file and
    /// keeps the current one: `{description, orientation, canRecommend, provenance}`.
    #[wasm_bindgen(js_name = loadRecommender)]
    pub fn load_recommender(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let loaded = recommend::weights::load(bytes, &self.device)?;
        to_js(&movies::info(self.recommender.insert(loaded)))
    }

    /// The `count` best unrated movies for a visitor who gave `stars[i]` to MovieLens movie
    /// `movie_ids[i]`, among movies with at least `min_ratings` training ratings:
    /// `[{movieId, predicted}]` (U-AutoRec only).
    pub async fn recommend(&self, movie_ids: &[u32], stars: &[f32], count: usize, min_ratings: u32) -> Result<JsValue, JsError> {
        let loaded = self.recommender.as_ref().ok_or_else(|| invalid("no recommender loaded"))?;
        to_js(&recommend::visitor::recommend(&loaded.model, &loaded.header, movie_ids, stars, count, min_ratings, &self.device).await?)
    }
}

