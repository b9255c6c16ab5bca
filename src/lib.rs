//! aestudio: the autoencoder family (plain, denoising, variational, beta-VAE) built on `burn`,
//! trained and run natively or in the browser (WebAssembly, on WebGPU or on the CPU).
//!
//! One concept per module:
//! - [`mlp`] and [`conv`]: the encoder and decoder building blocks;
//! - [`layerwise`]: greedy layer-wise pretraining of a dense autoencoder;
//! - [`model`]: the autoencoder that combines them, configured by [`model::AutoencoderConfig`];
//! - [`noise`]: input corruption for denoising autoencoders;
//! - [`explore`]: denoising one input, sampling, interpolation, the latent map, traversals;
//! - [`anomaly`]: reconstruction error as an anomaly score, AUROC, score histograms;
//! - [`cluster`]: k-means++ on codes, scored by matched accuracy and NMI;
//! - [`probe`]: linear probes (softmax and linear SVM) on frozen features;
//! - [`semisupervised`]: a classifier trained jointly with a decoder, for few labels;
//! - [`pca`]: principal component analysis, the linear baseline every autoencoder must beat;
//! - [`preprocess`]: a drawing turned into an MNIST-like 28x28 input;
//! - [`loss`]: the loss terms, small pure functions;
//! - [`mnist`]: the IDX data files, checked against their published checksums;
//! - [`train`]: the async training loop (alone, or data-parallel with replicas) and the test-set evaluation;
//! - [`gradients`]: gradients as one flat vector, as data-parallel replicas exchange them;
//! - [`weights`]: the weight file (safetensors with the config in its metadata);
//! - [`cost`]: the FLOPs of a forward pass and of a training step, for the benchmark;
//! - [`backend`]: choosing the device (WebGPU on a real adapter, else the CPU);
//! - `web` (wasm only): the JavaScript-facing session.

pub mod anomaly;
pub mod backend;
pub mod cluster;
pub mod conv;
pub mod cost;
pub mod error;
pub mod explore;
pub mod gradients;
pub mod layerwise;
pub mod loss;
pub mod mlp;
pub mod mnist;
pub mod model;
pub mod noise;
pub mod pca;
pub mod probe;
pub mod preprocess;
pub mod semisupervised;
pub mod train;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::AeError;
