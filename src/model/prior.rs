//! The prior an adversarial autoencoder's codes are matched to, and samples of it: the standard
//! normal, or Makhzani et al.'s mixture of ten 2-D Gaussians on a ring, optionally one component
//! per class (the supervised form, where the critic also sees the label); or, for unsupervised
//! clustering, a categorical code (one-hot) beside a Gaussian style code, each part matched by a
//! critic of its own.

use std::f64::consts::PI;
use std::ops::Range;

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};
use crate::nn::loss::{assignment_consistency, balanced_assignments};
use crate::nn::random::random;

/// Classes of the datasets, and components of the ring.
pub const CLASSES: usize = 10;

/// A distribution over codes that samples can be drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Prior {
    /// `N(0, I)` in any number of dimensions.
    #[default]
    Gaussian,
    /// Ten 2-D Gaussians of standard deviation `std`, centred on a circle of `radius` at angles
    /// `2πk/10` (a 2-D code only). With `labelled`, class k's codes are matched to component k
    /// and the critic sees the one-hot label beside the code.
    Ring { radius: f64, std: f64, labelled: bool },
    /// Makhzani et al.'s prior for unsupervised clustering: the code's first `clusters` values
    /// are a categorical variable (the encoder's softmax; prior samples are one-hot, the cluster
    /// drawn uniformly) and the rest a style code matched to `N(0, I)`. Each part has its own
    /// critic, and the categorical part's argmax is the cluster of an image. With a
    /// `consistency` weight above 0, each training image also has a view (turned, zoomed and
    /// shifted a little, [`crate::nn::augment::DIGIT_VIEWS`]) whose cluster assignment is pulled
    /// to the image's, made even over the batch (see [`view_consistency`]): what tells the
    /// encoder that a digit's identity, not its slant or size, is what a cluster holds.
    Clusters {
        clusters: usize,
        #[serde(default)]
        consistency: f64,
    },
}

/// Most clusters a categorical code may have.
pub const MAX_CLUSTERS: usize = 64;

impl Prior {
    /// Refuses a ring for a code that is not 2-D, and radii or spreads that are not positive.
    pub fn validate(&self, code_size: usize) -> AeResult<()> {
        match *self {
            Prior::Gaussian => Ok(()),
            Prior::Ring { radius, std, .. } => {
                ensure(code_size == 2, || format!("the ring prior is 2-D: it needs a code size of 2, got {code_size}"))?;
                ensure(radius.is_finite() && radius > 0.0, || format!("the ring's radius must be > 0, got {radius}"))?;
                ensure(std.is_finite() && std > 0.0 && std <= radius, || format!("the ring's std must be in (0, radius], got {std}"))
            }
            Prior::Clusters { clusters, consistency } => {
                ensure((2..=MAX_CLUSTERS).contains(&clusters), || format!("the number of clusters must be 2 to {MAX_CLUSTERS}, got {clusters}"))?;
                ensure(consistency.is_finite() && consistency >= 0.0, || format!("the views' consistency weight must be finite and >= 0, got {consistency}"))?;
                ensure(code_size > clusters, || {
                    format!("a code of {clusters} clusters needs at least one style value beside them: code size > {clusters}, got {code_size}")
                })
            }
        }
    }

    /// The parts of a code that each critic judges on its own: the whole code, or a clustering
    /// prior's categorical and style parts.
    pub fn critic_parts(&self, code_size: usize) -> Vec<Range<usize>> {
        match *self {
            Prior::Gaussian | Prior::Ring { .. } => vec![0..code_size],
            Prior::Clusters { clusters, .. } => vec![0..clusters, clusters..code_size],
        }
    }

