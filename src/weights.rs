//! A self-describing weight file: the configuration that made the model and its parameters.
//!
//! Layout (all integers little-endian):
//! `b"AESTUDIO"` · format version `u32` · config length `u32` · config JSON · burnpack bytes.
//! Loading treats the bytes as untrusted: every length is checked before use, and a record whose
//! tensors do not fit the configured model is refused.

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use crate::error::{AeError, AeResult};
use crate::model::{Autoencoder, AutoencoderConfig};

const MAGIC: &[u8; 8] = b"AESTUDIO";
/// Version of the layout written by [`to_bytes`].
pub const FORMAT_VERSION: u32 = 1;
/// Upper bound on the configuration's JSON, far above any real one.
const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// Serializes `model` (config and parameters). Reads the parameters synchronously, so on WebGPU
/// move the model to the CPU first.
pub fn to_bytes(model: &Autoencoder) -> AeResult<Vec<u8>> {
    let config = serde_json::to_vec(model.config()).map_err(|err| AeError::Weights(err.to_string()))?;
    let record = model.clone().into_record().into_bytes().map_err(|err| AeError::Weights(format!("{err:?}")))?;
    let mut bytes = Vec::with_capacity(16 + config.len() + record.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(config.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&config);
    bytes.extend_from_slice(&record);
    Ok(bytes)
}

/// Rebuilds the model stored in `bytes` on `device`.
pub fn from_bytes(bytes: &[u8], device: &Device) -> AeResult<Autoencoder> {
    let (config, record) = split(bytes)?;
    let model = config.init(device)?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(record.to_vec()))
        .map_err(|err| AeError::Weights(format!("the parameters are unreadable: {err:?}")))?;
    model
        .try_load_record(record)
        .map_err(|err| AeError::Weights(format!("the parameters do not fit the model ({}): {err:?}", config.describe())))
}

fn split(bytes: &[u8]) -> AeResult<(AutoencoderConfig, &[u8])> {
    let bad = |why: String| AeError::Weights(why);
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(bad("not an aestudio weight file (missing the AESTUDIO header)".into()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(bad(format!("format version {version} is not supported (this build reads version {FORMAT_VERSION})")));
    }
    let config_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
    if config_len > MAX_CONFIG_BYTES || 16 + config_len > bytes.len() {
        return Err(bad(format!("the file is truncated or corrupted (config of {config_len} bytes in a file of {})", bytes.len())));
    }
    let config: AutoencoderConfig = serde_json::from_slice(&bytes[16..16 + config_len])
        .map_err(|err| bad(format!("the stored configuration is not valid: {err}")))?;
    config.validate().map_err(|err| bad(format!("the stored configuration is refused: {err}")))?;
    Ok((config, &bytes[16 + config_len..]))
}
