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

/// A `flex` tensor's f32 values, read in place when they are one contiguous run of its buffer
/// (a slice view included), else copied into `scratch` first.
pub(crate) fn flex_values<'a>(tensor: &'a burn::backend::flex::FlexTensor, scratch: &'a mut Option<burn::backend::flex::FlexTensor>) -> &'a [f32] {
    if let Some(values) = tensor.as_slice::<f32>() {
        return values;
    }
    scratch.insert(tensor.to_contiguous()).as_slice::<f32>().expect("a contiguous copy of an f32 tensor")
}

/// Whether every one of these `flex` tensors holds f32 values: the CPU extensions' fast paths
/// take only those, and hand anything else to burn's own ops.
pub(crate) fn all_f32(tensors: &[&burn::backend::flex::FlexTensor]) -> bool {
    tensors.iter().all(|tensor| burn::backend::TensorMetadata::dtype(*tensor) == burn::tensor::DType::F32)
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
    /// The adapter's device name (Dawn names Mesa's software rasterizer "llvmpipe-...").
    pub device: String,
    pub description: String,
    /// The adapter offers the `timestamp-query` feature, without which burn's WebGPU runtime
    /// cannot start in a browser (see [`AdapterReport::webgpu_refusal`]).
    pub timestamp_query: bool,
    /// The page declared `timestamp-query` for an adapter without it (`www/webgpu-features.js`):
    /// burn needs it only to autotune, which this build leaves out.
    pub timestamp_query_declared: bool,
}

/// Names of CPU implementations of a GPU API, as adapters report them.
const SOFTWARE_RASTERIZERS: [&str; 3] = ["swiftshader", "llvmpipe", "lavapipe"];

impl AdapterReport {
    /// Whether this adapter is worth running on: present, and not a software fallback.
    pub fn is_real_gpu(&self) -> bool {
        let software = [&self.architecture, &self.device, &self.description]
            .iter()
            .any(|name| SOFTWARE_RASTERIZERS.iter().any(|rasterizer| name.to_lowercase().contains(rasterizer)));
        self.adapter_found && !self.is_fallback && !software
    }

    /// Why burn's WebGPU backend cannot run on this adapter, if it cannot: cubecl-wgpu 0.11 (burn
    /// 0.22) times its GPU work with timestamp queries in a browser, where it cannot block on the
    /// CPU clock, and aborts (a panic, so the worker dies) on an adapter without the feature;
    /// Dawn's OpenGL ES adapter has none, nor do some browsers' adapters.
    pub fn webgpu_refusal(&self) -> Option<String> {
        (self.adapter_found && !self.timestamp_query).then(|| {
            format!(
                "the WebGPU adapter ({}) lacks the timestamp-query feature, without which burn's WebGPU runtime cannot start in a browser",
                self.name()
            )
        })
    }

    /// Why the CPU backend is used instead of this adapter, in a sentence.
    pub fn reason_for_cpu(&self) -> String {
        if !self.api_present {
            "this browser has no WebGPU".into()
        } else if !self.adapter_found {
            "WebGPU offered no adapter".into()
        } else if !self.is_real_gpu() {
            format!("the WebGPU adapter is a software fallback ({}), slower than the CPU backend", self.name())
        } else {
            self.webgpu_refusal().unwrap_or_else(|| format!("the WebGPU adapter ({}) was not chosen", self.name()))
        }
    }

    /// The adapter as a person would name it: its vendor and architecture, else its device.
    pub fn name(&self) -> String {
        let name = format!("{} {}", self.vendor, self.architecture).trim().to_string();
        if name.is_empty() { self.device.clone() } else { name }
    }
}

/// The device `module`'s parameters live on (the first, for a module on several).
pub fn device_of<M: burn::module::Module>(module: &M) -> crate::error::AeResult<Device> {
    module.devices().first().cloned().ok_or_else(|| crate::AeError::Backend("model has no device".into()))
}

#[cfg(test)]
mod tests {
    use super::AdapterReport;

    fn adapter(device: &str, timestamp_query: bool) -> AdapterReport {
        AdapterReport { api_present: true, adapter_found: true, device: device.into(), timestamp_query, ..Default::default() }
    }

    #[test]
    fn software_adapters_and_adapters_without_timestamps_are_named_as_such() {
        // Dawn's OpenGL ES adapter on a machine without a GPU: only its device names llvmpipe.
        let llvmpipe = adapter("llvmpipe-llvm-15-0-6-256-bits-", false);
        assert!(!llvmpipe.is_real_gpu());
        assert!(llvmpipe.reason_for_cpu().contains("software fallback (llvmpipe"), "{}", llvmpipe.reason_for_cpu());
        assert!(llvmpipe.webgpu_refusal().unwrap().contains("timestamp-query"));

        let gpu_without_timestamps = AdapterReport { vendor: "apple".into(), architecture: "metal-3".into(), ..adapter("", false) };
        assert!(gpu_without_timestamps.is_real_gpu());
        assert!(gpu_without_timestamps.reason_for_cpu().starts_with("the WebGPU adapter (apple metal-3) lacks the timestamp-query"));

        let nvidia = AdapterReport { vendor: "nvidia".into(), architecture: "hopper".into(), ..adapter("", true) };
        assert!(nvidia.is_real_gpu() && nvidia.webgpu_refusal().is_none());
        assert!(AdapterReport::default().webgpu_refusal().is_none(), "no adapter is not a refusal of one");
    }
}
