//! `classifier` and `quality`: the yardstick of generated samples. A classifier trained here (no
//! pretrained network can be downloaded) gives the features of a Fréchet distance between a
//! model's samples and the test set, and says which classes the samples show.

use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::*;
use clap::Args;

use aestudio::AeError;
use aestudio::data::Dataset;
use aestudio::model::{Autoencoder, AutoencoderConfig, Preset};
use aestudio::train::{TrainingConfig, evaluate, train_model_with};
use aestudio::uses::classifier::{self, ClassifierConfig};
use aestudio::uses::explore;
use aestudio::uses::quality::{ClassCoverage, FeatureStatistics, class_coverage, frechet_distance};

use super::args::DataArgs;
use super::progress::Progress;

/// Train the classifier whose features the sample-quality yardstick (`quality`) measures in, and
/// save it (default: www/models/classifier-<dataset>.safetensors).
#[derive(Args)]
pub struct Classifier {
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    data: DataArgs,
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Classifier {
    pub async fn run(self) -> Result<(), AeError> {
        let Classifier { epochs, seed, data, out } = self;
        let splits = data.splits()?;
        let device = aestudio::backend::cpu_device();
        let config = ClassifierConfig::new();
        let started = Instant::now();
        let trained = classifier::train_classifier(&config, &splits.train, epochs, seed, &device).await?;
        let seconds = started.elapsed().as_secs_f64();
        let accuracy = trained.accuracy(&splits.test, &device).await?;
        println!("classifier {config:?}: test accuracy {accuracy:.4} after {epochs} epochs ({seconds:.0} s)");
        let provenance = format!("trained {epochs} epochs on {} {} images (Adam 1e-3, batch 128, seed {seed}); test accuracy {accuracy:.4}", splits.train.len(), data.dataset);
        let out = out.unwrap_or_else(|| PathBuf::from(format!("www/models/classifier-{}.safetensors", data.dataset)));
        super::write_weights(&out, &classifier::save_classifier(&trained, &config, &provenance).await?)?;
        println!("saved {}", out.display());
        super::report::result(serde_json::json!({ "command": "classifier", "dataset": data.dataset, "epochs": epochs, "accuracy": accuracy, "seconds": seconds }));
        Ok(())
    }
}

/// The sample-quality table: each generative model trained, then its samples scored by the
/// Fréchet distance to the test set in the classifier's features (FID), the classes they cover,
/// its test reconstruction error and its training time; the training images' own distance to the
/// test set is the floor.
#[derive(Args)]
pub struct Quality {
    #[arg(long, value_delimiter = ',', default_value = "vae,beta-vae,aae,aae-ring,aae-labelled,wae-mmd,wae-gan,bigan")]
    models: Vec<String>,
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Samples drawn from each model's prior (and training images for the floor).
    #[arg(long, default_value_t = 10_000)]
    samples: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The classifier's weights (default: www/models/classifier-<dataset>.safetensors).
    #[arg(long)]
    classifier: Option<PathBuf>,
    /// A second, independently trained classifier (`classifier --seed 2 --out ...`) whose FID
    /// is reported too: a model trained against the first one's features (the DFC-VAE) is then
    /// also judged by a network it never saw.
    #[arg(long)]
    referee: Option<PathBuf>,
    /// Score the model saved as DIR/<model>.safetensors where there is one instead of training it
    /// (`likelihood --save DIR` writes them).
    #[arg(long, value_name = "DIR")]
    load: Option<PathBuf>,
    /// Every model's code size, for a like-for-like comparison (the presets' own sizes differ:
    /// the VAEs' 20, the AAE's and WAEs' 8). A model whose prior fixes its size (the ring AAEs)
    /// is refused.
    #[arg(long, conflicts_with = "load")]
    code_size: Option<usize>,
    #[command(flatten)]
    data: DataArgs,
}

/// Each preset's config, with `code_size` where one is given, validated before anything runs.
fn model_configs(presets: &[Preset], code_size: Option<usize>) -> Result<Vec<AutoencoderConfig>, AeError> {
    presets
        .iter()
        .map(|preset| {
            let mut config = preset.config();
            if !config.objective.has_prior() {
                return Err(AeError::InvalidConfig(format!("{} has no prior to sample from", preset.name())));
            }
            config.code_size = code_size.unwrap_or(config.code_size);
            config.validate().map_err(|err| match err {
                AeError::InvalidConfig(reason) => AeError::InvalidConfig(format!("{}: {reason}", preset.name())),
                other => other,
            })?;
            Ok(config)
        })
        .collect()
}

/// One row of the table.
#[derive(serde::Serialize)]
struct QualityRow {
    model: String,
    /// The preset's name; none for the floor's row.
    preset: Option<String>,
    fid: f64,
    /// The FID in the referee classifier's features, when one is given.
    referee_fid: Option<f64>,
    coverage: ClassCoverage,
    mse_per_pixel: Option<f64>,
    /// The classifier's accuracy on the test images' reconstructions (on the test images
    /// themselves for the floor's row): how much of each digit's identity `x -> E -> D` keeps;
    /// not measured for a PixelCNN decoder, whose reconstruction is a 784-pass sample.
    class_kept: Option<f64>,
    seconds: Option<f64>,
    /// How a model loaded with `--load` was trained (its weight file's provenance): the run's
    /// `epochs` are not its.
    #[serde(skip_serializing_if = "Option::is_none")]
    loaded: Option<String>,
}

impl Quality {
    pub async fn run(self) -> Result<(), AeError> {
        let Quality { models, epochs, samples, seed, classifier: path, referee, load, code_size, data } = self;
        let presets = models.iter().map(|name| Preset::from_name(name)).collect::<Result<Vec<_>, _>>()?;
        let configs = model_configs(&presets, code_size)?;
        let splits = data.splits()?;
        let device = aestudio::backend::cpu_device();
        let path = path.unwrap_or_else(|| super::shipped_classifier(&data.dataset));
        let judge = super::read_classifier(&path, &device, "train it with the classifier command")?;
        let test = test_statistics(&judge, &splits.test, &device).await?;
        let referee = match referee {
            Some(path) => {
                let network = super::read_classifier(&path, &device, "train it with `classifier --seed 2 --out PATH`")?;
                let statistics = test_statistics(&network, &splits.test, &device).await?;
                Some((network, statistics))
            }
            None => None,
        };
        let referee_fid = async |images: &[f32]| -> Result<Option<f64>, AeError> {
            match &referee {
                Some((network, statistics)) => Ok(Some(score(network, images, statistics, &device).await?.0)),
                None => Ok(None),
            }
        };
        // On binarized data the floor is binary too, as every model's samples then are.
        let floor_set = splits.train.take(samples.min(splits.train.len()));
        let floor_images = if data.binarize { floor_set.binarized_once(seed).scaled_pixels() } else { floor_set.scaled_pixels() };
        let floor = score(&judge, &floor_images, &test, &device).await?;
        let ceiling = judge.accuracy(&splits.test, &device).await?;
        let floor_name = format!("training images ({}, the floor)", samples.min(splits.train.len()));
        let floor_referee = referee_fid(&floor_images).await?;
        let mut rows = vec![QualityRow { model: floor_name, preset: None, fid: floor.0, referee_fid: floor_referee, coverage: floor.1, mse_per_pixel: None, class_kept: Some(ceiling), seconds: None, loaded: None }];
        let mut progress = Progress::new((presets.len() * epochs) as u64);
        for (preset, config) in presets.into_iter().zip(configs) {
            let saved = load.as_ref().map(|dir| dir.join(format!("{}.safetensors", preset.name()))).filter(|path| path.exists());
            let started = Instant::now();
            let (model, loaded) = match &saved {
                Some(path) => {
                    let file = super::load_weight_file(path, &device)?;
                    (file.model, Some(file.provenance))
                }
                None => {
                    progress.say(&format!("training {} ({epochs} epochs)", preset.name()));
                    let network = super::feature_network_for(&config, &data.dataset, &device)?;
                    (train_model_with(&config, &TrainingConfig::new().with_epochs(epochs).with_seed(seed), &splits.train, &device, network).await?, None)
                }
            };
            let seconds = saved.is_none().then(|| started.elapsed().as_secs_f64());
            progress.advance(epochs as u64);
            progress.say(&format!("sampling {} ({samples} images)", preset.name()));
            let mut images = draw_samples(&model, samples, seed, &device).await?;
            if data.binarize {
                bernoulli_draws(&mut images, seed);
            }
            let (fid, coverage) = score(&judge, &images, &test, &device).await?;
            let referee_fid = referee_fid(&images).await?;
            let mse = evaluate(&model, &splits.test, 1000).await?.mse_per_pixel;
            let class_kept = match model.decodes_pixel_by_pixel() {
                true => None,
                false => Some(reconstruction_class_accuracy(&model, &judge, &splits.test, &device).await?),
            };
            let name = format!("`{}` {}", preset.name(), model.config().describe());
            rows.push(QualityRow { model: name, preset: Some(preset.name().to_string()), fid, referee_fid, coverage, mse_per_pixel: Some(mse), class_kept, seconds, loaded });
        }
        progress.finish();
        print_quality(&rows, &data.dataset, (epochs, samples, code_size, data.binarize), splits.test.len());
        Ok(())
    }
}

/// Replaces each pixel probability by a 0 or 1 drawn from it (seeded): a model of binary pixels'
/// actual samples. Already binary pixels (a PixelCNN's draws) stay as they are.
pub(crate) fn bernoulli_draws(images: &mut [f32], seed: u64) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for pixel in images.iter_mut() {
        *pixel = if rng.random::<f32>() < *pixel { 1.0 } else { 0.0 };
    }
}

