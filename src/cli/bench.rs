//! `bench`: native throughput figures (not a test): training samples/s of each preset in steady
//! state (after warm-up, median of repeated runs) and the time to evaluate the test set, at each
//! image shape asked for. The shapes other than MNIST's are MNIST's digits as a folder of them
//! would be imported (tinted by class, brought to the side by area averaging), so every shape
//! trains on the same content.

use std::time::Instant;

use burn::module::Module;
use clap::Args;

use aestudio::AeError;
use aestudio::data::images::square_image;
use aestudio::data::{Dataset, ImageShape, Splits};
use aestudio::model::Preset;
use aestudio::train::{Trainer, TrainingConfig, evaluate};

use super::args::DataArgs;
use super::{DeviceChoice, device};

#[derive(Args)]
pub struct Bench {
    #[arg(long, value_delimiter = ',', default_value = "vae,conv-dae")]
    models: Vec<String>,
    /// Image shapes, each a side (28, 32 or 64) with `c` for colour: `28,32c,64c`. The models
    /// alternate between them, so their figures come from the same minutes of the machine.
    #[arg(long, value_delimiter = ',', default_value = "28")]
    shapes: Vec<String>,
    /// Optimizer steps per timed run.
    #[arg(long, default_value_t = 200)]
    steps: usize,
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Samples per step: comparing two sizes separates the per-sample work from the per-step
    /// work (the optimizer, the exchange of a data-parallel run's share).
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceChoice,
    #[command(flatten)]
    data: DataArgs,
}

/// (median, min, max)
fn summary(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (sorted[sorted.len() / 2], sorted[0], sorted[sorted.len() - 1])
}

/// `28`, `32c`: a side, colour when it ends in `c`.
fn parse_shape(text: &str) -> Result<ImageShape, AeError> {
    let (side, colour) = text.strip_suffix('c').map_or((text, false), |side| (side, true));
    ImageShape::new(side.parse().map_err(|_| AeError::InvalidConfig(format!("a shape is a side and an optional c, like 32c, not {text}")))?, colour)
}

/// MNIST's images at `shape`: each digit tinted by its class, then imported as a file would be.
fn digits_as(data: &Dataset, shape: ImageShape) -> Result<Dataset, AeError> {
    if shape == ImageShape::MNIST {
        return Ok(data.clone());
    }
    const TINTS: [[u32; 3]; 3] = [[255, 96, 96], [96, 255, 96], [96, 96, 255]];
    let mut values = Vec::with_capacity(data.len() * shape.values());
    for index in 0..data.len() {
        let tint = TINTS[usize::from(data.label(index)) % 3];
        let rgba: Vec<u8> = data.image(index).iter().flat_map(|&grey| tint.map(|channel| (u32::from(grey) * channel / 255) as u8).into_iter().chain([255])).collect();
        values.extend(square_image(&rgba, 28, 28, shape));
    }
    Dataset::with_shape(shape, values, data.labels().to_vec())
}

/// One preset at one shape, with its trainer and the figures timed so far.
struct Timed<'a> {
    name: &'a str,
    shape: ImageShape,
    splits: &'a Splits,
    flops: u64,
    trainer: Trainer,
    rates: Vec<f64>,
}

