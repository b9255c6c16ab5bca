//! Principal component analysis of images: the linear baseline for reconstruction error.
//!
//! The covariance is accumulated in f64 chunk by chunk (never the whole data set as one matrix)
//! and diagonalized with `nalgebra`'s symmetric eigensolver.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{AeResult, ensure};
use crate::data::Dataset;
use crate::data::PIXELS;

const CHUNK: usize = 1024;

/// The top principal directions of a data set.
#[derive(Clone, Debug)]
pub struct Pca {
    mean: DVector<f64>,
    /// `[784, k]`, orthonormal columns in order of decreasing variance.
    components: DMatrix<f64>,
    /// Variance along each component, decreasing.
    pub explained_variance: Vec<f64>,
}

fn pixels_of(data: &Dataset, range: std::ops::Range<usize>) -> DMatrix<f64> {
    DMatrix::from_fn(range.len(), PIXELS, |row, col| data.image(range.start + row)[col] as f64 / 255.0)
}

impl Pca {
    /// Fits `components` principal directions (1 to 784) to the images of `data`.
    pub fn fit(data: &Dataset, components: usize) -> AeResult<Pca> {
        ensure((1..=PIXELS).contains(&components), || format!("PCA needs 1 to {PIXELS} components, got {components}"))?;
        ensure(data.len() >= 2, || "PCA needs at least two images".into())?;
        let n = data.len() as f64;
        let mut sum = DVector::<f64>::zeros(PIXELS);
        let mut second_moment = DMatrix::<f64>::zeros(PIXELS, PIXELS);
        for start in (0..data.len()).step_by(CHUNK) {
            let chunk = pixels_of(data, start..(start + CHUNK).min(data.len()));
            sum += chunk.row_sum().transpose();
            second_moment.gemm_tr(1.0, &chunk, &chunk, 1.0);
        }
        let mean = sum / n;
        let covariance = second_moment / n - &mean * mean.transpose();
        let eigen = SymmetricEigen::new(covariance);
        let mut order: Vec<usize> = (0..PIXELS).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let order = &order[..components];
        let components = DMatrix::from_fn(PIXELS, components, |row, col| eigen.eigenvectors[(row, order[col])]);
        let explained_variance = order.iter().map(|&i| eigen.eigenvalues[i].max(0.0)).collect();
        Ok(Pca { mean, components, explained_variance })
    }

    /// The cosines of the principal angles between the components' span and the span of
    /// `directions` (`count` rows of 784 values), largest first: all near 1 when the two
    /// subspaces coincide (the singular values of `componentsᵀ Q`, `Q` an orthonormal basis of
    /// the directions).
    pub fn subspace_cosines(&self, directions: &[f32], count: usize) -> AeResult<Vec<f64>> {
        ensure(count >= 1 && directions.len() == count * PIXELS, || format!("{count} directions need {} values, got {}", count * PIXELS, directions.len()))?;
        let basis = DMatrix::from_fn(PIXELS, count, |row, col| directions[col * PIXELS + row] as f64);
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
            errors.extend(residual.row_iter().map(|row| (row.norm_squared() / PIXELS as f64) as f32));
        }
        errors
    }

    /// Mean squared error per pixel of projecting `data` onto the components and back.
    pub fn reconstruction_mse(&self, data: &Dataset) -> f64 {
        let errors = self.reconstruction_errors(data);
        errors.iter().map(|&e| e as f64).sum::<f64>() / errors.len().max(1) as f64
    }
}
