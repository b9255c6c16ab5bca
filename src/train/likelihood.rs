//! Test-set negative log-likelihoods in nats, the figure the density-model literature compares:
//! the importance-weighted estimate for latent-variable models (Burda et al. 2016) and the exact
//! value for a plain PixelCNN. Meaningful on binary pixels (dynamically binarized MNIST, the test
//! set binarized once); on grey levels the same numbers are cross-entropies, not likelihoods.

use burn::prelude::*;
use burn::tensor::Distribution;

use crate::data::Dataset;
use crate::error::{AeResult, ensure};
use crate::model::{Autoencoder, Likelihood, Objective};
use crate::nn::loss::{bce_with_logits, gaussian_log_density, log_mean_exp, per_sample_sum, standard_normal_log_density};
use crate::nn::pixelcnn::PixelCnn;
use crate::uses::explore::read_floats;

/// A test-set negative log-likelihood, in nats per image.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NllEstimate {
    /// Mean over the images of `-ln p(x)` (or of its importance-weighted upper bound).
    pub nll: f64,
    /// Standard error of that mean over the images.
    pub standard_error: f64,
    /// Importance samples per image (1 for the exact likelihood of a plain PixelCNN).
    pub samples: usize,
    pub images: usize,
}

impl NllEstimate {
    fn of(per_image: &[f32], samples: usize) -> NllEstimate {
        let n = per_image.len() as f64;
        let mean = per_image.iter().map(|&v| v as f64).sum::<f64>() / n;
        let variance = per_image.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        NllEstimate { nll: mean, standard_error: (variance / n).sqrt(), samples, images: per_image.len() }
    }
}

/// Refuses a model that defines no density of the pixels: only a VAE (any beta, any decoder)
/// with Bernoulli pixels has `p(x) = ∫ p(x|z) p(z) dz` with a posterior to sample `z` from.
fn ensure_density(model: &Autoencoder) -> AeResult<()> {
    let config = model.config();
    ensure(matches!(config.objective, Objective::Variational { .. }), || {
        format!("{} has no likelihood to estimate: only a VAE (with its prior and posterior) defines one", config.objective.label())
    })?;
    ensure(config.likelihood == Likelihood::Bernoulli, || "a likelihood in nats needs Bernoulli pixels".into())
}

/// The importance-weighted estimate of each image's `-ln p(x)` (Burda et al. 2016): with `k`
/// codes `z_j` drawn from the posterior `q(z|x)`,
/// `-ln (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x)`, an upper bound on the NLL that tightens as `k`
/// grows; `k = 1` is the (one-sample) negative ELBO. A PixelCNN decoder's `p(x|z)` is one
/// teacher-forced pass. At most `rows_per_pass` (image, code) pairs go through the decoder at
/// once; one readback at the end.
pub async fn importance_weighted_nll(model: &Autoencoder, data: &Dataset, k: usize, rows_per_pass: usize) -> AeResult<NllEstimate> {
    ensure_density(model)?;
    ensure(!data.is_empty(), || "cannot estimate a likelihood on an empty dataset".into())?;
    ensure(k >= 1 && rows_per_pass >= 1, || "at least one importance sample and one row per pass".into())?;
    let device = crate::backend::device_of(model)?;
    let images_per_pass = (rows_per_pass / k).max(1);
    let samples_per_pass = k.min(rows_per_pass);
    let indices: Vec<usize> = (0..data.len()).collect();
    let mut per_image = Vec::new();
    for group in indices.chunks(images_per_pass) {
        let images = data.batch(group, &device);
        let mut log_weights = Vec::new();
        for start in (0..k).step_by(samples_per_pass) {
            log_weights.push(log_weights_of(model, images.clone(), samples_per_pass.min(k - start)));
        }
        per_image.push(log_mean_exp(Tensor::cat(log_weights, 1)).neg());
    }
    Ok(NllEstimate::of(&read_floats(Tensor::cat(per_image, 0)).await?, k))
}

/// `ln p(x|z_j) + ln p(z_j) - ln q(z_j|x)` for `samples` codes drawn from each image's posterior.
///
/// # Shapes
/// - images: `[g, values]`
/// - output: `[g, samples]`
fn log_weights_of(model: &Autoencoder, images: Tensor<2>, samples: usize) -> Tensor<2> {
    let [g, values] = images.dims();
    let encoding = model.encode(images.clone());
    let log_var = encoding.log_var.expect("a VAE's posterior has a variance");
    let code = encoding.mean.dims()[1];
    let repeat = |t: Tensor<2>, width: usize| t.unsqueeze_dim::<3>(1).repeat_dim(1, samples).reshape([g * samples, width]);
    let (mean, log_var, images) = (repeat(encoding.mean, code), repeat(log_var, code), repeat(images, values));
    let epsilon = mean.random_like(Distribution::Normal(0.0, 1.0));
    let z = mean.clone() + log_var.clone().mul_scalar(0.5).exp() * epsilon;
    let log_likelihood = per_sample_sum(bce_with_logits(model.decode_given(z.clone(), images.clone()), images)).neg();
    let weights = log_likelihood + standard_normal_log_density(z.clone()) - gaussian_log_density(z, mean, log_var);
    weights.reshape([g, samples])
}

/// The exact NLL of a plain PixelCNN: `-Σ_i ln p(x_i | x_<i)`, one pass per batch.
pub async fn pixelcnn_nll(model: &PixelCnn, data: &Dataset, batch_size: usize) -> AeResult<NllEstimate> {
    ensure(!data.is_empty() && batch_size >= 1, || "a likelihood needs images and a batch size of at least 1".into())?;
    let device = crate::backend::device_of(model)?;
    let indices: Vec<usize> = (0..data.len()).collect();
    let per_image: Vec<Tensor<1>> = indices
        .chunks(batch_size)
        .map(|chunk| {
            let images = data.batch(chunk, &device);
            per_sample_sum(bce_with_logits(model.forward(images.clone(), None), images))
        })
        .collect();
    Ok(NllEstimate::of(&read_floats(Tensor::cat(per_image, 0)).await?, 1))
}
