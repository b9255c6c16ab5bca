//! aestudio: the autoencoder family of Bank, Koenigstein and Giryes's survey, built on `burn`,
//! trained and run natively or in the browser (WebAssembly, on WebGPU or on the CPU).
//!
//! The folders are the layers of the design:
//! - [`nn`]: the building blocks (dense and convolutional networks, input corruption, loss terms);
//! - [`model`]: the autoencoder, its configuration and presets, the [`model::Objective`] that holds
//!   every per-variant decision, the adversarial critic, the weight file, the FLOP counts;
//! - [`train`]: the trainer of a model's networks (alone or data-parallel), evaluation, greedy
//!   layer-wise pretraining, the autoencoder as a regularizer of a classifier;
//! - [`data`]: IDX datasets checked against their checksums, the image size, drawings as inputs;
//! - [`uses`]: what a code is good for (exploring a model, probes, k-means, anomaly scores, PCA);
//! - [`recommend`]: AutoRec on MovieLens ratings, with its baselines;
//! - `record` (native only): result records and the docs' tables rendered from them;
//! - [`backend`]: choosing the device (WebGPU on a real adapter, else the CPU);
//! - the two interfaces: `web` (wasm only, the one `#[wasm_bindgen]` file) and the command line
//!   (`src/cli/`, in the binary).

pub mod backend;
pub mod data;
pub mod error;
pub mod model;
pub mod nn;
pub mod recommend;
#[cfg(not(target_arch = "wasm32"))]
pub mod record;
pub mod train;
pub mod uses;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::AeError;
