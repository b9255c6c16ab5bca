//! Loss terms as small pure functions of tensors. Each returns per-element or per-sample values;
//! the caller chooses the reduction, so the same term serves training (batch mean) and evaluation
//! (sums over the test set).

use burn::prelude::*;

/// Binary cross-entropy between Bernoulli `targets` in [0, 1] and the `logits` of the predicted
/// probabilities, per element, in the numerically stable form
/// `max(x, 0) - x·z + ln(1 + e^(-|x|))`, which equals `-(z·ln σ(x) + (1-z)·ln(1-σ(x)))`
/// without ever taking the log of a probability that rounded to 0.
///
/// On the CPU it is one fused operation each way ([`crate::nn::fused_bce`]).
///
/// # Shapes
/// - logits, targets: `[batch, features]`
/// - output: `[batch, features]`
pub fn bce_with_logits(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<2> {
    crate::nn::fused_bce::bce_with_logits(logits, targets)
}

/// Squared error per element, `(prediction - target)²`.
///
/// # Shapes
/// - prediction, target: `[batch, features]`
/// - output: `[batch, features]`
pub fn squared_error(prediction: Tensor<2>, target: Tensor<2>) -> Tensor<2> {
    (prediction - target).powi_scalar(2)
}

/// KL divergence of the diagonal Gaussian `N(mean, exp(log_var))` from the standard normal prior,
/// per sample, in closed form: `-½ Σ (1 + log_var - mean² - exp(log_var))`.
///
/// # Shapes
/// - mean, log_var: `[batch, code]`
/// - output: `[batch]`
pub fn kl_to_standard_normal(mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let per_dimension = log_var.clone().add_scalar(1.0) - mean.powi_scalar(2) - log_var.exp();
    per_sample_sum(per_dimension).mul_scalar(-0.5)
}

/// A trimmed batch loss (Shen and Sanghavi's trimmed loss minimization, ICML 2019): the
/// `floor(share x batch)` samples with the largest `per_sample` loss get weight 0, the others
/// `batch / kept`, so the batch mean becomes the mean over the kept samples. Training on it, a
/// model never fits the few images a folder has that are unlike the rest, and so still finds
/// them unusual afterwards. The weights are constants: no gradient flows through the ranking.
///
/// # Shapes
/// - per_sample: `[batch]`
/// - output: `[batch]`
pub fn trimmed(per_sample: Tensor<1>, share: f64) -> Tensor<1> {
    let [batch] = per_sample.dims();
    let dropped = (batch as f64 * share).floor() as usize;
    if dropped == 0 || dropped >= batch {
        return per_sample;
    }
    let kept = batch - dropped;
    // A sample's rank in ascending order is the position of its index in the ascending argsort.
    let ranks = per_sample.clone().detach().argsort(0).argsort(0);
    let weights = ranks.lower_elem(kept as i64).float().mul_scalar(batch as f32 / kept as f32);
    per_sample * weights
}

/// Sums each row: the per-sample total of a per-element term.
///
/// # Shapes
/// - values: `[batch, features]`
/// - output: `[batch]`
pub fn per_sample_sum(values: Tensor<2>) -> Tensor<1> {
    values.sum_dim(1).squeeze_dim(1)
}

/// The L1 penalty of a sparse autoencoder: the summed magnitude of each sample's code, `Σ_j |h_j|`.
///
/// # Shapes
/// - code: `[batch, code]`
/// - output: `[batch]`
pub fn l1_activity(code: Tensor<2>) -> Tensor<1> {
    per_sample_sum(code.abs())
}

/// The KL sparsity penalty of a sparse autoencoder with codes in (0, 1): each unit's mean
/// activation over the batch, `ρ̂_j`, is compared with the target `rho` as two Bernoulli
/// distributions, `Σ_j ρ ln(ρ/ρ̂_j) + (1-ρ) ln((1-ρ)/(1-ρ̂_j))`. `ρ̂` is kept within 1e-6 of
/// 0 and 1 so the logs stay finite.
///
/// # Shapes
/// - code: `[batch, code]`, values in (0, 1)
/// - output: `[1]`, for the whole batch
pub fn kl_sparsity(code: Tensor<2>, rho: f64) -> Tensor<1> {
    let mean_activation = mean_activation(code).clamp(1e-6, 1.0 - 1e-6);
    let towards_one = mean_activation.clone().recip().mul_scalar(rho).log().mul_scalar(rho);
    let towards_zero = mean_activation.neg().add_scalar(1.0).recip().mul_scalar(1.0 - rho).log().mul_scalar(1.0 - rho);
    (towards_one + towards_zero).sum().reshape([1])
}

/// Mean activation of each code unit over a batch, `ρ̂_j` (what the KL sparsity penalty compares
/// with `rho`).
///
/// # Shapes
/// - code: `[batch, code]`
/// - output: `[code]`
pub fn mean_activation(code: Tensor<2>) -> Tensor<1> {
    code.mean_dim(0).squeeze_dim(0)
}

/// Squared Euclidean distance between every row of `a` and every row of `b`,
/// `‖a_i‖² + ‖b_j‖² − 2·a_i·b_j` (clamped at 0 against rounding).
///
/// # Shapes
/// - a: `[n, d]`, b: `[m, d]`
/// - output: `[n, m]`
pub fn squared_distances(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let a_norms = a.clone().powi_scalar(2).sum_dim(1);
    let b_norms = b.clone().powi_scalar(2).sum_dim(1).transpose();
    (a_norms + b_norms - a.matmul(b.transpose()).mul_scalar(2.0)).clamp_min(0.0)
}

/// The kernel scales of Tolstikhin et al.'s WAE-MMD on MNIST: multiples of `2·d·σ²`.
pub const MMD_SCALES: [f64; 7] = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0];

