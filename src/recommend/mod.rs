//! Recommendation with autoencoders, the survey's application of AutoRec (Sedhain et al. 2015):
//! the model and its masked objective, the rating vectors it reconstructs, its trainer and test
//! RMSE, its weight file, recommendations for a new visitor, and the baselines it is measured
//! against.

pub mod autorec;
pub mod baselines;
pub mod fold_in;
pub mod rows;
pub mod train;
pub mod visitor;
pub mod weights;

pub use autorec::{AutoRec, AutoRecConfig, Orientation};
pub use rows::RatingRows;
pub use train::{AutoRecTrainer, AutoRecTraining};
