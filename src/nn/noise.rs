//! Input corruption for denoising autoencoders. The corruption touches the encoder's input only;
//! the loss is always taken against the clean image.

use burn::prelude::*;
use burn::tensor::Distribution;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};
use crate::nn::random::random;

/// How a clean input is corrupted before it reaches the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Corruption {
    /// No corruption: a plain autoencoder.
    #[default]
    None,
    /// Additive Gaussian noise `x + N(0, sigma²)`, element-wise.
    Gaussian { sigma: f64 },
    /// Masking noise: each element is kept with probability `keep_probability`, else set to 0.
    Masking { keep_probability: f64 },
}

impl Corruption {
    /// The corruption in words ("masking, keep 0.7"); `None` for none.
    pub fn describe(&self) -> Option<String> {
        match *self {
            Corruption::None => None,
            Corruption::Gaussian { sigma } => Some(format!("Gaussian sigma {sigma}")),
            Corruption::Masking { keep_probability } => Some(format!("masking, keep {keep_probability}")),
        }
    }

    /// Largest Gaussian sigma accepted: pixels live in [0, 1], so a sigma of 2 already drowns
    /// the digit; anything larger is a typo.
    pub const MAX_SIGMA: f64 = 2.0;

    /// Refuses parameters outside their range: sigma in (0, 2], keep probability in (0, 1].
    pub fn validate(&self) -> AeResult<()> {
        match *self {
            Corruption::None => Ok(()),
            Corruption::Gaussian { sigma } => ensure(
                sigma.is_finite() && sigma > 0.0 && sigma <= Self::MAX_SIGMA,
                || format!("Gaussian noise sigma must be in (0, {}], got {sigma}", Self::MAX_SIGMA),
            ),
            Corruption::Masking { keep_probability } => ensure(
                keep_probability.is_finite() && keep_probability > 0.0 && keep_probability <= 1.0,
                || format!("masking keep probability must be in (0, 1], got {keep_probability}"),
            ),
        }
    }

    /// Returns a corrupted copy of `clean`, drawing noise from the device's RNG.
    ///
    /// # Shapes
    /// - clean: `[batch, features]`
    /// - output: `[batch, features]`
    pub fn apply(&self, clean: Tensor<2>) -> Tensor<2> {
        let device = clean.device();
        let shape = clean.shape();
        match *self {
            Corruption::None => clean,
            Corruption::Gaussian { sigma } => {
                clean + random(shape.dims(), Distribution::Normal(0.0, sigma), &device)
            }
            Corruption::Masking { keep_probability } => {
                clean * random(shape.dims(), Distribution::Bernoulli(keep_probability), &device)
            }
        }
    }
}