/// The unbiased estimate of the squared maximum mean discrepancy between `codes` and samples
/// `prior` of a prior of variance `prior_variance` per dimension, with the inverse multiquadratic
/// kernel `k(x, y) = C / (C + ‖x − y‖²)` summed over `C = 2·d·σ²·s`, `s` in [`MMD_SCALES`]:
/// `1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j) − 2/(nm) Σ_{i,j} k(x_i, y_j)`.
/// Zero for fewer than two codes or samples (no pair to compare).
///
/// # Shapes
/// - codes: `[n, d]`, prior: `[m, d]`
/// - output: `[1]`
pub fn mmd_inverse_multiquadratic(codes: Tensor<2>, prior: Tensor<2>, prior_variance: f64) -> Tensor<1> {
    let ([n, d], [m, _]) = (codes.dims(), prior.dims());
    if n < 2 || m < 2 {
        return Tensor::zeros([1], &codes.device());
    }
    let within_codes = squared_distances(codes.clone(), codes.clone());
    let within_prior = squared_distances(prior.clone(), prior.clone());
    let across = squared_distances(codes, prior);
    let (n, m) = (n as f64, m as f64);
    let kernel_sum = |distances: Tensor<2>, c: f64| distances.add_scalar(c).recip().mul_scalar(c).sum();
    let mut total: Option<Tensor<1>> = None;
    for scale in MMD_SCALES {
        let c = 2.0 * d as f64 * prior_variance * scale;
        // The diagonals of the within-set kernels are k(x, x) = 1: n and m of them.
        let term = (kernel_sum(within_codes.clone(), c).sub_scalar(n)).div_scalar(n * (n - 1.0))
            + (kernel_sum(within_prior.clone(), c).sub_scalar(m)).div_scalar(m * (m - 1.0))
            - kernel_sum(across.clone(), c).mul_scalar(2.0 / (n * m));
        total = Some(match total {
            Some(sum) => sum + term,
            None => term,
        });
    }
    total.expect("at least one scale")
}

/// `ln(2π)`, the constant of a Gaussian log-density.
const LN_TWO_PI: f64 = 1.837_877_066_409_345_3;

/// The log-density of `z` under the diagonal Gaussian `N(mean, exp(log_var))`, summed over the
/// code: `-½ Σ (ln 2π + log_var + (z - mean)² / exp(log_var))`.
///
/// # Shapes
/// - z, mean, log_var: `[batch, code]`
/// - output: `[batch]`
pub fn gaussian_log_density(z: Tensor<2>, mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let squared = (z - mean).powi_scalar(2) / log_var.clone().exp();
    per_sample_sum((squared + log_var).add_scalar(LN_TWO_PI)).mul_scalar(-0.5)
}

/// The log-density of `z` under the standard normal, summed over the code.
///
/// # Shapes
/// - z: `[batch, code]`
/// - output: `[batch]`
pub fn standard_normal_log_density(z: Tensor<2>) -> Tensor<1> {
    per_sample_sum(z.powi_scalar(2).add_scalar(LN_TWO_PI)).mul_scalar(-0.5)
}

