//! What the codes of a person's folder say about its images: k-means groups of every image's
//! code, each listed nearest its centre first; and, when the folder's subfolders label it, how
//! well the groups match the labels (matched accuracy, NMI) and how much of the labels a linear
//! classifier reads off the codes, beside PCA features of the same size.

use burn::prelude::*;
use serde::Serialize;

use crate::data::Dataset;
use crate::data::images::{ImportedImages, UNLABELLED};
use crate::error::{AeResult, ensure};
use crate::model::Autoencoder;
use crate::uses::cluster::{accuracy_and_nmi, kmeans};
use crate::uses::explore::encode_dataset;
use crate::uses::pca::Pca;
use crate::uses::probe::{Features, LinearProbe, ProbeConfig};

/// k-means' restarts and iterations on a folder's codes, as the CLI's `cluster` runs them.
const RESTARTS: usize = 5;
const ITERATIONS: usize = 100;

/// One k-means group of a folder's images.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageGroup {
    /// The members' places in [`crate::data::Splits::all_images`], nearest the centre first.
    pub members: Vec<usize>,
}

/// How the labelled images of a folder fare (see the module's docs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelledScores {
    /// The labelled images the groups are scored on, and their classes.
    pub images: usize,
    pub classes: usize,
    pub cluster_accuracy: f64,
    pub nmi: f64,
    /// Test accuracy of a softmax probe trained on the labelled training images: on the codes,
    /// and on PCA features of the code's size; `None` when no test image is labelled.
    pub probe: Option<f64>,
    pub pca_probe: Option<f64>,
}

/// The groups of a folder, and its labelled images' scores when it has two classes or more.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FolderGroups {
    pub groups: Vec<ImageGroup>,
    pub labelled: Option<LabelledScores>,
}

/// How many groups a folder gets unless the person says: one per class when it has two to 16,
/// else 10, never more than its images.
pub fn default_groups(imported: &ImportedImages) -> usize {
    let classes = imported.report.classes.len();
    let groups = if (2..=16).contains(&classes) { classes } else { 10 };
    groups.min(imported.report.kept)
}

/// Groups every image of `imported` by k-means on `model`'s codes into `k` groups (at most one
/// per image), and scores them against the folder's labels when it has them.
pub async fn group_images(model: &Autoencoder, imported: &ImportedImages, k: usize, device: &Device) -> AeResult<FolderGroups> {
    let everything = imported.splits.all_images();
    ensure((2..=everything.len().min(64)).contains(&k), || format!("group into 2 to {} groups, not {k}", everything.len().min(64)))?;
    let width = model.config().code_size;
    let codes = encode_dataset(model, &everything, device).await?;
    let clustering = kmeans(&codes, width, k, RESTARTS, ITERATIONS, 1)?;
    let distance = |i: usize| {
        let centre = &clustering.centroids[clustering.assignments[i] * width..][..width];
        codes[i * width..][..width].iter().zip(centre).map(|(&x, &c)| (f64::from(x) - c).powi(2)).sum::<f64>()
    };
    let mut groups = vec![ImageGroup { members: Vec::new() }; k];
    for (image, &group) in clustering.assignments.iter().enumerate() {
        groups[group].members.push(image);
    }
    for group in &mut groups {
        group.members.sort_by(|&a, &b| distance(a).total_cmp(&distance(b)));
    }
    let labelled = labelled_scores(model, imported, (&codes, &clustering.assignments), device).await?;
    Ok(FolderGroups { groups, labelled })
}

/// The scores of [`LabelledScores`], or `None` when fewer than two classes label the images.
async fn labelled_scores(model: &Autoencoder, imported: &ImportedImages, (codes, assignments): (&[f32], &[usize]), device: &Device) -> AeResult<Option<LabelledScores>> {
    let classes = imported.report.classes.len();
    let labels: Vec<u8> = imported.splits.train.labels().iter().chain(imported.splits.test.labels()).copied().collect();
    let labelled: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != UNLABELLED).collect();
    if classes < 2 || labelled.is_empty() {
        return Ok(None);
    }
    let (chosen, chosen_labels): (Vec<usize>, Vec<u8>) = labelled.iter().map(|&i| (assignments[i], labels[i])).unzip();
    let (cluster_accuracy, nmi) = accuracy_and_nmi(&chosen, &chosen_labels)?;
    let (train, test) = (&imported.splits.train, &imported.splits.test);
    let width = model.config().code_size;
    let code_features = |range: std::ops::Range<usize>| Features { values: codes[range.start * width..range.end * width].to_vec(), width };
    let probe = probe_accuracy((code_features(0..train.len()), train), (code_features(train.len()..labels.len()), test), classes, device).await?;
    let pca = Pca::fit(train, width.min(train.shape().values()))?;
    let pca_features = |data: &Dataset| Features { values: pca.project(data), width: pca.components() };
    let pca_probe = probe_accuracy((pca_features(train), train), (pca_features(test), test), classes, device).await?;
    Ok(Some(LabelledScores { images: labelled.len(), classes, cluster_accuracy, nmi, probe, pca_probe }))
}

/// Test accuracy of a softmax probe fitted on the labelled rows of `train`, scored on the
/// labelled rows of `test`; `None` when either has none.
async fn probe_accuracy(train: (Features, &Dataset), test: (Features, &Dataset), classes: usize, device: &Device) -> AeResult<Option<f64>> {
    let labelled_rows = |(features, data): (Features, &Dataset)| {
        let keep: Vec<usize> = (0..data.len()).filter(|&i| data.label(i) != UNLABELLED).collect();
        let values = keep.iter().flat_map(|&i| features.values[i * features.width..(i + 1) * features.width].iter().copied()).collect();
        (Features { values, width: features.width }, keep.iter().map(|&i| data.label(i)).collect::<Vec<u8>>())
    };
    let ((train_features, train_labels), (test_features, test_labels)) = (labelled_rows(train), labelled_rows(test));
    if train_labels.is_empty() || test_labels.is_empty() {
        return Ok(None);
    }
    let config = ProbeConfig::new().with_classes(classes).with_batch_size(train_labels.len().min(128));
    let probe = LinearProbe::fit(&train_features, &train_labels, &config, device).await?;
    Ok(Some(probe.accuracy(&test_features, &test_labels, device).await?))
}
