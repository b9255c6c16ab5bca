//! MNIST-format data (IDX files): parsing, checksum verification, and batches as tensors.
//!
//! The same code serves the native command line (files on disk) and the page (bytes that the
//! browser fetched and un-gzipped), so a corrupted download fails the same way everywhere.

use burn::prelude::*;
use md5::{Digest, Md5};

use crate::error::{AeError, AeResult};
use crate::data::{ImageShape, PIXELS};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
const IMAGES_HEADER: usize = 16;
const LABELS_HEADER: usize = 8;

/// A data file (one of the four IDX files of an image dataset, or a ratings file), with the MD5
/// of its uncompressed bytes.
#[derive(Clone, Copy, Debug)]
pub struct DataFile {
    /// File name as the original distribution spells it (uncompressed).
    pub name: &'static str,
    /// Hex MD5 of the uncompressed file.
    pub md5: &'static str,
}

/// The four files of a dataset in the MNIST format and their checksums.
#[derive(Clone, Copy, Debug)]
pub struct DatasetFiles {
    pub name: &'static str,
    /// The name a person reads ("Fashion-MNIST"), and what its images show ("clothes").
    pub label: &'static str,
    pub items: &'static str,
    /// What each label stands for.
    pub class_names: [&'static str; 10],
    pub train_images: DataFile,
    pub train_labels: DataFile,
    pub test_images: DataFile,
    pub test_labels: DataFile,
}

/// MNIST (LeCun, Cortes and Burges; CC BY-SA 3.0), the original IDX files.
pub const MNIST: DatasetFiles = DatasetFiles {
    name: "mnist",
    label: "MNIST",
    items: "digits",
    class_names: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    train_images: DataFile { name: "train-images-idx3-ubyte", md5: "6bbc9ace898e44ae57da46a324031adb" },
    train_labels: DataFile { name: "train-labels-idx1-ubyte", md5: "a25bea736e30d166cdddb491f175f624" },
    test_images: DataFile { name: "t10k-images-idx3-ubyte", md5: "2646ac647ad5339dbf082846283269ea" },
    test_labels: DataFile { name: "t10k-labels-idx1-ubyte", md5: "27ae3e4e09519cfbb04c329615203637" },
};

/// Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research; MIT), the IDX files as Debian's
/// `dataset-fashion-mnist` ships them (gzip'd there; the checksums are of the uncompressed files).
pub const FASHION_MNIST: DatasetFiles = DatasetFiles {
    name: "fashion-mnist",
    label: "Fashion-MNIST",
    items: "clothes",
    class_names: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    train_images: DataFile { name: "train-images-idx3-ubyte", md5: "f4a8712d7a061bf5bd6d2ca38dc4d50a" },
    train_labels: DataFile { name: "train-labels-idx1-ubyte", md5: "9018921c3c673c538a1fc5bad174d6f9" },
    test_images: DataFile { name: "t10k-images-idx3-ubyte", md5: "8181f5470baa50b63fa0f6fddb340f0a" },
    test_labels: DataFile { name: "t10k-labels-idx1-ubyte", md5: "15d484375f8d13e6eb1aabb0c3f46965" },
};

impl DatasetFiles {
    /// Every dataset the project reads.
    pub const ALL: [DatasetFiles; 2] = [MNIST, FASHION_MNIST];

    /// The dataset called `name` ("mnist" or "fashion-mnist").
    pub fn by_name(name: &str) -> AeResult<DatasetFiles> {
        Self::ALL.into_iter().find(|d| d.name == name).ok_or_else(|| {
            AeError::InvalidConfig(format!("unknown dataset '{name}', expected mnist or fashion-mnist"))
        })
    }

    /// The training split from the bytes of its two IDX files, checksums verified.
    pub fn train_split(&self, images: &[u8], labels: &[u8]) -> AeResult<Dataset> {
        verify_md5(self.train_images, images)?;
        verify_md5(self.train_labels, labels)?;
        Dataset::from_idx(images, labels)
    }
}

/// Images (one byte per value, [`ImageShape`]'s layout) and their labels.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    shape: ImageShape,
    images: Vec<u8>,
    labels: Vec<u8>,
    /// Each pixel of a batch is drawn as a Bernoulli of its grey level, afresh at every use
    /// (dynamically binarized MNIST, the dataset the likelihood literature reports on).
    dynamic_binarization: bool,
}

/// The seed of the test set's one binarization: every model's likelihood is on the same bits.
pub const BINARIZED_TEST_SEED: u64 = 0x5EED_B1A5;

/// A dataset's training and test splits.
#[derive(Clone, Debug)]
pub struct Splits {
    pub train: Dataset,
    pub test: Dataset,
}

impl Splits {
    /// Every image of both splits, training images first: the data an unsupervised method such
    /// as DEC trains on and clusters (it never sees a label).
    pub fn all_images(&self) -> Dataset {
        let mut all = self.train.clone();
        all.images.extend_from_slice(&self.test.images);
        all.labels.extend_from_slice(&self.test.labels);
        all
    }

