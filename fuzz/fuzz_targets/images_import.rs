//! Untrusted bytes as a zip archive of images, each entry through the image decoder (the CLI's
//! and the page's) and into an import: every input must give images or reasons, never a panic,
//! an abort or an allocation past the stated limits (one entry of 64 MiB inflated, one image of
//! 50 megapixels decoded).
#![no_main]

use aestudio::data::ImageShape;
use aestudio::data::images::{Import, archive};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let mut import = Import::new(ImageShape::new(28, false).expect("the shape the models take"));
    let read = archive::for_each_entry(bytes, &mut import, |import, name, entry| import.add_file(name, entry));
    if read.is_ok()
        && let Ok(imported) = import.finish("fuzz")
    {
        let images = imported.splits.train.len() + imported.splits.test.len();
        assert_eq!(images, imported.report.kept);
    }
});
