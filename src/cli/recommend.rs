//! `autorec`: AutoRec on MovieLens, the survey's recommendation application, beside the
//! baselines, over seeded random 90/10 splits of the ratings as in Sedhain et al. (2015).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use aestudio::AeError;
use aestudio::data::ratings::{RatingSplit, RatingsFiles};
use aestudio::recommend::baselines::{Baseline, Biases, Factorization, FactorizationSettings, global_mean};
use aestudio::recommend::rows::rmse;
use aestudio::recommend::train::test_rmse;
use aestudio::model::weights::Precision;
use aestudio::recommend::weights::{self, AutoRecHeader};
use aestudio::recommend::fold_in::with_item_codes;
use aestudio::recommend::{AutoRec, AutoRecConfig, AutoRecTrainer, AutoRecTraining, Orientation, RatingRows};

use super::progress::Progress;

/// U-AutoRec's default weight decay, epochs and first averaged epoch, chosen on a validation
/// split (docs/results/recommendation.md); I-AutoRec's are 300, 80 and none.
const LAMBDA_USER: f64 = 300.0;
const EPOCHS_USER: usize = 35;
const AVERAGE_FROM_USER: usize = 20;
const EPOCHS_ITEM: usize = 80;

/// Which AutoRec to train.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// I-AutoRec (one vector per movie).
    Item,
    /// U-AutoRec (one vector per user).
    User,
    /// Both, on the same splits.
    Both,
}

/// Train I-AutoRec and/or U-AutoRec on random 90/10 splits of MovieLens and print the test RMSE
/// per split and the mean, with the baselines (global mean, item biases, user and item biases,
/// biased matrix factorization) on the same splits.
#[derive(Args)]
pub struct AutoRecCommand {
    /// ml-1m or ml-100k.
    #[arg(long, default_value = "ml-1m")]
    dataset: String,
    /// The folder of the ratings file (default: data/movielens/<dataset>).
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Which::Both)]
    model: Which,
    /// Random 90/10 splits, seeded 1, 2, ...
    #[arg(long, default_value_t = 5)]
    splits: usize,
    #[arg(long, default_value_t = 500)]
    hidden: usize,
    /// Epochs (default: 80 for I-AutoRec, 35 for U-AutoRec).
    #[arg(long)]
    epochs: Option<usize>,
    /// I-AutoRec's weight decay (chosen on split 1 from 300, 400, 500 and 1000).
    #[arg(long, default_value_t = 300.0)]
    lambda_item: f64,
    /// U-AutoRec's weight decay (chosen on a validation split from 300 and 400).
    #[arg(long, default_value_t = LAMBDA_USER)]
    lambda_user: f64,
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// The learning rate is multiplied by this after every epoch.
    #[arg(long, default_value_t = 0.95)]
    lr_decay: f64,
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Keep the running mean of the weights at each epoch's end from this epoch on (Polyak
    /// averaging; 0: the last weights; default: 0 for I-AutoRec, 20 for U-AutoRec).
    #[arg(long)]
    average_from: Option<usize>,
    /// Print the test RMSE every this many epochs (0: only at the end).
    #[arg(long, default_value_t = 0)]
    report_every: usize,
    /// Choose settings without the test set: hold out this share of each split's training
    /// ratings, train on the rest, and report RMSE on the held-out ratings instead of the test set.
    #[arg(long, value_name = "SHARE")]
    validation: Option<f64>,
    /// Skip the baselines.
    #[arg(long)]
    no_baselines: bool,
    /// Save the model of the first split to DIR/i-autorec.safetensors and DIR/u-autorec.safetensors.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Store the saved weights as f16 (half the size; how the page's pretrained ones ship).
    #[arg(long)]
    half: bool,
}

