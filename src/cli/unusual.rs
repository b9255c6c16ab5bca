//! `anomaly --images DIR`: the most unusual images of a person's folder. A model trained on the
//! folder's training split scores every image of both splits by its reconstruction error, PCA of
//! the code's size alongside; the top of each ranking is printed, and `--csv` writes all of it.

use std::path::Path;

use aestudio::AeError;
use aestudio::data::images::ImportedImages;
use aestudio::model::{AutoencoderConfig, Preset};
use aestudio::train::train_model;
use aestudio::uses::folder;

use super::args::RunArgs;

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
    let training = run.training();
    println!(
        "model: {}; {} epochs of batches of {} on {} training images, the worst {}% of each left out, seed {}",
        config.describe(),
        training.epochs,
        training.batch_size,
        splits.train.len(),
        training.trim * 100.0,
        training.seed
    );
    let trained = train_model(&config, &training, &splits.train, &device).await?;
    let ranked = folder::rank_images(&trained, imported, &device).await?;
    println!("the {} most unusual of {} images (reconstruction MSE per pixel; PCA({}) alongside):", top.min(ranked.len()), ranked.len(), config.code_size);
    for image in ranked.iter().take(top) {
        println!("{:>5}. {:<40} {:.5}  (PCA: #{} of {}, {:.5})", image.rank, image.file, image.score, image.pca_rank, ranked.len(), image.pca_score);
    }
    if let Some(path) = csv {
        super::write_file(path, folder::ranking_csv(&ranked).as_bytes()).map_err(|err| AeError::Data(format!("{}: {err}", path.display())))?;
        println!("wrote the ranking of every image to {}", path.display());
    }
    super::report::result(serde_json::json!({
        "command": "anomaly", "protocol": "images", "model": preset.name(), "description": config.describe(), "config": config,
        "dataset": imported.name, "training": training, "images": ranked.len(), "import": imported.report,
        "top": ranked.iter().take(top).collect::<Vec<_>>(),
    }));
    Ok(())
}
