//! The models: the autoencoder family, its configuration (serde data, stored in weight files),
//! the named presets, the objective that holds every per-variant decision, the adversarial
//! critic, the weight file, and the arithmetic cost of a model.

pub mod account;
pub mod autoencoder;
pub mod config;
pub mod cost;
pub mod critic;
pub mod discriminator;
pub mod objective;
pub mod preset;
pub mod prior;
pub mod weights;

pub use account::Account;
pub use autoencoder::{Autoencoder, Decoder, Encoder, Encoding, Network};
pub use config::{Architecture, AutoencoderConfig, Likelihood};
pub use critic::{Critic, CriticConfig, CriticTerms};
pub use discriminator::ImageCritic;
pub use objective::{LossTerms, Objective, ObjectiveChoice, PenaltyInputs, Scale};
pub use preset::Preset;
pub use prior::Prior;
