//! The uses of a code: looking inside a model (denoising, sampling, the latent map), linear
//! probes, k-means, anomaly scores, and PCA, the linear baseline every autoencoder must beat.

pub mod anomaly;
pub mod cluster;
pub mod explore;
pub mod pca;
pub mod probe;