impl AutoRecCommand {
    pub async fn run(self) -> Result<(), AeError> {
        if self.validation.is_some() && self.save.is_some() {
            return Err(AeError::InvalidConfig("--save keeps a model of the whole training split; leave out --validation".into()));
        }
        let files = RatingsFiles::by_name(&self.dataset)?;
        let dir = self.data.clone().unwrap_or_else(|| PathBuf::from("data/movielens").join(files.name));
        let ratings = files.load_ratings(&dir)?;
        println!("{}: {} ratings, {} users, {} movies", files.name, ratings.entries.len(), ratings.users(), ratings.items());
        let orientations = match self.model {
            Which::Item => vec![Orientation::Item],
            Which::User => vec![Orientation::User],
            Which::Both => vec![Orientation::Item, Orientation::User],
        };
        let training = AutoRecTraining::new()
            .with_learning_rate(self.lr)
            .with_learning_rate_decay(self.lr_decay)
            .with_batch_size(self.batch_size);
        let epochs_per_split: usize = orientations.iter().map(|&orientation| self.epochs(orientation)).sum();
        let mut progress = Progress::new((self.splits * epochs_per_split) as u64);
        let mut table: Vec<(String, Vec<f32>, f64)> = Vec::new();
        for split_index in 0..self.splits {
            let seed = split_index as u64 + 1;
            let split = match self.validation {
                Some(share) => ratings.split(0.1, seed)?.holdout(share, seed)?,
                None => ratings.split(0.1, seed)?,
            };
            if !self.no_baselines {
                for (name, value, seconds) in baselines(&split) {
                    record(&mut table, &name, value, seconds);
                }
            }
            for &orientation in &orientations {
                let config = AutoRecConfig::new(orientation, split.users, split.items).with_hidden(self.hidden);
                let started = Instant::now();
                let training = training.clone().with_seed(seed).with_lambda(self.lambda(orientation)).with_epochs(self.epochs(orientation));
                let (value, model) = self.train_one(&config, training, &split, &mut progress).await?;
                let seconds = started.elapsed().as_secs_f64();
                record(&mut table, &format!("{}-AutoRec", name_of(orientation)), value, seconds);
                if let (Some(dir), 0) = (&self.save, split_index) {
                    let header = AutoRecHeader::new(config.clone(), &ratings, &split);
                    progress.say(&format!("saved {}", self.save_model(dir, &model, &header, value, &split).await?.display()));
                }
                progress.say(&format!("split {seed}: {}-AutoRec {} {value:.4} ({seconds:.0} s)", name_of(orientation), self.measured()));
            }
        }
        progress.finish();
        self.print(&table, files.name);
        Ok(())
    }

    /// Trains one AutoRec on `split` and returns its test RMSE and the model.
    async fn train_one(&self, config: &AutoRecConfig, training: AutoRecTraining, split: &RatingSplit, progress: &mut Progress) -> Result<(f32, AutoRec), AeError> {
        let device = aestudio::backend::cpu_device();
        let mut trainer = AutoRecTrainer::new(config, training, split, &device)?;
        let mut averaged: Option<(AutoRec, usize)> = None;
        while !trainer.finished() {
            let objective = trainer.train_epoch().await?;
            progress.advance(1);
            let epoch = trainer.epoch();
            let average_from = self.average_from(config.orientation);
            if average_from > 0 && epoch >= average_from {
                averaged = Some(match averaged {
                    Some((mean, count)) => (mean.averaged_with(&trainer.model(), count), count + 1),
                    None => (trainer.model(), 1),
                });
            }
            if self.report_every > 0 && epoch % self.report_every == 0 {
                let value = test_rmse(&trainer.model(), trainer.rows(), &split.test, &device).await?;
                let mean = match &averaged {
                    Some((mean, count)) => {
                        let value = test_rmse(mean, trainer.rows(), &split.test, &device).await?;
                        format!(", of the mean of the last {count} epochs' weights {value:.4}")
                    }
                    None => String::new(),
                };
                let orientation = name_of(config.orientation);
                progress.say(&format!("{orientation}-AutoRec epoch {epoch}: objective {objective:.4} per rating, {} {value:.4}{mean}", self.measured()));
            }
        }
        let model = averaged.map_or_else(|| trainer.model(), |(mean, _)| mean);
        Ok((test_rmse(&model, trainer.rows(), &split.test, &device).await?, model))
    }

