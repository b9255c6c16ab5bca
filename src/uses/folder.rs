//! What the uses give on a person's own folder, as tables: the most unusual images (the model's
//! reconstruction error beside PCA's) and the code of every image. The CLI writes them to files
//! and the page offers them as downloads, from the same rows.

use burn::prelude::*;
use serde::Serialize;

use crate::data::images::ImportedImages;
use crate::error::AeResult;
use crate::model::Autoencoder;
use crate::uses::{anomaly, explore, pca::Pca};

/// One image's place in both rankings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedImage {
    pub file: String,
    /// "train" or "test".
    pub split: &'static str,
    /// Its class (subfolder), none at the folder's top.
    pub label: Option<String>,
    /// Its place in [`crate::data::Splits::all_images`] (training images first).
    pub index: usize,
    /// The model's reconstruction error per value, and its rank (1: the most unusual).
    pub score: f32,
    pub rank: usize,
    /// PCA's, with as many components as the model's code.
    pub pca_score: f32,
    pub pca_rank: usize,
}

/// Every image of `imported` ranked by `model`'s reconstruction error, most unusual first, with
/// PCA's ranking (fitted on the training split, the code's size in components) alongside.
pub async fn rank_images(model: &Autoencoder, imported: &ImportedImages, device: &Device) -> AeResult<Vec<RankedImage>> {
    let everything = imported.splits.all_images();
    let scores = anomaly::reconstruction_errors(model, &everything, device).await?;
    let components = model.config().code_size.min(everything.shape().values());
    let pca_scores = Pca::fit(&imported.splits.train, components)?.reconstruction_errors(&everything);
    Ok(rankings(imported, &scores, &pca_scores))
}

/// Every image with its score and rank under both scores, most unusual first.
fn rankings(imported: &ImportedImages, scores: &[f32], pca_scores: &[f32]) -> Vec<RankedImage> {
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
    let mut ranked: Vec<RankedImage> = imported
        .files()
        .into_iter()
        .enumerate()
        .map(|(index, (file, split, class))| RankedImage {
            file: file.to_string(),
            split,
            label: class.map(str::to_string),
            index,
            score: scores[index],
            rank: model_rank[index],
            pca_score: pca_scores[index],
            pca_rank: pca_rank[index],
        })
        .collect();
    ranked.sort_by_key(|image| image.rank);
    ranked
}

/// `text` as one CSV field, quoted (a file name may hold a comma or a quote).
pub fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The ranking as CSV: `rank,file,split,label,score,pca_rank,pca_score`, one row per image.
pub fn ranking_csv(ranked: &[RankedImage]) -> String {
    let mut text = String::from("rank,file,split,label,score,pca_rank,pca_score\n");
    for image in ranked {
        let label = image.label.as_deref().map(csv_field).unwrap_or_default();
        text += &format!("{},{},{},{label},{},{},{}\n", image.rank, csv_field(&image.file), image.split, image.score, image.pca_rank, image.pca_score);
    }
    text
}

/// The code of every image of `imported` as CSV, `file,split,label,z1,...`, in the order of
/// [`crate::data::Splits::all_images`]; and the number of rows.
pub async fn codes_csv(model: &Autoencoder, imported: &ImportedImages, device: &Device) -> AeResult<(String, usize)> {
    let rows: Vec<(String, &str, String)> = imported.files().into_iter().map(|(file, split, class)| (file.to_string(), split, class.unwrap_or_default().to_string())).collect();
    let codes = explore::encode_dataset(model, &imported.splits.all_images(), device).await?;
    Ok((code_table(&rows, &codes, model.config().code_size), rows.len()))
}

/// `rows` (file, split, label) with their codes (`code_size` values each) as CSV.
pub fn code_table(rows: &[(String, &str, String)], codes: &[f32], code_size: usize) -> String {
    let mut text = format!("file,split,label,{}\n", (1..=code_size).map(|i| format!("z{i}")).collect::<Vec<_>>().join(","));
    for ((file, split, label), code) in rows.iter().zip(codes.chunks(code_size)) {
        let code: Vec<String> = code.iter().map(f32::to_string).collect();
        text += &format!("{},{split},{},{}\n", csv_field(file), csv_field(label), code.join(","));
    }
    text
}
