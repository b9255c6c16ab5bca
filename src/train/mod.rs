//! Training: the async trainer of a model's networks (alone, or data-parallel with replicas that
//! exchange flat gradients), the test-set evaluation, greedy layer-wise pretraining, and the
//! autoencoder as a regularizer of a classifier.

pub mod density;
pub mod evaluate;
pub mod fused_adam;
pub mod gradients;
pub mod layerwise;
pub mod likelihood;
pub mod pace;
pub mod readback;
pub mod replicas;
pub mod run_form;
pub mod semisupervised;
pub mod trainer;

pub use evaluate::{Evaluation, evaluate};
pub use pace::{Pace, PaceReport, Paced};
pub use readback::CriticReport;
pub use replicas::{NoReplicas, Replicas};
pub use trainer::{Progress, Trainer, TrainingConfig, train_model, train_model_with};
