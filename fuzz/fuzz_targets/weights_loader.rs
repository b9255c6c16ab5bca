//! Untrusted bytes into the weight-file loader: every input must give a model or an error, never
//! a panic, an abort or an allocation out of proportion to the input.
#![no_main]

use aestudio::backend::cpu_device;
use aestudio::weights;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(loaded) = weights::load(bytes, &cpu_device()) {
        // A file that loads must describe a model that runs.
        assert_eq!(loaded.model.config(), &weights::read_header(bytes).expect("loaded, so readable").0);
    }
});
