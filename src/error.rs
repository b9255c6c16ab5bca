//! The one error type of the crate. Every fallible public function returns it, and `web.rs`
//! turns it into a JavaScript `Error` with the same message.

/// What can go wrong, each with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum AeError {
    /// A configuration that cannot work, refused before anything runs.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A data file that is missing, truncated, or fails its checksum.
    #[error("data: {0}")]
    Data(String),
    /// The loss became NaN or infinite; the last good weights were kept.
    #[error(
        "training diverged at epoch {epoch}, step {step}: the loss became {loss}; \
         the last good weights were kept (try a lower learning rate)"
    )]
    Diverged { epoch: usize, step: usize, loss: f32 },
    /// An adversarial game collapsed; the weights from before its symptoms began were kept.
    #[error(
        "training collapsed at step {step}: {reason}; the weights from before it began were kept \
         (try a lower learning rate, a smaller adversarial weight, or more critic steps)"
    )]
    Collapsed { step: usize, reason: String },
    /// A weight file that is malformed or does not match its model.
    #[error("weights: {0}")]
    Weights(String),
    /// The compute backend failed (device lost, readback error, no adapter).
    #[error("backend: {0}")]
    Backend(String),
}

/// Shorthand for results of this crate.
pub type AeResult<T> = std::result::Result<T, AeError>;

/// Refuses a learning rate outside (0, 1] (or not a number).
pub(crate) fn ensure_learning_rate(learning_rate: f64) -> AeResult<()> {
    ensure(learning_rate.is_finite() && learning_rate > 0.0 && learning_rate <= 1.0, || {
        format!("learning rate must be in (0, 1], got {learning_rate}")
    })
}

/// Refuses a configuration with `message` unless `condition` holds.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> AeResult<()> {
    if condition {
        Ok(())
    } else {
        Err(AeError::InvalidConfig(message()))
    }
}
