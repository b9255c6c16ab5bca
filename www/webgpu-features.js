// What burn's WebGPU runtime is told about an adapter.
//
// cubecl-wgpu 0.11 (burn 0.22) picks how it would time kernels when it opens a device: with
// timestamp queries where the adapter has `timestamp-query`, else with the CPU clock, which it
// cannot block on in a browser, so it aborts there (the worker dies with "unreachable"). It times
// kernels only to autotune them, and this crate builds burn without autotune (see docs/architecture.md), so
// no timestamp is ever queried: an adapter without the feature (Dawn's OpenGL ES adapter, some
// browsers' adapters) can run burn if burn is told it has one. tests/dawn checks that no query set
// is created on such an adapter while a model trains, evaluates and reconstructs.

/**
 * Wraps `gpu.requestAdapter` so that an adapter without `timestamp-query` declares it to its
 * caller (burn), while the device is requested without it (the adapter would refuse it). Adapters
 * that have the feature pass through untouched; `declaredTimestampQuery` marks the others.
 */
export function declareTimestampQuery(gpu) {
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = await requestAdapter(options);
    if (!adapter || adapter.features.has('timestamp-query')) return adapter;
    const features = new Set([...adapter.features, 'timestamp-query']);
    const requestDevice = (descriptor = {}) => adapter.requestDevice({
      ...descriptor,
      requiredFeatures: [...(descriptor.requiredFeatures ?? [])].filter((name) => name !== 'timestamp-query'),
    });
    return new Proxy(adapter, {
      get(target, key) {
        if (key === 'features') return features;
        if (key === 'requestDevice') return requestDevice;
        if (key === 'declaredTimestampQuery') return true;
        const value = target[key]; // methods of a platform object need it as `this`
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
}
