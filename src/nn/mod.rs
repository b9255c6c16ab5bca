//! The building blocks: dense and convolutional networks, input corruption, and the loss terms
//! as small pure functions.

pub mod augment;
pub mod classifier;
pub mod conv;
pub mod conv_gemm;
pub mod dense;
pub mod fused_bce;
pub mod loss;
pub(crate) mod matrix;
pub mod mlp;
pub mod noise;
pub mod pixelcnn;
pub mod random;
pub(crate) mod sparse;
