//! Principal component analysis of images: the linear baseline for reconstruction error.
//!
//! The covariance is accumulated in f64 chunk by chunk (never the whole data set as one matrix)
//! and diagonalized with `nalgebra`'s symmetric eigensolver. Past [`EXACT_UP_TO`] values per
//! image (a colour 32x32 image has 3,072, a 64x64 one 12,288) the covariance alone would take
//! hundreds of megabytes and its eigensolver minutes; there the top directions come from
//! randomized subspace iteration (Halko, Martinsson and Tropp 2011, algorithm 4.4), which reads
//! the data chunk by chunk a few times and never forms the covariance.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{AeResult, ensure};
use crate::data::Dataset;

const CHUNK: usize = 1024;
/// Images of at most this many values get the exact eigendecomposition (MNIST's 784, a grey
/// 32x32 image's 1,024).
pub const EXACT_UP_TO: usize = 1024;
/// Directions the randomized method tracks beyond those asked for, and its passes of power
/// iteration: with 10 and 4 the top directions' variances agree with the exact ones to well
/// under a percent on images (`tests/own_images.rs` compares them on MNIST).
const OVERSAMPLING: usize = 10;
const POWER_PASSES: usize = 4;

/// How the covariance's top eigenvectors are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// The whole covariance, diagonalized.
    Exact,
    /// Randomized subspace iteration, without the covariance.
    Randomized,
}

/// The top principal directions of a data set.
#[derive(Clone, Debug)]
pub struct Pca {
    mean: DVector<f64>,
    /// `[values, k]`, orthonormal columns in order of decreasing variance.
    components: DMatrix<f64>,
    /// Variance along each component, decreasing.
    pub explained_variance: Vec<f64>,
}

fn pixels_of(data: &Dataset, range: std::ops::Range<usize>) -> DMatrix<f64> {
    DMatrix::from_fn(range.len(), data.shape().values(), |row, col| data.image(range.start + row)[col] as f64 / 255.0)
}

/// `covariance(data) x directions`, the data read chunk by chunk: `Σ xᵢ (xᵢᵀ D) / n - μ (μᵀ D)`.
fn covariance_times(data: &Dataset, mean: &DVector<f64>, directions: &DMatrix<f64>) -> DMatrix<f64> {
    let mut product = DMatrix::<f64>::zeros(directions.nrows(), directions.ncols());
    for start in (0..data.len()).step_by(CHUNK) {
        let chunk = pixels_of(data, start..(start + CHUNK).min(data.len()));
        product.gemm_tr(1.0, &chunk, &(&chunk * directions), 1.0);
    }
    product / data.len() as f64 - mean * (mean.transpose() * directions)
}

impl Pca {
    /// Fits `components` principal directions (1 to the values of an image) to the images of
    /// `data`.
    pub fn fit(data: &Dataset, components: usize) -> AeResult<Pca> {
        let solver = if data.shape().values() <= EXACT_UP_TO { Solver::Exact } else { Solver::Randomized };
        Pca::fit_with(data, components, solver)
    }

    /// [`Pca::fit`] with the eigensolver chosen.
    pub fn fit_with(data: &Dataset, components: usize, solver: Solver) -> AeResult<Pca> {
        let values = data.shape().values();
        ensure((1..=values).contains(&components), || format!("PCA needs 1 to {values} components, got {components}"))?;
        ensure(data.len() >= 2, || "PCA needs at least two images".into())?;
        let n = data.len() as f64;
        let mut sum = DVector::<f64>::zeros(values);
        for start in (0..data.len()).step_by(CHUNK) {
            sum += pixels_of(data, start..(start + CHUNK).min(data.len())).row_sum().transpose();
        }
        let mean = sum / n;
        let (vectors, variances) = match solver {
            Solver::Exact => Self::exact(data, &mean),
            Solver::Randomized => Self::randomized(data, &mean, components),
        };
        let mut order: Vec<usize> = (0..variances.len()).collect();
        order.sort_by(|&a, &b| variances[b].total_cmp(&variances[a]));
        let order = &order[..components];
        let components = DMatrix::from_fn(values, components, |row, col| vectors[(row, order[col])]);
        let explained_variance = order.iter().map(|&i| variances[i].max(0.0)).collect();
        Ok(Pca { mean, components, explained_variance })
    }

