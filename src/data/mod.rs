//! The data: MNIST-format datasets (IDX files checked against their published checksums), a
//! person's own folder of images, the image size every other module reads from here, drawings
//! turned into MNIST-like inputs, and MovieLens ratings for the recommenders.

pub mod datasets;
pub mod images;
pub mod preprocess;
pub mod ratings;
pub mod shape;
pub mod tag;

pub use datasets::{BINARIZED_TEST_SEED, DataFile, Dataset, DatasetFiles, FASHION_MNIST, MNIST, Splits};
pub use shape::ImageShape;
pub use tag::{DatasetFacts, DatasetTag};

/// Side of MNIST's and Fashion-MNIST's images, and of the drawing pad's input.
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one MNIST image.
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
