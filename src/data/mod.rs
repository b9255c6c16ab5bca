//! The data: MNIST-format datasets (IDX files checked against their published checksums), a
//! person's own folder of images, the image size every other module reads from here, drawings
//! turned into MNIST-like inputs, and MovieLens ratings for the recommenders.

pub mod datasets;
pub mod images;
pub mod preprocess;
pub mod ratings;
pub mod tag;

pub use datasets::{BINARIZED_TEST_SEED, DataFile, Dataset, DatasetFiles, FASHION_MNIST, MNIST, Splits};
pub use tag::{DatasetFacts, DatasetTag};

/// Side of the square images (28 for MNIST and Fashion-MNIST).
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one flattened image.
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