/// `count` images from `model`'s prior, in draws of 1,000.
pub(crate) async fn draw_samples(model: &Autoencoder, count: usize, seed: u64, device: &Device) -> Result<Vec<f32>, AeError> {
    let mut images = Vec::with_capacity(count * aestudio::data::PIXELS);
    for (draw, start) in (0..count).step_by(1000).enumerate() {
        device.seed(seed.wrapping_add(draw as u64));
        let tensor = explore::sample_prior(model, (count - start).min(1000), 1.0, device)?;
        images.extend(aestudio::uses::explore::read_floats(tensor).await?);
    }
    Ok(images)
}

/// The classifier's accuracy on the reconstructions of `test`'s images, against their labels.
async fn reconstruction_class_accuracy(model: &Autoencoder, judge: &classifier::Classifier, test: &Dataset, device: &Device) -> Result<f64, AeError> {
    let mut reconstructions = Vec::with_capacity(test.len() * aestudio::data::PIXELS);
    let indices: Vec<usize> = (0..test.len()).collect();
    for chunk in indices.chunks(1000) {
        reconstructions.extend(explore::read_floats(model.reconstruct(test.batch(chunk, device))).await?);
    }
    let predicted = judge.predict(&reconstructions, device).await?;
    Ok(predicted.iter().zip(test.labels()).filter(|(p, l)| p == l).count() as f64 / test.len() as f64)
}

