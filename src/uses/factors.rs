//! What a VAE's code holds, unit by unit: the survey's claim that the N(0, I) prior pushes the
//! code towards uncorrelated, disentangled factors, measured. Per unit the KL of the posterior
//! to the prior (a unit at zero carries nothing: posterior collapse), the units that are active
//! (Burda et al. 2016: the posterior mean varies with the image, variance above 0.01), the
//! correlation of the posterior means, and the total correlation of the aggregate posterior
//! (Watanabe 1960; estimated as in Chen et al. 2018 over the whole set).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::data::Dataset;
use crate::error::{AeResult, ensure};
use crate::model::Autoencoder;
use crate::uses::explore::read_floats;

/// A unit is active when its posterior mean's variance over the images exceeds this.
pub const ACTIVE_UNIT_THRESHOLD: f64 = 0.01;
/// Images the total correlation is estimated over (its cost grows with their square).
pub const TOTAL_CORRELATION_IMAGES: usize = 2000;

/// The posterior of a VAE over a set of images, per code unit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PosteriorFactors {
    /// Mean over the images of each unit's KL(q(z_j|x) ‖ N(0, 1)), nats; they sum to the KL term.
    pub unit_kl: Vec<f64>,
    /// Their sum: the KL term of the objective, per image.
    pub kl: f64,
    /// Variance over the images of each unit's posterior mean.
    pub activity: Vec<f64>,
    /// Units whose activity exceeds [`ACTIVE_UNIT_THRESHOLD`].
    pub active_units: usize,
    /// Pearson correlation of the posterior means, `code x code`, row-major (0 for a constant unit).
    pub correlation: Vec<f64>,
    /// KL(q(z) ‖ Π_j q(z_j)) of the aggregate posterior, nats: 0 when the units are independent.
    pub total_correlation: f64,
    pub images: usize,
}

impl PosteriorFactors {
    /// The mean magnitude of the correlations between distinct active units (0 with fewer than
    /// two): how far the code is from uncorrelated.
    pub fn mean_abs_correlation(&self) -> f64 {
        let code = self.unit_kl.len();
        let active: Vec<usize> = (0..code).filter(|&j| self.activity[j] > ACTIVE_UNIT_THRESHOLD).collect();
        let pairs: Vec<f64> = active.iter().flat_map(|&a| active.iter().filter(move |&&b| b > a).map(move |&b| self.correlation[a * code + b].abs())).collect();
        if pairs.is_empty() { 0.0 } else { pairs.iter().sum::<f64>() / pairs.len() as f64 }
    }
}

/// The posterior factors of `model` (a VAE) over `data`, encoded `batch_size` at a time.
pub async fn posterior_factors(model: &Autoencoder, data: &Dataset, batch_size: usize) -> AeResult<PosteriorFactors> {
    ensure(model.config().objective.is_variational(), || "per-unit KL and total correlation need a VAE's posterior".into())?;
    ensure(data.len() >= 2 && batch_size >= 1, || "the factors need at least two images".into())?;
    let device = crate::backend::device_of(model)?;
    let code = model.config().code_size;
    let indices: Vec<usize> = (0..data.len()).collect();
    let (mut means, mut log_vars) = (Vec::new(), Vec::new());
    for chunk in indices.chunks(batch_size) {
        let encoding = model.encode(data.batch(chunk, &device));
        means.push(encoding.mean);
        log_vars.push(encoding.log_var.expect("a VAE's posterior has a variance"));
    }
    let means: Vec<f64> = read_floats(burn::tensor::Tensor::cat(means, 0)).await?.into_iter().map(f64::from).collect();
    let log_vars: Vec<f64> = read_floats(burn::tensor::Tensor::cat(log_vars, 0)).await?.into_iter().map(f64::from).collect();
    Ok(factors_of(&means, &log_vars, code))
}