    /// What the reported RMSE is measured on.
    fn measured(&self) -> &'static str {
        if self.validation.is_some() { "validation RMSE" } else { "test RMSE" }
    }

    fn epochs(&self, orientation: Orientation) -> usize {
        self.epochs.unwrap_or(match orientation {
            Orientation::Item => EPOCHS_ITEM,
            Orientation::User => EPOCHS_USER,
        })
    }

    fn average_from(&self, orientation: Orientation) -> usize {
        self.average_from.unwrap_or(match orientation {
            Orientation::Item => 0,
            Orientation::User => AVERAGE_FROM_USER,
        })
    }

    /// "80 epochs, lambda 300" or "35 epochs averaged from the 20th, lambda 300".
    fn schedule(&self, orientation: Orientation) -> String {
        let averaged = match self.average_from(orientation) {
            0 => String::new(),
            from => format!(" averaged from the {from}th"),
        };
        format!("{} epochs{averaged}, lambda {}", self.epochs(orientation), self.lambda(orientation))
    }

    fn lambda(&self, orientation: Orientation) -> f64 {
        match orientation {
            Orientation::Item => self.lambda_item,
            Orientation::User => self.lambda_user,
        }
    }

    /// Writes the first split's model to `dir`, saying in its provenance how it was made.
    async fn save_model(&self, dir: &std::path::Path, model: &AutoRec, header: &AutoRecHeader, rmse: f32, split: &RatingSplit) -> Result<PathBuf, AeError> {
        let orientation = header.config.orientation;
        // An I-AutoRec is kept with its movies' codes, so that the page can fold a visitor in.
        let model = match orientation {
            Orientation::Item => {
                let rows = RatingRows::new(&split.train, orientation, split.users, split.items);
                with_item_codes(model.clone(), &rows, &aestudio::backend::cpu_device())?
            }
            Orientation::User => model.clone(),
        };
        let header = header.for_model(&model, self.lambda(orientation));
        let epochs = self.epochs(orientation);
        let averaging = match self.average_from(orientation) {
            0 => String::new(),
            from => format!(", the mean of the weights at the ends of epochs {from}-{epochs}"),
        };
        let provenance = format!(
            "trained natively with `aestudio autorec` on MovieLens {} (90% of the ratings, split seed 1): {} epochs, Adam {} \
             (x{} per epoch), batch {}, lambda {}{averaging}; test RMSE {rmse:.4} on the other 10%",
            self.dataset.trim_start_matches("ml-").to_uppercase(), epochs, self.lr, self.lr_decay, self.batch_size, self.lambda(orientation)
        );
        let path = dir.join(format!("{}-autorec.safetensors", name_of(orientation).to_lowercase()));
        let precision = if self.half { Precision::F16 } else { Precision::F32 };
        let bytes = weights::save_as(&model, &header, &provenance, precision).await?;
        super::write_weights(&path, &bytes)?;
        Ok(path)
    }

    fn print(&self, table: &[(String, Vec<f32>, f64)], dataset: &str) {
        let measured = match self.validation {
            Some(share) => format!("validation RMSE (on {share} of the training ratings, held out; not the test set)"),
            None => "test RMSE".to_string(),
        };
        println!(
            "\n{dataset}: {measured} over {} random 90/10 splits (seeds 1..{}); AutoRec: {} sigmoid hidden units, identity output, \
             Adam {} (x{} per epoch) batch {}; I-AutoRec {}; U-AutoRec {}\n",
            self.splits, self.splits, self.hidden, self.lr, self.lr_decay, self.batch_size, self.schedule(Orientation::Item), self.schedule(Orientation::User)
        );
        println!("| model | mean RMSE | spread (min-max) | per split | seconds per split |");
        println!("|---|---|---|---|---|");
        for (name, values, seconds) in table {
            let mean = values.iter().sum::<f32>() / values.len() as f32;
            let (low, high) = values.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let each: Vec<String> = values.iter().map(|v| format!("{v:.4}")).collect();
            println!("| {name} | {mean:.4} | {low:.4}-{high:.4} | {} | {:.0} |", each.join(", "), seconds / values.len() as f64);
            let orientation = [Orientation::Item, Orientation::User].into_iter().find(|&o| *name == format!("{}-AutoRec", name_of(o)));
            let settings = orientation.map(|o| {
                serde_json::json!({ "epochs": self.epochs(o), "average_from": self.average_from(o), "lambda": self.lambda(o), "hidden": self.hidden,
                    "learning_rate": self.lr, "learning_rate_decay": self.lr_decay, "batch_size": self.batch_size })
            });
            super::report::result(serde_json::json!({ "command": "autorec", "dataset": dataset, "model": name, "mean_rmse": mean, "rmse": values,
                    "paper": published_rmse(name), "seconds_per_split": seconds / values.len() as f64, "settings": settings, "validation": self.validation }));
        }
    }
}

/// The test RMSE on MovieLens 1M that Sedhain et al. (2015, Table 1) report for a model of this
/// table, the anchor its record carries.
fn published_rmse(model: &str) -> Option<f64> {
    match model {
        "biased matrix factorization" => Some(0.845),
        "I-AutoRec" => Some(0.831),
        "U-AutoRec" => Some(0.874),
        _ => None,
    }
}

fn name_of(orientation: Orientation) -> &'static str {
    match orientation {
        Orientation::Item => "I",
        Orientation::User => "U",
    }
}

fn record(table: &mut Vec<(String, Vec<f32>, f64)>, name: &str, value: f32, seconds: f64) {
    match table.iter_mut().find(|(row, _, _)| row == name) {
        Some((_, values, total)) => {
            values.push(value);
            *total += seconds;
        }
        None => table.push((name.to_string(), vec![value], seconds)),
    }
}

/// Each baseline's test RMSE on `split` and its fitting time.
fn baselines(split: &RatingSplit) -> Vec<(String, f32, f64)> {
    let timed = |name: &str, fit: &dyn Fn() -> Vec<f32>| {
        let started = Instant::now();
        let predictions = fit();
        (name.to_string(), rmse(&predictions, &split.test), started.elapsed().as_secs_f64())
    };
    vec![
        timed("global mean", &|| vec![global_mean(&split.train); split.test.len()]),
        timed("item biases", &|| Biases::fit(split, 25.0, false).predict_all(&split.test)),
        timed("user and item biases", &|| Biases::fit(split, 10.0, true).predict_all(&split.test)),
        timed("biased matrix factorization", &|| Factorization::fit(split, FactorizationSettings::default()).predict_all(&split.test)),
    ]
}