/// The statistics of `network`'s features of the test images.
pub(crate) async fn test_statistics(network: &classifier::Classifier, test: &Dataset, device: &Device) -> Result<FeatureStatistics, AeError> {
    Ok(FeatureStatistics::of(&network.features_of(&test.scaled_pixels(), device).await?, ClassifierConfig::new().features)?)
}

/// The FID of `images` against the test statistics, and the classes they cover.
pub(crate) async fn score(judge: &classifier::Classifier, images: &[f32], test: &FeatureStatistics, device: &Device) -> Result<(f64, ClassCoverage), AeError> {
    let features = FeatureStatistics::of(&judge.features_of(images, device).await?, test.mean.len())?;
    let coverage = class_coverage(&judge.predict(images, device).await?, 10)?;
    Ok((frechet_distance(&features, test)?, coverage))
}

/// The table, then a `result` line per row; `code_size` is the one every model was given, if any,
/// and `binarized` says whether pixels were binary (the line says so only then).
fn print_quality(rows: &[QualityRow], dataset: &str, (epochs, samples, code_size, binarized): (usize, usize, Option<usize>, bool), test_images: usize) {
    println!(
        "{dataset}: each model trained {epochs} epochs (batch 128, Adam 1e-3), or loaded with --load (no training time; its record says how it was trained); {samples} samples from its prior against the {} test images, in the classifier's {}-D penultimate features\n",
        test_images,
        ClassifierConfig::new().features
    );
    println!("| model | FID | FID (referee) | classes covered | evenness | test MSE/px | class kept | training |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        let optional = |value: Option<f64>, digits: usize, unit: &str| value.map(|v| format!("{v:.digits$}{unit}")).unwrap_or_else(|| "-".into());
        println!(
            "| {} | {:.2} | {} | {} | {:.3} | {} | {} | {} |",
            row.model,
            row.fid,
            optional(row.referee_fid, 2, ""),
            row.coverage.covered,
            row.coverage.evenness,
            optional(row.mse_per_pixel, 5, ""),
            optional(row.class_kept.map(|kept| 100.0 * kept), 1, "%"),
            optional(row.seconds, 0, " s")
        );
    }
    for row in rows {
        super::report::result(serde_json::json!({ "command": "quality", "dataset": dataset, "epochs": epochs, "samples": samples, "code_size": code_size, "binarize": binarized.then_some(true), "row": row }));
    }
}
