//! The browser's WebGPU adapter: what it is (asked of `navigator.gpu` without creating a device),
//! and the device burn's WebGPU backend makes on it in the WebGPU build.

use burn::prelude::*;
use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::AeError;
use crate::backend::{AdapterReport, BackendKind, cpu_device};

use super::convert::invalid;

/// Asks the browser for a WebGPU adapter and reports what it is, without creating a device.
pub async fn probe_adapter() -> AdapterReport {
    let mut report = AdapterReport::default();
    let global = js_sys::global();
    let Ok(navigator) = Reflect::get(&global, &"navigator".into()) else { return report };
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return report;
    }
    report.api_present = true;
    let Ok(request) = Reflect::get(&gpu, &"requestAdapter".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return report;
    };
    let Ok(promise) = request.call0(&gpu).and_then(|p| p.dyn_into::<js_sys::Promise>()) else { return report };
    let adapter = match JsFuture::from(promise).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => adapter,
        _ => return report,
    };
    report.adapter_found = true;
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let text = |key: &str| Reflect::get(&info, &key.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    report.vendor = text("vendor");
    report.architecture = text("architecture");
    report.device = text("device");
    report.description = text("description");
    report.timestamp_query = has_feature(&adapter, "timestamp-query");
    report.timestamp_query_declared = Reflect::get(&adapter, &"declaredTimestampQuery".into()).is_ok_and(|v| v.is_truthy());
    // Newer browsers put the flag on the info, older ones on the adapter.
    report.is_fallback = [&info, &adapter]
        .iter()
        .any(|holder| Reflect::get(holder, &"isFallbackAdapter".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false));
    report
}

/// Whether `adapter.features` (a set-like `GPUSupportedFeatures`, not a `Set`) has `name`.
fn has_feature(adapter: &JsValue, name: &str) -> bool {
    let Ok(features) = Reflect::get(adapter, &"features".into()) else { return false };
    let has = Reflect::get(&features, &"has".into()).and_then(|f| f.dyn_into::<js_sys::Function>());
    has.and_then(|has| has.call1(&features, &name.into())).is_ok_and(|answer| answer.is_truthy())
}

#[cfg(feature = "webgpu")]
thread_local! {
    /// The one WebGPU device of this wasm instance: burn registers one runtime per device and
    /// refuses a second ("a server is still registered"), so later sessions share the first.
    static WEBGPU_DEVICE: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

/// A WebGPU device, in the build that has burn's wgpu backend (`--features webgpu`).
#[cfg(feature = "webgpu")]
pub(super) async fn webgpu_device() -> Result<Device, JsError> {
    if let Some(device) = WEBGPU_DEVICE.with(|cell| cell.borrow().clone()) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|err| JsError::new(&AeError::Backend(format!("WebGPU device creation failed: {err}")).to_string()))?;
    WEBGPU_DEVICE.with(|cell| *cell.borrow_mut() = Some(device.clone()));
    Ok(device)
}

pub(super) const CPU_ONLY_BUILD: &str = "this is the CPU-only build; WebGPU needs the page's WebGPU build (pkg-gpu)";

/// The default (CPU-only) build has no WebGPU backend: the page loads `pkg-gpu/` for that.
#[cfg(not(feature = "webgpu"))]
pub(super) async fn webgpu_device() -> Result<Device, JsError> {
    Err(JsError::new(&AeError::Backend(CPU_ONLY_BUILD.into()).to_string()))
}

/// Whether this build has burn's WebGPU backend.
pub(super) fn has_webgpu() -> bool {
    cfg!(feature = "webgpu")
}

/// Which backend a session runs on, and why.
#[derive(Serialize)]
pub(super) struct BackendInfo {
    pub(super) kind: BackendKind,
    pub(super) reason: String,
    pub(super) adapter: AdapterReport,
}


/// The device a training session runs on, and why: `prefer` is "auto" (WebGPU on a real adapter,
/// else the CPU), "cpu", or "gpu" (WebGPU on whatever adapter the browser gives, even a software
/// one).
pub(super) async fn choose_backend(prefer: &str) -> Result<(Device, BackendInfo), JsError> {
    let adapter = probe_adapter().await;
    let refuse = |why: String| JsError::new(&AeError::Backend(why).to_string());
    let (use_gpu, reason) = match prefer {
        "cpu" => (false, "the CPU backend was chosen".to_string()),
        "gpu" if !has_webgpu() => return Err(refuse(CPU_ONLY_BUILD.into())),
        "gpu" if adapter.adapter_found => match adapter.webgpu_refusal() {
            Some(why) => return Err(refuse(why)),
            None => (true, format!("WebGPU was chosen{}", declared_note(&adapter))),
        },
        "gpu" => return Err(refuse(adapter.reason_for_cpu())),
        "auto" if adapter.is_real_gpu() && !has_webgpu() => {
            (false, format!("a WebGPU adapter was found ({}), but the WebGPU build was not loaded", adapter.name()))
        }
        "auto" if adapter.is_real_gpu() => match adapter.webgpu_refusal() {
            Some(why) => (false, why),
            None => (true, format!("a WebGPU adapter was found ({}){}", adapter.name(), declared_note(&adapter))),
        },
        "auto" => (false, adapter.reason_for_cpu()),
        other => return Err(invalid(format!("backend must be auto, cpu or gpu, got '{other}'"))),
    };
    let (device, kind) = if use_gpu { (webgpu_device().await?, BackendKind::Gpu) } else { (cpu_device(), BackendKind::Cpu) };
    Ok((device, BackendInfo { kind, reason, adapter }))
}

fn declared_note(adapter: &AdapterReport) -> &'static str {
    if adapter.timestamp_query_declared { "; it lacks timestamp-query, which burn is told it has and never uses here" } else { "" }
}

/// The adapter probe as the page reads it: the report, whether it is a real GPU, and why burn's
/// WebGPU backend cannot run on it, if it cannot.
#[derive(serde::Serialize)]
pub(super) struct Probe {
    #[serde(flatten)]
    report: AdapterReport,
    real_gpu: bool,
    refusal: Option<String>,
}

pub(super) async fn probe_reply() -> Probe {
    let report = probe_adapter().await;
    Probe { real_gpu: report.is_real_gpu(), refusal: report.webgpu_refusal(), report }
}
