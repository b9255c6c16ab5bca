//! Choosing where the math runs.
//!
//! The CPU backend is burn's `flex` (pure Rust; built with SIMD for wasm). In a browser, WebGPU is
//! used only on a real adapter: a fallback adapter (SwiftShader, the CPU emulation Chromium offers
//! without a GPU) is far slower than `flex`, so it counts as "no GPU".

use burn::prelude::*;
use serde::Serialize;

/// The compute backend of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn's wgpu backend on WebGPU (or a native graphics API).
    Gpu,
}

/// The CPU device.
pub fn cpu_device() -> Device {
    Device::flex()
}

/// Every CPU backend compiled in, by name: `flex` always, `ndarray` with the feature of that name
/// (kept only to measure it against `flex`).
pub fn cpu_backends() -> Vec<(&'static str, Device)> {
    #[allow(unused_mut)]
    let mut backends = vec![("flex", Device::flex())];
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    backends.push(("ndarray", Device::ndarray()));
    backends
}

/// What a WebGPU adapter says of itself, and whether the session should use it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AdapterReport {
    /// `navigator.gpu` exists.
    pub api_present: bool,
    /// An adapter was granted.
    pub adapter_found: bool,
    /// The adapter is a fallback (software) one.
    pub is_fallback: bool,
    pub vendor: String,
    pub architecture: String,
    pub description: String,
}

impl AdapterReport {
    /// Whether this adapter is worth running on: present, and not a software fallback.
    pub fn is_real_gpu(&self) -> bool {
        self.adapter_found && !self.is_fallback && self.architecture != "swiftshader"
    }

    /// Why the CPU backend is used instead of this adapter, in a sentence.
    pub fn reason_for_cpu(&self) -> String {
        if !self.api_present {
            "this browser has no WebGPU".into()
        } else if !self.adapter_found {
            "WebGPU offered no adapter".into()
        } else {
            format!(
                "the WebGPU adapter is a software fallback ({} {}), slower than the CPU backend",
                self.vendor, self.architecture
            )
        }
    }
}

/// The device `module`'s parameters live on (the first, for a module on several).
pub fn device_of<M: burn::module::Module>(module: &M) -> crate::error::AeResult<Device> {
    module.devices().first().cloned().ok_or_else(|| crate::AeError::Backend("model has no device".into()))
}