/// `ln((1/k) Σ_j exp(w_j))` of each row, computed from its maximum so that no exponential
/// overflows: the importance-weighted bound (Burda et al. 2016) from `k` log weights
/// `w_j = ln p(x, z_j) - ln q(z_j | x)`.
///
/// # Shapes
/// - log_weights: `[rows, k]`
/// - output: `[rows]`
pub fn log_mean_exp(log_weights: Tensor<2>) -> Tensor<1> {
    let max = log_weights.clone().max_dim(1);
    let mean = (log_weights - max.clone()).exp().mean_dim(1);
    (mean.log() + max).squeeze_dim(1)
}

/// DEC's soft assignment of each code to each cluster centre: a Student's t kernel with one
/// degree of freedom, `q_ij ∝ (1 + ‖z_i − μ_j‖²)^-1`, normalized over the clusters (Xie et al.
/// 2016, eq. 1).
///
/// # Shapes
/// - codes: `[batch, d]`, centres: `[clusters, d]`
/// - output: `[batch, clusters]`, rows summing to 1
pub fn student_t_assignments(codes: Tensor<2>, centres: Tensor<2>) -> Tensor<2> {
    let kernel = squared_distances(codes, centres).add_scalar(1.0).recip();
    let totals = kernel.clone().sum_dim(1);
    kernel / totals
}

/// DEC's auxiliary target: each assignment squared and divided by its cluster's soft frequency
/// over the batch given, then normalized per row, `p_ij ∝ q_ij² / Σ_i q_ij` (eq. 3). It sharpens
/// confident assignments and keeps large clusters from taking over; computed over the whole
/// dataset, it is the fixed target of the next `update_interval` steps.
///
/// # Shapes
/// - assignments: `[n, clusters]`
/// - output: `[n, clusters]`, rows summing to 1
pub fn sharpened_targets(assignments: Tensor<2>) -> Tensor<2> {
    let frequencies = assignments.clone().sum_dim(0);
    let weighted = assignments.powi_scalar(2) / frequencies;
    let totals = weighted.clone().sum_dim(1);
    weighted / totals
}

/// The clustering loss `KL(P ‖ Q) = Σ_j p_ij log(p_ij / q_ij)`, averaged over the batch, with the
/// targets `P` held fixed (eq. 2). Probabilities are floored at 1e-12 inside the logarithms.
///
/// # Shapes
/// - targets, assignments: `[batch, clusters]`
/// - output: `[1]`
pub fn clustering_divergence(targets: Tensor<2>, assignments: Tensor<2>) -> Tensor<1> {
    let log_ratio = targets.clone().clamp_min(1e-12).log() - assignments.clamp_min(1e-12).log();
    (targets * log_ratio).sum_dim(1).mean()
}

/// Assignments made equal in size over the batch: the Sinkhorn-Knopp scaling SeLa and SwAV
/// apply to their targets. Each round scales every cluster's column to the same total and then
/// every row back to 1, so the rows stay distributions while the clusters even out; a batch
/// whose images all lean to one cluster gets targets that spread them.
///
/// # Shapes
/// - assignments, output: `[batch, clusters]`, rows summing to 1
pub fn balanced_assignments(assignments: Tensor<2>, rounds: usize) -> Tensor<2> {
    let [_, clusters] = assignments.dims();
    let mut balanced = assignments;
    for _ in 0..rounds {
        balanced = balanced.clone() / balanced.clone().sum_dim(0).mul_scalar(clusters as f64);
        balanced = balanced.clone() / balanced.clone().sum_dim(1);
    }
    balanced
}

/// How far each view's cluster assignment is from its image's target: `KL(p_i ‖ softmax(v_i))`,
/// with the targets `p` held fixed (as UDA's and SwAV's consistency terms hold theirs), so the
/// view is pulled to the image's target and not the image to a distortion of itself.
///
/// # Shapes
/// - targets: `[batch, clusters]`, rows summing to 1; view_logits: `[batch, clusters]`
/// - output: `[batch]`
pub fn assignment_consistency(targets: Tensor<2>, view_logits: Tensor<2>) -> Tensor<1> {
    let targets = targets.detach();
    let view_log_probabilities = burn::tensor::activation::log_softmax(view_logits, 1);
    let log_ratio = targets.clone().clamp_min(1e-12).log() - view_log_probabilities;
    per_sample_sum(targets * log_ratio)
}
