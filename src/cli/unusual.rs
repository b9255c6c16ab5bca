//! `anomaly --images DIR`: the most unusual images of a person's folder. A model trained on the
//! folder's training split scores every image of both splits by its reconstruction error, PCA of
//! the code's size alongside; the top of each ranking is printed, and `--csv` writes all of it.

use std::path::Path;

use aestudio::AeError;
use aestudio::data::images::ImportedImages;
use aestudio::model::{AutoencoderConfig, Preset};
use aestudio::train::train_model;
use aestudio::uses::{anomaly, pca};

use super::args::RunArgs;

/// One image's place in both rankings.
#[derive(serde::Serialize)]
struct Ranked {
    file: String,
    split: &'static str,
    label: Option<String>,
    score: f32,
    rank: usize,
    pca_score: f32,
    pca_rank: usize,
}

/// Ranks every image of `imported` (see the module's docs); prints the `top` of the ranking and
/// its `result` line, and writes the whole ranking to `csv` when given.
pub(crate) async fn rank_folder(
    (preset, config): (Preset, AutoencoderConfig),
    run: &RunArgs,
    imported: &ImportedImages,
    top: usize,
    csv: Option<&Path>,
) -> Result<(), AeError> {
    let device = aestudio::backend::cpu_device();
    let splits = &imported.splits;
    println!("model: {}; {} epochs on {} training images, seed {}", config.describe(), run.epochs, splits.train.len(), run.seed);
    let trained = train_model(&config, &run.training(), &splits.train, &device).await?;
    let everything = splits.all_images();
    let scores = anomaly::reconstruction_errors(&trained, &everything, &device).await?;
    let pca_scores = pca::Pca::fit(&splits.train, config.code_size)?.reconstruction_errors(&everything);
    let ranked = rankings(imported, &scores, &pca_scores);
    println!("the {} most unusual of {} images (reconstruction MSE per pixel; PCA({}) alongside):", top.min(ranked.len()), ranked.len(), config.code_size);
    for image in ranked.iter().take(top) {
        println!("{:>5}. {:<40} {:.5}  (PCA: #{} of {}, {:.5})", image.rank, image.file, image.score, image.pca_rank, ranked.len(), image.pca_score);
    }
    if let Some(path) = csv {
        write_csv(path, &ranked)?;
        println!("wrote the ranking of every image to {}", path.display());
    }
    super::report::result(serde_json::json!({
        "command": "anomaly", "protocol": "images", "model": preset.name(), "description": config.describe(), "config": config,
        "dataset": imported.name, "seed": run.seed, "epochs": run.epochs, "images": ranked.len(), "import": imported.report,
        "top": ranked.iter().take(top).collect::<Vec<_>>(),
    }));
    Ok(())
}

/// Every image with its score and rank under the model and PCA, most unusual first.
fn rankings(imported: &ImportedImages, scores: &[f32], pca_scores: &[f32]) -> Vec<Ranked> {
    let rank_of = |values: &[f32]| {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let mut rank = vec![0; values.len()];
        for (place, index) in order.into_iter().enumerate() {
            rank[index] = place + 1;
        }
        rank
    };
    let (model_rank, pca_rank) = (rank_of(scores), rank_of(pca_scores));
    let mut ranked: Vec<Ranked> = imported
        .files()
        .into_iter()
        .enumerate()
        .map(|(i, (file, split, class))| Ranked {
            file: file.to_string(),
            split,
            label: class.map(str::to_string),
            score: scores[i],
            rank: model_rank[i],
            pca_score: pca_scores[i],
            pca_rank: pca_rank[i],
        })
        .collect();
    ranked.sort_by_key(|image| image.rank);
    ranked
}

/// The ranking as CSV: `rank,file,split,label,score,pca_rank,pca_score`, one row per image.
fn write_csv(path: &Path, ranked: &[Ranked]) -> Result<(), AeError> {
    let quoted = super::csv_field;
    let mut text = String::from("rank,file,split,label,score,pca_rank,pca_score\n");
    for image in ranked {
        let label = image.label.as_deref().map(quoted).unwrap_or_default();
        text += &format!("{},{},{},{label},{},{},{}\n", image.rank, quoted(&image.file), image.split, image.score, image.pca_rank, image.pca_score);
    }
    super::write_file(path, text.as_bytes()).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))
}