    /// The encoder's raw output made into a code of this prior's support: a clustering prior's
    /// categorical part goes through a softmax (a distribution over clusters) of its logits
    /// less their `centre` (see [`centred_logits`]); otherwise as is.
    ///
    /// # Shapes
    /// - features, output: `[batch, code]`; centre: `[clusters]`
    pub fn shape_code(&self, features: Tensor<2>, centre: Option<Tensor<1>>) -> Tensor<2> {
        match *self {
            Prior::Gaussian | Prior::Ring { .. } => features,
            Prior::Clusters { clusters, .. } => {
                let [batch, code_size] = features.dims();
                let logits = centred_logits(features.clone().slice([0..batch, 0..clusters]), centre);
                let categorical = softmax(logits, 1);
                Tensor::cat(vec![categorical, features.slice([0..batch, clusters..code_size])], 1)
            }
        }
    }

    /// The number of clusters of a clustering prior.
    pub fn clusters(&self) -> Option<usize> {
        match *self {
            Prior::Clusters { clusters, .. } => Some(clusters),
            Prior::Gaussian | Prior::Ring { .. } => None,
        }
    }

    /// The weight of a clustering code's views' consistency, when it has one.
    pub fn consistency(&self) -> Option<f64> {
        match *self {
            Prior::Clusters { consistency, .. } if consistency > 0.0 => Some(consistency),
            _ => None,
        }
    }

    /// Whether samples and critic inputs depend on the images' labels.
    pub fn needs_labels(&self) -> bool {
        matches!(self, Prior::Ring { labelled: true, .. })
    }

    /// Values the critic sees beside each code: the one-hot label of a labelled prior.
    pub fn label_width(&self) -> usize {
        if self.needs_labels() { CLASSES } else { 0 }
    }

    /// A name for people: "N(0, I)", "ring of 10 Gaussians (radius 4, std 0.5)".
    pub fn describe(&self) -> String {
        match *self {
            Prior::Gaussian => "N(0, I)".to_string(),
            Prior::Ring { radius, std, labelled } => {
                format!("ring of 10 Gaussians (radius {radius}, std {std}{})", if labelled { ", one per class" } else { "" })
            }
            Prior::Clusters { clusters, consistency } if consistency > 0.0 => {
                format!("{clusters} clusters (one-hot) x N(0, I) style, views' consistency {consistency}")
            }
            Prior::Clusters { clusters, .. } => format!("{clusters} clusters (one-hot) x N(0, I) style"),
        }
    }

    /// How far the prior reaches along each axis, as a multiple of the unit the page's
    /// traversals step in (1 for the normal).
    pub fn scale(&self) -> f64 {
        match *self {
            Prior::Gaussian | Prior::Clusters { .. } => 1.0,
            Prior::Ring { radius, std, .. } => (radius + std) / 3.0,
        }
    }

    /// As many draws as `codes` has rows, of its width and on its device (no labels).
    pub fn sample_like(&self, codes: &Tensor<2>) -> Tensor<2> {
        let [count, code_size] = codes.dims();
        self.sample(count, code_size, 1.0, None, &codes.device())
    }

    /// `count` codes of `code_size` values drawn from the prior, each component's spread scaled
    /// by `temperature`. `labels` (one-hot, `[count, 10]`) picks each sample's component for a
    /// labelled prior; without them components are drawn uniformly.
    ///
    /// # Shapes
    /// - labels: `[count, 10]`
    /// - output: `[count, code_size]`
    pub fn sample(&self, count: usize, code_size: usize, temperature: f64, labels: Option<Tensor<2>>, device: &Device) -> Tensor<2> {
        match *self {
            Prior::Gaussian => random([count, code_size], Distribution::Normal(0.0, temperature), device),
            Prior::Ring { radius, std, .. } => {
                let component = match labels {
                    // The one-hot's argmax, as a float: sum_k k·onehot_k.
                    Some(one_hot) => (one_hot * class_indices(device)).sum_dim(1),
                    None => random([count, 1], Distribution::Uniform(0.0, CLASSES as f64), device).floor(),
                };
                let angle = component.mul_scalar(2.0 * PI / CLASSES as f64);
                let centres = Tensor::cat(vec![angle.clone().cos(), angle.sin()], 1).mul_scalar(radius);
                centres + random([count, 2], Distribution::Normal(0.0, std * temperature), device)
            }
            Prior::Clusters { clusters, .. } => {
                let drawn = random([count, 1], Distribution::Uniform(0.0, clusters as f64), device).floor();
                let one_hot = drawn.repeat_dim(1, clusters).equal(index_row(clusters, device).repeat_dim(0, count)).float();
                let style = random([count, code_size - clusters], Distribution::Normal(0.0, temperature), device);
                Tensor::cat(vec![one_hot, style], 1)
            }
        }
    }
}

