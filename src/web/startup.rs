//! Start-up of a wasm instance: its static constructors, run once.

/// Runs the static constructors (burn's and cubecl's `inventory` registrations, which the WebGPU
/// backend needs) exactly once. The start hook calls it; code that runs without that hook
/// (`wasm-bindgen-test`) must call it first.
///
/// Why by hand: without an export that calls `__wasm_call_ctors`, wasm-ld links the module
/// "command-style" and runs every constructor again at the top of every exported function, about
/// 1 ms on each call into wasm (and on each externref the glue allocates), which made one denoised
/// digit cost 10 ms. With this call the module is a library and the constructors run once.
pub fn run_static_constructors() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the linker-made function that runs the constructors, called once per instance.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
}