/// [`PosteriorFactors`] from the posterior means and log-variances of `n` images (`n x code`).
pub fn factors_of(means: &[f64], log_vars: &[f64], code: usize) -> PosteriorFactors {
    let n = means.len() / code;
    let column = |values: &[f64], j: usize| (0..n).map(move |i| values[i * code + j]).collect::<Vec<f64>>();
    let unit_kl: Vec<f64> = (0..code)
        .map(|j| column(means, j).iter().zip(column(log_vars, j)).map(|(m, lv)| 0.5 * (m * m + lv.exp() - lv - 1.0)).sum::<f64>() / n as f64)
        .collect();
    let centred: Vec<Vec<f64>> = (0..code)
        .map(|j| {
            let values = column(means, j);
            let mean = values.iter().sum::<f64>() / n as f64;
            values.into_iter().map(|v| v - mean).collect()
        })
        .collect();
    let covariance = |a: usize, b: usize| centred[a].iter().zip(&centred[b]).map(|(x, y)| x * y).sum::<f64>() / (n as f64 - 1.0);
    let activity: Vec<f64> = (0..code).map(|j| covariance(j, j)).collect();
    let correlation = (0..code * code)
        .map(|cell| {
            let (a, b) = (cell / code, cell % code);
            let scale = (activity[a] * activity[b]).sqrt();
            if scale > 0.0 { covariance(a, b) / scale } else { 0.0 }
        })
        .collect();
    let m = n.min(TOTAL_CORRELATION_IMAGES);
    PosteriorFactors {
        kl: unit_kl.iter().sum(),
        unit_kl,
        active_units: activity.iter().filter(|&&a| a > ACTIVE_UNIT_THRESHOLD).count(),
        activity,
        correlation,
        total_correlation: total_correlation(&means[..m * code], &log_vars[..m * code], code, 1),
        images: n,
    }
}

/// The total correlation of the aggregate posterior `q(z) = (1/n) Σ_i q(z|x_i)` of `n` diagonal
/// Gaussians: one draw `z_i ~ q(z|x_i)` per image (seeded), and
/// `mean_i [ln q(z_i) - Σ_j ln q(z_ij)]`, each density the mixture over all `n` posteriors.
pub fn total_correlation(means: &[f64], log_vars: &[f64], code: usize, seed: u64) -> f64 {
    const LN_TWO_PI: f64 = 1.837_877_066_409_345_3;
    let n = means.len() / code;
    let mut rng = StdRng::seed_from_u64(seed);
    // Box-Muller: a standard normal from two uniforms (1 - u keeps the log finite).
    let mut normal = || (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt() * (std::f64::consts::TAU * rng.random::<f64>()).cos();
    let draws: Vec<f64> = (0..n * code).map(|k| means[k] + (0.5 * log_vars[k]).exp() * normal()).collect();
    // The n² x code densities dominate (most of a second for 1,000 images in the page): each
    // posterior's normalizer and precision are computed once, not once per draw.
    let normalizers: Vec<f64> = log_vars.iter().map(|lv| LN_TWO_PI + lv).collect();
    let precisions: Vec<f64> = log_vars.iter().map(|lv| (-lv).exp()).collect();
    let log_density = |z: f64, k: usize| -0.5 * (normalizers[k] + (z - means[k]).powi(2) * precisions[k]);
    let log_mean_exp = |values: &[f64]| {
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        max + (values.iter().map(|v| (v - max).exp()).sum::<f64>() / values.len() as f64).ln()
    };
    let mut total = 0.0;
    let (mut joint, mut marginal) = (vec![0.0; n], vec![vec![0.0; n]; code]);
    for i in 0..n {
        for (other, joint_term) in joint.iter_mut().enumerate() {
            *joint_term = 0.0;
            for (j, unit) in marginal.iter_mut().enumerate() {
                let term = log_density(draws[i * code + j], other * code + j);
                unit[other] = term;
                *joint_term += term;
            }
        }
        total += log_mean_exp(&joint) - marginal.iter().map(|unit| log_mean_exp(unit)).sum::<f64>();
    }
    total / n as f64
}
