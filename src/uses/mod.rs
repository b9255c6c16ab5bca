//! The uses of a code: looking inside a model (denoising, sampling, the latent map), linear
//! probes, k-means, anomaly scores, the posterior's factors unit by unit, and PCA, the linear baseline every autoencoder must beat; and
//! the yardstick of generated samples (a classifier trained here, and the Fréchet distance in its
//! features).

pub mod anomaly;
pub mod classifier;
pub mod cluster;
pub mod deep_clustering;
pub mod explore;
pub mod factors;
pub mod folder;
pub mod folder_groups;
pub mod pca;
pub mod probe;
pub mod quality;
pub mod terms;