    /// Parses the four IDX files of `files`, refusing any whose MD5 differs from the published one.
    pub fn from_idx_bytes(
        files: &DatasetFiles,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> AeResult<Splits> {
        for (file, bytes) in [
            (files.train_images, train_images),
            (files.train_labels, train_labels),
            (files.test_images, test_images),
            (files.test_labels, test_labels),
        ] {
            verify_md5(file, bytes)?;
        }
        Ok(Splits {
            train: Dataset::from_idx(train_images, train_labels)?,
            test: Dataset::from_idx(test_images, test_labels)?,
        })
    }

    /// Dynamically binarized MNIST: training images binarized afresh at every use, the test set
    /// once, with [`BINARIZED_TEST_SEED`].
    pub fn binarized(self) -> Splits {
        Splits { train: self.train.with_dynamic_binarization(), test: self.test.binarized_once(BINARIZED_TEST_SEED) }
    }

    /// Reads the four uncompressed IDX files of `files` from `dir`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_dir(files: &DatasetFiles, dir: &std::path::Path) -> AeResult<Splits> {
        let read = |file: DataFile| {
            let path = dir.join(file.name);
            std::fs::read(&path).map_err(|err| {
                AeError::Data(format!("cannot read {}: {err} (run `./build.sh data` to fetch it)", path.display()))
            })
        };
        Splits::from_idx_bytes(
            files,
            &read(files.train_images)?,
            &read(files.train_labels)?,
            &read(files.test_images)?,
            &read(files.test_labels)?,
        )
    }
}

/// Fails unless the MD5 of `bytes` is the one published for `file`.
pub fn verify_md5(file: DataFile, bytes: &[u8]) -> AeResult<()> {
    let digest = Md5::digest(bytes);
    let actual: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if actual == file.md5 {
        Ok(())
    } else {
        Err(AeError::Data(format!(
            "{} failed its checksum: MD5 {actual}, expected {} ({} bytes); the file is corrupted \
             or not the original, delete it and fetch it again",
            file.name,
            file.md5,
            bytes.len()
        )))
    }
}

fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_be_bytes([bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]])
}

/// Parses an IDX image file of 28x28 images: returns the pixel bytes, image after image.
pub fn parse_images(bytes: &[u8]) -> AeResult<Vec<u8>> {
    if bytes.len() < IMAGES_HEADER || read_u32(bytes, 0) != IMAGES_MAGIC {
        return Err(AeError::Data("not an IDX image file (bad magic number)".into()));
    }
    let count = read_u32(bytes, 4) as usize;
    let (rows, cols) = (read_u32(bytes, 8) as usize, read_u32(bytes, 12) as usize);
    if rows * cols != PIXELS {
        return Err(AeError::Data(format!("images are {rows}x{cols}, expected 28x28")));
    }
    let expected = IMAGES_HEADER + count * PIXELS;
    if bytes.len() != expected {
        return Err(AeError::Data(format!(
            "IDX image file holds {} bytes, its header promises {count} images ({expected} bytes)",
            bytes.len()
        )));
    }
    Ok(bytes[IMAGES_HEADER..].to_vec())
}

/// Parses an IDX label file: one byte per label.
pub fn parse_labels(bytes: &[u8]) -> AeResult<Vec<u8>> {
    if bytes.len() < LABELS_HEADER || read_u32(bytes, 0) != LABELS_MAGIC {
        return Err(AeError::Data("not an IDX label file (bad magic number)".into()));
    }
    let count = read_u32(bytes, 4) as usize;
    if bytes.len() != LABELS_HEADER + count {
        return Err(AeError::Data(format!(
            "IDX label file holds {} bytes, its header promises {count} labels",
            bytes.len()
        )));
    }
    Ok(bytes[LABELS_HEADER..].to_vec())
}

impl Dataset {
    /// Parses a pair of IDX files (images and labels of the same split).
    pub fn from_idx(images: &[u8], labels: &[u8]) -> AeResult<Dataset> {
        Dataset::new(parse_images(images)?, parse_labels(labels)?)
    }

    /// A dataset of MNIST's shape from raw pixel bytes (784 per image) and one label per image.
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> AeResult<Dataset> {
        Dataset::with_shape(ImageShape::MNIST, images, labels)
    }

    /// A dataset of images of `shape` from their bytes (`shape.values()` per image, planes one
    /// after the other) and one label per image.
    pub fn with_shape(shape: ImageShape, images: Vec<u8>, labels: Vec<u8>) -> AeResult<Dataset> {
        shape.validate()?;
        if images.len() != labels.len() * shape.values() {
            return Err(AeError::Data(format!(
                "{} image bytes do not make {} images of {} values ({})",
                images.len(),
                labels.len(),
                shape.values(),
                shape.describe()
            )));
        }
        Ok(Dataset { shape, images, labels, dynamic_binarization: false })
    }