/// A clustering code's logits less their centre. While training (on an autodiff device) the
/// centre is the batch's own mean: the critic's push on near-uniform softmax outputs is nearly
/// the same for every image, Adam turns that common push into full-size steps of the output
/// layer, and the whole batch drifts into one cluster and saturates there (every run did, before
/// this). Less the batch mean, a common push cancels and only what tells images apart moves
/// them. When coding, `centre` (the mean the model tracked while training; see
/// [`centre_pull`]) takes the batch mean's place, so an image's cluster does not depend on the
/// images beside it. This is batch normalization's centring, without its scaling.
///
/// # Shapes
/// - logits, output: `[batch, clusters]`; centre: `[clusters]`
pub fn centred_logits(logits: Tensor<2>, centre: Option<Tensor<1>>) -> Tensor<2> {
    match centre {
        _ if logits.device().is_autodiff() => logits.clone() - logits.mean_dim(0),
        Some(centre) => logits - centre.unsqueeze_dim(0),
        None => logits,
    }
}

/// A loss of value zero whose gradient with respect to `centre` is `centre - mean`, the batch's
/// mean logits (detached): the trainer takes that gradient out of the optimizer's and moves the
/// centre a fixed part of the way to the mean (see
/// [`crate::model::Autoencoder::follow_cluster_centre`]), so every replica that applies the same
/// gradients keeps the same centre. The value is zero so the reported objective is unchanged.
///
/// # Shapes
/// - centre: `[clusters]`; logits: `[batch, clusters]`; output: `[1]`
pub fn centre_pull(centre: Tensor<1>, logits: Tensor<2>) -> Tensor<1> {
    let mean = logits.mean_dim(0).squeeze_dim::<1>(0).detach();
    let pull = (centre - mean).powi_scalar(2).sum().mul_scalar(0.5);
    pull.clone() - pull.detach()
}

/// Sinkhorn-Knopp rounds that even out the consistency targets (SwAV's number).
const BALANCING_ROUNDS: usize = 3;

/// How far each view's cluster assignment is from its image's, per image: the targets are the
/// images' assignments (softmax of their centred `image_logits`) made even over the batch
/// ([`balanced_assignments`]), and the views' centred logits are pulled to them
/// ([`assignment_consistency`]). Without the balancing, a code that puts every image in the
/// same few clusters is the most consistent one, and it is where training went (7 clusters in
/// use after 5 epochs at weight 0.01, 2 at 0.1; docs/results/codes.md).
///
/// # Shapes
/// - image_logits, view_logits: `[batch, clusters]`
/// - output: `[batch]`
pub fn view_consistency(image_logits: Tensor<2>, view_logits: Tensor<2>) -> Tensor<1> {
    let assignments = softmax(centred_logits(image_logits, None), 1).detach();
    assignment_consistency(balanced_assignments(assignments, BALANCING_ROUNDS), centred_logits(view_logits, None))
}

/// `[1, 10]`: 0, 1, …, 9.
fn class_indices(device: &Device) -> Tensor<2> {
    index_row(CLASSES, device)
}

/// `[1, n]`: 0, 1, …, n - 1, as floats.
fn index_row(n: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new((0..n).map(|k| k as f32).collect::<Vec<_>>(), [1, n]), device)
}