impl Bench {
    pub async fn run(self) -> Result<(), AeError> {
        if self.steps == 0 || self.repeats == 0 || self.batch_size == 0 {
            return Err(AeError::InvalidConfig("--steps, --repeats and --batch-size must be at least 1".into()));
        }
        let mnist = self.data.splits()?;
        let shapes = self.shapes.iter().map(|text| parse_shape(text)).collect::<Result<Vec<_>, _>>()?;
        let data: Vec<Splits> = shapes.iter().map(|&shape| Ok(Splits { train: digits_as(&mnist.train, shape)?, test: digits_as(&mnist.test, shape)? })).collect::<Result<_, AeError>>()?;
        let device = device(self.device)?;
        println!("native, {device:?}; batch {}; {} timed runs of {} steps after a warm-up of {2}, the shapes alternating; medians (min-max)", self.batch_size, self.repeats, self.steps);
        println!("| model | images | parameters | training samples/s | GFLOP/s | test-set evaluation (10,000 images) |");
        println!("|---|---|---|---|---|---|");
        for name in &self.models {
            let mut timed = Vec::with_capacity(shapes.len());
            for (&shape, splits) in shapes.iter().zip(&data) {
                let config = Preset::from_name(name)?.config().for_images(shape)?;
                let training = TrainingConfig::new().with_epochs(usize::MAX / 1024).with_batch_size(self.batch_size);
                let trainer = Trainer::new(&config, training, &device, splits.train.len())?;
                timed.push(Timed { name, shape, splits, flops: config.flops_per_sample().training, trainer, rates: Vec::new() });
            }
            for run in 0..=self.repeats {
                for model in &mut timed {
                    let rate = self.time_steps(model).await?;
                    if run > 0 {
                        model.rates.push(rate);
                    }
                }
            }
            for model in &timed {
                self.report(model).await?;
            }
        }
        Ok(())
    }

    /// Samples/s of `--steps` steps of `model`'s run.
    async fn time_steps(&self, model: &mut Timed<'_>) -> Result<f64, AeError> {
        let started = Instant::now();
        let mut done = 0;
        while done < self.steps {
            let before = model.trainer.step();
            model.trainer.train_steps(&model.splits.train, self.steps - done).await?;
            done += model.trainer.step() - before;
        }
        // A readback waits for the device's queue (a GPU runs ahead of the host).
        evaluate(&model.trainer.model(), &model.splits.test.take(1), 1).await?;
        Ok((self.steps * self.batch_size) as f64 / started.elapsed().as_secs_f64())
    }

    /// Times the evaluation of `model`'s test set, then prints its row and `result` lines.
    async fn report(&self, model: &Timed<'_>) -> Result<(), AeError> {
        let Timed { name, shape, splits, flops, trainer, rates } = model;
        let mut evaluations = Vec::with_capacity(self.repeats);
        for _ in 0..self.repeats {
            let started = Instant::now();
            evaluate(&trainer.model(), &splits.test, 1000).await?;
            evaluations.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let ((rate, rate_low, rate_high), (eval, eval_low, eval_high)) = (summary(rates), summary(&evaluations));
        println!(
            "| `{name}` | {} | {} | {rate:.0} ({rate_low:.0}-{rate_high:.0}) | {:.1} | {eval:.0} ms ({eval_low:.0}-{eval_high:.0}) |",
            shape.describe(),
            trainer.model().num_params(),
            rate * *flops as f64 / 1e9
        );
        // The same figures as `result` lines: `tests/bench/record.mjs` folds a run's rounds
        // (with PyTorch's, alternating) into one record of docs/records/benchmarks.jsonl.
        let backend = match self.device {
            DeviceChoice::Cpu => "flex",
            DeviceChoice::Gpu => "wgpu",
        };
        let batch = self.batch_size;
        let mut train = serde_json::json!({ "command": "bench", "where": "native", "kind": "train", "backend": backend, "model": name, "batch": batch, "median": rate, "min": rate_low, "max": rate_high, "flops": flops });
        let mut evaluation = serde_json::json!({ "command": "bench", "where": "native", "kind": "evaluate", "backend": backend, "model": name, "images": splits.test.len(), "median": eval, "min": eval_low, "max": eval_high });
        // MNIST's rows keep the fields they always had; another shape's say which.
        if *shape != ImageShape::MNIST {
            for record in [&mut train, &mut evaluation] {
                record["image"] = serde_json::json!(shape.describe());
            }
        }
        super::report::result(train);
        super::report::result(evaluation);
        Ok(())
    }
}