    /// The shape of every image.
    pub fn shape(&self) -> ImageShape {
        self.shape
    }

    /// This dataset, each pixel of every batch drawn as a Bernoulli of its grey level whenever
    /// the batch is made (with the device's random stream, which the trainer seeds).
    pub fn with_dynamic_binarization(mut self) -> Dataset {
        self.dynamic_binarization = true;
        self
    }

    /// Whether batches are binarized afresh at every use.
    pub fn is_dynamically_binarized(&self) -> bool {
        self.dynamic_binarization
    }

    /// A fixed binarization: each pixel becomes 0 or 255, 255 with probability its grey level,
    /// drawn once from `seed` (the same bits on every machine).
    pub fn binarized_once(&self, seed: u64) -> Dataset {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let images = self.images.iter().map(|&p| if rng.random::<f32>() < p as f32 / 255.0 { 255 } else { 0 }).collect();
        Dataset { shape: self.shape, images, labels: self.labels.clone(), dynamic_binarization: false }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dataset holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The first `count` images (all of them if there are fewer).
    pub fn take(&self, count: usize) -> Dataset {
        let count = count.min(self.len());
        Dataset { images: self.images[..count * self.shape.values()].to_vec(), labels: self.labels[..count].to_vec(), ..*self }
    }

    /// The images whose label satisfies `keep`, in their order: a training set without one class,
    /// or the images of one class.
    pub fn filter_labels(&self, keep: impl Fn(u8) -> bool) -> Dataset {
        let mut subset = Dataset { shape: self.shape, dynamic_binarization: self.dynamic_binarization, ..Dataset::default() };
        for (index, &label) in self.labels.iter().enumerate() {
            if keep(label) {
                subset.images.extend_from_slice(self.image(index));
                subset.labels.push(label);
            }
        }
        subset
    }

    /// The bytes of image `index` (`shape().values()` of them).
    pub fn image(&self, index: usize) -> &[u8] {
        let values = self.shape.values();
        &self.images[index * values..(index + 1) * values]
    }

    /// The label of image `index`.
    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    /// Every label, in image order.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The index of the first image of each label `0..classes` (`u32::MAX` for a label with none):
    /// a gallery with one image per class.
    pub fn first_of_each_class(&self, classes: usize) -> Vec<u32> {
        (0..classes).map(|class| self.labels.iter().position(|&label| usize::from(label) == class).map_or(u32::MAX, |i| i as u32)).collect()
    }

    /// Every image's pixel bytes, image after image.
    pub fn pixel_bytes(&self) -> &[u8] {
        &self.images
    }

    /// Every image's pixels scaled to [0, 1], image after image (`len() × shape().values()`).
    pub fn scaled_pixels(&self) -> Vec<f32> {
        self.images.iter().map(|&p| p as f32 / 255.0).collect()
    }

    /// Mean and standard deviation of all pixels, scaled to [0, 1].
    pub fn pixel_statistics(&self) -> (f64, f64) {
        let n = self.images.len() as f64;
        let (sum, sum_sq) = self.images.iter().fold((0.0, 0.0), |(s, q), &p| {
            let x = p as f64 / 255.0;
            (s + x, q + x * x)
        });
        let mean = sum / n;
        (mean, (sum_sq / n - mean * mean).sqrt())
    }

    /// The labels of the images at `indices`, one-hot over `classes` classes (a label past them
    /// has no 1).
    ///
    /// # Shapes
    /// - output: `[indices.len(), classes]`
    pub fn one_hot(&self, indices: &[usize], classes: usize, device: &Device) -> Tensor<2> {
        let mut values = vec![0f32; indices.len() * classes];
        for (row, &index) in indices.iter().enumerate() {
            let label = self.labels[index] as usize;
            if label < classes {
                values[row * classes + label] = 1.0;
            }
        }
        Tensor::from_data(TensorData::new(values, [indices.len(), classes]), device)
    }

    /// The images at `indices` as a tensor of pixels scaled to [0, 1] (drawn as 0 or 1 from
    /// those grey levels when the dataset is dynamically binarized).
    ///
    /// # Shapes
    /// - output: `[indices.len(), shape().values()]`
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let values = self.shape.values();
        let mut pixels = Vec::with_capacity(indices.len() * values);
        for &index in indices {
            pixels.extend(self.image(index).iter().map(|&p| p as f32 / 255.0));
        }
        let grey: Tensor<2> = Tensor::from_data(TensorData::new(pixels, [indices.len(), values]), device);
        match self.dynamic_binarization {
            false => grey,
            true => crate::nn::random::random_like(&grey, burn::tensor::Distribution::Uniform(0.0, 1.0)).lower(grey).float(),
        }
    }
}