    /// Every eigenvector and eigenvalue of the covariance, unordered.
    fn exact(data: &Dataset, mean: &DVector<f64>) -> (DMatrix<f64>, DVector<f64>) {
        let values = mean.len();
        let mut second_moment = DMatrix::<f64>::zeros(values, values);
        for start in (0..data.len()).step_by(CHUNK) {
            let chunk = pixels_of(data, start..(start + CHUNK).min(data.len()));
            second_moment.gemm_tr(1.0, &chunk, &chunk, 1.0);
        }
        let covariance = second_moment / data.len() as f64 - mean * mean.transpose();
        let eigen = SymmetricEigen::new(covariance);
        (eigen.eigenvectors, eigen.eigenvalues)
    }

    /// `components` + [`OVERSAMPLING`] approximate eigenvectors and eigenvalues of the covariance,
    /// unordered: a random start (seeded, so a fit is repeatable) through [`POWER_PASSES`] passes
    /// of `Q ← orth(C Q)`, then the covariance restricted to that subspace diagonalized exactly.
    fn randomized(data: &Dataset, mean: &DVector<f64>, components: usize) -> (DMatrix<f64>, DVector<f64>) {
        use rand::{RngExt, SeedableRng};
        let width = (components + OVERSAMPLING).min(mean.len());
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x9CA);
        let mut basis = DMatrix::from_fn(mean.len(), width, |_, _| rng.random::<f64>() - 0.5);
        for _ in 0..POWER_PASSES {
            basis = covariance_times(data, mean, &basis).qr().q();
        }
        let restricted = basis.transpose() * covariance_times(data, mean, &basis);
        let eigen = SymmetricEigen::new((&restricted + restricted.transpose()) * 0.5);
        (basis * eigen.eigenvectors, eigen.eigenvalues)
    }

    /// The cosines of the principal angles between the components' span and the span of
    /// `directions` (`count` rows of an image's values), largest first: all near 1 when the two
    /// subspaces coincide (the singular values of `componentsᵀ Q`, `Q` an orthonormal basis of
    /// the directions).
    pub fn subspace_cosines(&self, directions: &[f32], count: usize) -> AeResult<Vec<f64>> {
        let values = self.mean.len();
        ensure(count >= 1 && directions.len() == count * values, || format!("{count} directions need {} values, got {}", count * values, directions.len()))?;
        let basis = DMatrix::from_fn(values, count, |row, col| directions[col * values + row] as f64);
        let orthonormal = basis.qr().q();
        let overlap = self.components.transpose() * orthonormal;
        let mut cosines: Vec<f64> = overlap.singular_values().iter().map(|v| v.min(1.0)).collect();
        cosines.sort_by(|a, b| b.total_cmp(a));
        Ok(cosines)
    }

    /// Number of components kept.
    pub fn components(&self) -> usize {
        self.components.ncols()
    }

    /// The coordinates of each image of `data` along the components: `images × k` values, row by row.
    pub fn project(&self, data: &Dataset) -> Vec<f32> {
        let mut coordinates = Vec::with_capacity(data.len() * self.components());
        for start in (0..data.len()).step_by(CHUNK) {
            let mut chunk = pixels_of(data, start..(start + CHUNK).min(data.len()));
            for mut row in chunk.row_iter_mut() {
                row -= self.mean.transpose();
            }
            let codes = &chunk * &self.components;
            coordinates.extend(codes.row_iter().flat_map(|row| row.iter().map(|&v| v as f32).collect::<Vec<_>>()));
        }
        coordinates
    }

    /// Mean squared error per pixel of projecting each image of `data` onto the components and
    /// back: the PCA baseline's reconstruction error, and its anomaly score.
    pub fn reconstruction_errors(&self, data: &Dataset) -> Vec<f32> {
        let mut errors = Vec::with_capacity(data.len());
        for start in (0..data.len()).step_by(CHUNK) {
            let mut chunk = pixels_of(data, start..(start + CHUNK).min(data.len()));
            for mut row in chunk.row_iter_mut() {
                row -= self.mean.transpose();
            }
            let codes = &chunk * &self.components;
            let residual = &chunk - codes * self.components.transpose();
            errors.extend(residual.row_iter().map(|row| (row.norm_squared() / self.mean.len() as f64) as f32));
        }
        errors
    }

    /// Mean squared error per pixel of projecting `data` onto the components and back.
    pub fn reconstruction_mse(&self, data: &Dataset) -> f64 {
        let errors = self.reconstruction_errors(data);
        errors.iter().map(|&e| e as f64).sum::<f64>() / errors.len().max(1) as f64
    }
}
