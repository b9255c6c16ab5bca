//! The prior an adversarial autoencoder's codes are matched to, and samples of it: the standard
//! normal, or Makhzani et al.'s mixture of ten 2-D Gaussians on a ring, optionally one component
//! per class (the supervised form, where the critic also sees the label).

use std::f64::consts::PI;

use burn::prelude::*;
use burn::tensor::Distribution;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};

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
}

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
        }
    }

    /// How far the prior reaches along each axis, as a multiple of the unit the page's
    /// traversals step in (1 for the normal).
    pub fn scale(&self) -> f64 {
        match *self {
            Prior::Gaussian => 1.0,
            Prior::Ring { radius, std, .. } => (radius + std) / 3.0,
        }
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
            Prior::Gaussian => Tensor::random([count, code_size], Distribution::Normal(0.0, temperature), device),
            Prior::Ring { radius, std, .. } => {
                let component = match labels {
                    // The one-hot's argmax, as a float: sum_k k·onehot_k.
                    Some(one_hot) => (one_hot * class_indices(device)).sum_dim(1),
                    None => Tensor::<2>::random([count, 1], Distribution::Uniform(0.0, CLASSES as f64), device).floor(),
                };
                let angle = component.mul_scalar(2.0 * PI / CLASSES as f64);
                let centres = Tensor::cat(vec![angle.clone().cos(), angle.sin()], 1).mul_scalar(radius);
                centres + Tensor::random([count, 2], Distribution::Normal(0.0, std * temperature), device)
            }
        }
    }
}

/// `[1, 10]`: 0, 1, …, 9.
fn class_indices(device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new((0..CLASSES).map(|k| k as f32).collect::<Vec<_>>(), [1, CLASSES]), device)
}
