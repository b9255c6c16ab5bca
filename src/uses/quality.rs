//! The sample-quality yardstick: the Fréchet distance between a model's samples and the test set
//! in the penultimate features of this project's classifier ("FID on MNIST"), and how evenly the
//! samples cover the classes the classifier sees in them (a collapsed model covers few).

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::Serialize;

use crate::error::{AeResult, ensure};

/// The mean and covariance of a set of feature vectors.
#[derive(Clone, Debug)]
pub struct FeatureStatistics {
    pub mean: DVector<f64>,
    pub covariance: DMatrix<f64>,
    pub count: usize,
}

impl FeatureStatistics {
    /// The statistics of `features`, rows of `width` values (the covariance with `n − 1`).
    pub fn of(features: &[f32], width: usize) -> AeResult<FeatureStatistics> {
        ensure(width >= 1 && features.len().is_multiple_of(width), || format!("features come as rows of {width} values"))?;
        let count = features.len() / width;
        ensure(count >= 2, || "a covariance needs at least two feature vectors".into())?;
        let rows = DMatrix::from_row_slice(count, width, &features.iter().map(|&v| v as f64).collect::<Vec<_>>());
        let mean = rows.row_mean().transpose();
        let mut centred = rows;
        for mut row in centred.row_iter_mut() {
            row -= mean.transpose();
        }
        let covariance = centred.transpose() * &centred / (count - 1) as f64;
        Ok(FeatureStatistics { mean, covariance, count })
    }
}

/// The square root of a symmetric positive semi-definite matrix (negative rounding clamped).
fn psd_sqrt(matrix: &DMatrix<f64>) -> DMatrix<f64> {
    let eigen = SymmetricEigen::new(matrix.clone());
    let roots = eigen.eigenvalues.map(|value| value.max(0.0).sqrt());
    &eigen.eigenvectors * DMatrix::from_diagonal(&roots) * eigen.eigenvectors.transpose()
}

/// The Fréchet distance between the Gaussians fitted to two feature sets,
/// `‖μa − μb‖² + Tr(Σa + Σb − 2(Σa Σb)^½)`. `Tr((Σa Σb)^½)` is computed as the trace of the
/// square root of the symmetric `Σa^½ Σb Σa^½`, which has the same eigenvalues.
pub fn frechet_distance(a: &FeatureStatistics, b: &FeatureStatistics) -> AeResult<f64> {
    ensure(a.mean.len() == b.mean.len(), || format!("feature widths differ: {} and {}", a.mean.len(), b.mean.len()))?;
    let root_a = psd_sqrt(&a.covariance);
    let middle = &root_a * &b.covariance * &root_a;
    let middle = (&middle + middle.transpose()) / 2.0;
    let cross_trace: f64 = SymmetricEigen::new(middle).eigenvalues.iter().map(|value| value.max(0.0).sqrt()).sum();
    Ok((&a.mean - &b.mean).norm_squared() + a.covariance.trace() + b.covariance.trace() - 2.0 * cross_trace)
}

/// How the predicted classes of a model's samples are spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassCoverage {
    /// Share of the samples given to each class.
    pub shares: Vec<f64>,
    /// Entropy of the shares over `ln(classes)`: 1 when every class is as frequent, 0 for one.
    pub evenness: f64,
    /// Classes given at least a tenth of an even share.
    pub covered: usize,
}

/// The spread of `predicted` classes (each below `classes`).
pub fn class_coverage(predicted: &[u8], classes: usize) -> AeResult<ClassCoverage> {
    ensure(!predicted.is_empty() && classes >= 2, || "coverage needs samples and at least two classes".into())?;
    let mut counts = vec![0usize; classes];
    for &class in predicted {
        ensure((class as usize) < classes, || format!("class {class} is not below {classes}"))?;
        counts[class as usize] += 1;
    }
    let shares: Vec<f64> = counts.iter().map(|&count| count as f64 / predicted.len() as f64).collect();
    let entropy: f64 = shares.iter().filter(|&&share| share > 0.0).map(|&share| -share * share.ln()).sum();
    let covered = shares.iter().filter(|&&share| share >= 0.1 / classes as f64).count();
    Ok(ClassCoverage { evenness: entropy / (classes as f64).ln(), covered, shares })
}
