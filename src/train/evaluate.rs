//! The test-set evaluation: the model's full training objective and its parts, and the
//! reconstruction figures every model shares (BCE and squared error per pixel). One readback.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::data::Dataset;
use crate::error::{AeError, AeResult, ensure};
use crate::model::prior::CLASSES;
use crate::model::{Autoencoder, Likelihood, Scale};
use crate::nn::loss::{bce_with_logits, squared_error};

/// Test-set figures of a model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// The training objective on this set, every term included, in `scale`'s unit: what the
    /// training loss is compared with.
    pub loss: f64,
    /// The unit of `loss` and `reconstruction`: per sample (a VAE's ELBO) or per pixel.
    pub scale: Scale,
    /// The reconstruction part of `loss`, in the same unit.
    pub reconstruction: f64,
    /// Mean KL divergence per sample (variational objectives).
    pub kl_per_sample: Option<f64>,
    /// Mean penalty per batch before its weight (sparse, contractive and adversarial objectives).
    pub penalty: Option<f64>,
    /// Binary cross-entropy per pixel of the reconstructions.
    pub bce_per_pixel: f64,
    /// Squared error per pixel of the reconstructions (`sigmoid(logits)` against the image).
    pub mse_per_pixel: f64,
    /// Images evaluated.
    pub samples: usize,
}

impl Evaluation {
    /// The figures in one line, as the page shows them: the objective with its unit, then its
    /// parts and the reconstruction figures every model shares.
    pub fn summary(&self) -> String {
        let kl = self.kl_per_sample.map(|kl| format!(", KL {kl:.2}")).unwrap_or_default();
        let penalty = self.penalty.map(|penalty| format!(", penalty {penalty:.4} before its weight")).unwrap_or_default();
        format!(
            "{:.4} {} (reconstruction {:.4}{kl}{penalty}; per-pixel BCE {:.4}, MSE {:.5})",
            self.loss,
            self.scale.unit(),
            self.reconstruction,
            self.bce_per_pixel,
            self.mse_per_pixel
        )
    }
}

/// Evaluates `model` on every image of `data`, `batch_size` at a time, with the model's own
/// objective: inputs corrupted as in training, and for a VAE one code sampled per image
/// (as PyTorch's example does). A penalty that depends on the batch (the KL sparsity's mean
/// activations) is taken per batch and averaged, weighted by batch size. One readback at the end.
pub async fn evaluate(model: &Autoencoder, data: &Dataset, batch_size: usize) -> AeResult<Evaluation> {
    ensure(!data.is_empty(), || "cannot evaluate on an empty dataset".into())?;
    ensure(batch_size >= 1, || "batch size must be at least 1".into())?;
    model.check_images(data.shape())?;
    let device = crate::backend::device_of(model)?;
    let config = model.config();
    let indices: Vec<usize> = (0..data.len()).collect();
    // [objective, reconstruction, bce, squared error, kl, penalty] summed over images, on the device.
    let mut totals: Option<Tensor<1>> = None;
    for chunk in indices.chunks(batch_size) {
        let clean = data.batch(chunk, &device);
        let input = config.corruption.apply(clean.clone());
        let labels = config.objective.needs_labels().then(|| data.one_hot(chunk, CLASSES, &device));
        let (terms, logits) = model.loss_and_logits(input, clean.clone(), labels);
        let reconstruction = terms.reconstruction.sum();
        // The likelihood's loss is the reconstruction already summed (computing it again cost a
        // third of the evaluation: BCE is an exp and a log1p per pixel).
        let (bce, squared) = match config.likelihood {
            Likelihood::Bernoulli => (reconstruction.clone(), squared_error(sigmoid(logits), clean).sum()),
            Likelihood::Gaussian => (bce_with_logits(logits, clean).sum(), reconstruction.clone()),
            // A linear output is no probability: its BCE is that of the output clamped into (0, 1).
            Likelihood::Linear => (bce_of_clamped(logits, clean).sum(), reconstruction.clone()),
        };
        let images = chunk.len() as f64;
        let zero = || Tensor::zeros([1], &device);
        let kl = terms.kl.map(|kl| kl.sum()).unwrap_or_else(zero);
        let penalty = terms.penalty.map(|penalty| penalty.mul_scalar(images)).unwrap_or_else(zero);
        let batch_totals = Tensor::cat(vec![terms.objective.mul_scalar(images), reconstruction, bce, squared, kl, penalty], 0);
        totals = Some(match totals {
            Some(sum) => sum + batch_totals,
            None => batch_totals,
        });
    }
    let totals = totals.expect("at least one batch").into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
    let totals: Vec<f32> = totals.try_to_vec().map_err(|err| AeError::Backend(format!("{err:?}")))?;
    let n = data.len() as f64;
    let values = config.image.values();
    let pixels = n * values as f64;
    let scale = config.objective.scale();
    Ok(Evaluation {
        loss: totals[0] as f64 / n,
        scale,
        reconstruction: totals[1] as f64 / n / scale.divisor(values),
        kl_per_sample: config.objective.is_variational().then(|| totals[4] as f64 / n),
        penalty: config.objective.penalty_weight().map(|_| totals[5] as f64 / n),
        bce_per_pixel: totals[2] as f64 / pixels,
        mse_per_pixel: totals[3] as f64 / pixels,
        samples: data.len(),
    })
}

/// Binary cross-entropy of outputs clamped to [1e-6, 1 - 1e-6], as probabilities (for a linear
/// decoder, whose outputs are not logits).
///
/// # Shapes
/// - outputs, clean: `[batch, 784]`
fn bce_of_clamped(outputs: Tensor<2>, clean: Tensor<2>) -> Tensor<2> {
    let p = outputs.clamp(1e-6, 1.0 - 1e-6);
    let q = p.clone().neg().add_scalar(1.0);
    (clean.clone() * p.log() + clean.neg().add_scalar(1.0) * q.log()).neg()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_the_objective_in_its_unit_then_its_parts() {
        let evaluation = Evaluation {
            loss: 105.654_32,
            scale: Scale::PerSample,
            reconstruction: 80.123_46,
            kl_per_sample: Some(25.531),
            penalty: None,
            bce_per_pixel: 0.102_19,
            mse_per_pixel: 0.011_234_5,
            samples: 10_000,
        };
        assert_eq!(
            evaluation.summary(),
            "105.6543 per sample (reconstruction 80.1235, KL 25.53; per-pixel BCE 0.1022, MSE 0.01123)"
        );
        let sparse = Evaluation { scale: Scale::PerPixel, kl_per_sample: None, penalty: Some(0.5), ..evaluation };
        assert!(sparse.summary().contains("per pixel (reconstruction 80.1235, penalty 0.5000 before its weight; "));
    }
}
