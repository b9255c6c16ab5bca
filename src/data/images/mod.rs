//! A person's own images: files from a folder (subfolder names are labels, as torchvision's
//! `ImageFolder` has it; files at the top are unlabelled), each decoded by the `image` crate
//! (`decode.rs`, the same in the CLI and the page) and brought here to one shape, then split
//! 90/10 with a fixed seed so that every model of a folder is tested on the same images.

use std::collections::{BTreeMap, BTreeSet};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::data::preprocess::area_resize;
use crate::data::{Dataset, DatasetTag, ImageShape, Splits};
use crate::error::{AeError, AeResult, ensure};

pub mod archive;
mod decode;
#[cfg(not(target_arch = "wasm32"))]
mod read_dir;
#[cfg(not(target_arch = "wasm32"))]
pub use read_dir::read_folder;
pub use decode::decode_image;

/// An image whose header promises more pixels than this is refused before it is decoded (a
/// 20,000 x 20,000 PNG would take 1.6 GB as RGBA).
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;
/// The kept images' pixels may take at most this much memory; a folder with more images is
/// subsampled (seeded) to fit, and the import says how many were left out.
pub const MEMORY_BUDGET_BYTES: usize = 256 << 20;
/// The share of the images held out as the test split.
pub const TEST_SHARE: f64 = 0.1;
/// The seed of the split: the same folder always splits the same way.
pub const SPLIT_SEED: u64 = 0x1_4A6E;
/// The label of an image at the folder's top level (no subfolder names its class).
pub const UNLABELLED: u8 = u8::MAX;

/// How many images of `shape` fit in [`MEMORY_BUDGET_BYTES`] (one byte per value).
pub fn budget_images(shape: ImageShape) -> usize {
    MEMORY_BUDGET_BYTES / shape.values()
}

/// Why a file was not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its bytes are no image format the reader knows (a text file, say).
    NotAnImage,
    /// An image format, but the decoder failed (a truncated or corrupted file).
    Undecodable,
    /// Its header promises more than [`MAX_SOURCE_PIXELS`] pixels.
    TooLarge,
    /// The file could not be read.
    Unreadable,
    /// Left out to keep the images within [`MEMORY_BUDGET_BYTES`].
    OverBudget,
    /// An archive entry whose name climbs out of the archive (`..`, an absolute path).
    UnsafeName,
    /// An archive entry that inflates past [`archive::MAX_ENTRY_BYTES`].
    EntryTooLarge,
}

impl SkipReason {
    /// The reason as the import's report says it.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::NotAnImage => "not an image file (PNG, JPEG, WebP, BMP or GIF)",
            SkipReason::Undecodable => "an image that could not be decoded (truncated or corrupted)",
            SkipReason::TooLarge => "larger than 50 megapixels",
            SkipReason::Unreadable => "could not be read",
            SkipReason::OverBudget => "left out to stay within the memory budget",
            SkipReason::UnsafeName => "an archive entry whose name leads out of the archive",
            SkipReason::EntryTooLarge => "an archive entry larger than 64 MiB inflated",
        }
    }
}

/// The files of one reason for skipping: how many, and the first few paths.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedFiles {
    pub reason: SkipReason,
    pub description: &'static str,
    pub count: usize,
    pub examples: Vec<String>,
}

/// What an import kept and skipped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    pub kept: usize,
    pub train: usize,
    pub test: usize,
    pub shape: ImageShape,
    /// The class names (subfolders), in label order; empty when no image is labelled.
    pub classes: Vec<String>,
    /// Images at the top level, without a class.
    pub unlabelled: usize,
    pub skipped: Vec<SkippedFiles>,
    /// The most images of this shape an import keeps ([`budget_images`]).
    pub budget: usize,
}

/// An imported folder: its splits, with each image's file, and what the import kept and skipped.
#[derive(Clone, Debug)]
pub struct ImportedImages {
    pub name: String,
    pub splits: Splits,
    /// The file of each training image, then of each test image, in the splits' order.
    pub train_files: Vec<String>,
    pub test_files: Vec<String>,
    pub report: ImportReport,
}

impl ImportedImages {
    /// The tag a model trained on these images records in its weight file.
    pub fn tag(&self) -> DatasetTag {
        DatasetTag::of(&self.name, &self.splits.test)
    }

    /// Every image's file, split ("train" or "test") and class (None when unlabelled), in the
    /// order of [`Splits::all_images`].
    pub fn files(&self) -> Vec<(&str, &'static str, Option<&str>)> {
        let mut files = Vec::with_capacity(self.report.kept);
        for (split, names, data) in [("train", &self.train_files, &self.splits.train), ("test", &self.test_files, &self.splits.test)] {
            for (file, &label) in names.iter().zip(data.labels()) {
                let class = (label != UNLABELLED).then(|| self.report.classes[usize::from(label)].as_str());
                files.push((file.as_str(), split, class));
            }
        }
        files
    }
}

/// An import under way: decoded images are added one by one, the files that are not kept with
/// their reason, and `finish` makes the splits.
#[derive(Debug)]
pub struct Import {
    shape: ImageShape,
    kept: Vec<KeptImage>,
    skipped: BTreeMap<SkipReason, Vec<String>>,
}

#[derive(Debug)]
struct KeptImage {
    path: String,
    class: Option<String>,
    pixels: Vec<u8>,
}

impl Import {
    pub fn new(shape: ImageShape) -> Import {
        Import { shape, kept: Vec::new(), skipped: BTreeMap::new() }
    }

    /// Decodes the file at `path` (its `bytes`, see [`decode_image`]) and adds it, or counts it
    /// as skipped with the reason.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> AeResult<()> {
        match decode_image(bytes) {
            Ok(image) => self.add_rgba(path, image.width() as usize, image.height() as usize, image.as_raw()),
            Err(reason) => {
                self.skip(path, reason);
                Ok(())
            }
        }
    }

    /// Adds the decoded image at `path` (relative to the folder, `/`-separated): `width` x
    /// `height` RGBA bytes, row by row. See [`square_image`] for how it is brought to the shape.
    /// Past [`budget_images`] an image is skipped as over the budget (the CLI chooses which
    /// files to read up front; the page reads them as they come).
    pub fn add_rgba(&mut self, path: &str, width: usize, height: usize, rgba: &[u8]) -> AeResult<()> {
        ensure(width > 0 && height > 0 && rgba.len() == width * height * 4, || {
            format!("{path}: {} bytes are not a {width}x{height} RGBA image", rgba.len())
        })?;
        if self.kept.len() >= budget_images(self.shape) {
            self.skip(path, SkipReason::OverBudget);
            return Ok(());
        }
        let class = class_of(path).map(str::to_string);
        self.kept.push(KeptImage { path: path.to_string(), class, pixels: square_image(rgba, width, height, self.shape) });
        Ok(())
    }

    /// Which of `paths` (the files about to be read, in path order) to read: all of them when
    /// they fit in `budget` images, else a seeded choice of `budget` (the same files every time,
    /// every class in its share, not the first folders alone); the others are skipped as over the
    /// budget. One flag per path.
    pub fn choose_within(&mut self, paths: &[String], budget: usize) -> Vec<bool> {
        if paths.len() <= budget {
            return vec![true; paths.len()];
        }
        let order = seeded_order(paths.len());
        let mut chosen = vec![false; paths.len()];
        for &index in &order[..budget] {
            chosen[index] = true;
        }
        for (path, _) in paths.iter().zip(&chosen).filter(|(_, chosen)| !**chosen) {
            self.skip(path, SkipReason::OverBudget);
        }
        chosen
    }

    /// [`Import::choose_within`] the budget of this import's shape ([`budget_images`]).
    pub fn choose_files(&mut self, paths: &[String]) -> Vec<bool> {
        self.choose_within(paths, budget_images(self.shape))
    }

    /// Records that the file at `path` is not kept, and why.
    pub fn skip(&mut self, path: &str, reason: SkipReason) {
        self.skipped.entry(reason).or_default().push(path.to_string());
    }

    /// The splits of the images kept (a seeded 90/10 split, at least one image in each), named
    /// `name`; fails with the counts when fewer than two images were kept.
    pub fn finish(self, name: &str) -> AeResult<ImportedImages> {
        let skipped: Vec<SkippedFiles> = self
            .skipped
            .into_iter()
            .map(|(reason, paths)| SkippedFiles { reason, description: reason.describe(), count: paths.len(), examples: paths.into_iter().take(3).collect() })
            .collect();
        if self.kept.len() < 2 {
            let why: Vec<String> = skipped.iter().map(|s| format!("{} {}", s.count, s.description)).collect();
            return Err(AeError::Data(format!(
                "{name}: {} image{} kept, and training needs at least two{}",
                self.kept.len(),
                if self.kept.len() == 1 { "" } else { "s" },
                if why.is_empty() { String::new() } else { format!(" (skipped: {})", why.join("; ")) }
            )));
        }
        let classes: Vec<String> = self.kept.iter().filter_map(|image| image.class.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        ensure(classes.len() < usize::from(UNLABELLED), || format!("{name}: {} subfolders, at most 254 classes", classes.len()))?;
        let label_of = |image: &KeptImage| image.class.as_ref().map_or(UNLABELLED, |class| classes.binary_search(class).expect("a class of a kept image") as u8);
        let (train_order, test_order) = split_indices(self.kept.len());
        let split = |order: &[usize]| -> AeResult<(Dataset, Vec<String>)> {
            let images = order.iter().flat_map(|&i| self.kept[i].pixels.iter().copied()).collect();
            let labels = order.iter().map(|&i| label_of(&self.kept[i])).collect();
            Ok((Dataset::with_shape(self.shape, images, labels)?, order.iter().map(|&i| self.kept[i].path.clone()).collect()))
        };
        let (train, train_files) = split(&train_order)?;
        let (test, test_files) = split(&test_order)?;
        let report = ImportReport {
            kept: self.kept.len(),
            train: train.len(),
            test: test.len(),
            shape: self.shape,
            unlabelled: self.kept.iter().filter(|image| image.class.is_none()).count(),
            classes,
            skipped,
            budget: budget_images(self.shape),
        };
        Ok(ImportedImages { name: name.to_string(), splits: Splits { train, test }, train_files, test_files, report })
    }
}

/// The class of the file at `path`: the first folder of its path, if it has one.
pub fn class_of(path: &str) -> Option<&str> {
    let (folder, rest) = path.trim_start_matches('/').split_once('/')?;
    (!folder.is_empty() && !rest.is_empty()).then_some(folder)
}

/// `0..count` shuffled with [`SPLIT_SEED`]: the same order for the same count, every time.
fn seeded_order(count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(&mut StdRng::seed_from_u64(SPLIT_SEED));
    order
}

/// The indices of `count` images shuffled with [`SPLIT_SEED`], as (train, test): the test split
/// takes [`TEST_SHARE`] of them, rounded up, and both keep at least one.
fn split_indices(count: usize) -> (Vec<usize>, Vec<usize>) {
    let mut order = seeded_order(count);
    let test = ((count as f64 * TEST_SHARE).ceil() as usize).clamp(1, count - 1);
    let train = order.split_off(test);
    (train, order)
}

/// An RGBA image brought to `shape`: transparent pixels count as white (as a page shows them),
/// a non-square image keeps its centred square (the longer side is cropped, as torchvision's
/// `CenterCrop`), and each plane is scaled by area averaging (as the drawing pad is). A grey
/// shape takes the luma of ITU-R BT.601 (0.299 R + 0.587 G + 0.114 B); a colour one keeps the
/// red, green and blue planes, one after the other.
pub fn square_image(rgba: &[u8], width: usize, height: usize, shape: ImageShape) -> Vec<u8> {
    let square = width.min(height);
    let (left, top) = ((width - square) / 2, (height - square) / 2);
    let mut planes = vec![Vec::with_capacity(square * square); shape.channels];
    for y in top..top + square {
        for pixel in rgba[(y * width + left) * 4..(y * width + left + square) * 4].chunks_exact(4) {
            let alpha = pixel[3] as f32 / 255.0;
            let over_white = |value: f32| alpha * value + (1.0 - alpha) * 255.0;
            if shape.is_colour() {
                for (plane, &value) in planes.iter_mut().zip(pixel) {
                    plane.push(over_white(value as f32));
                }
            } else {
                planes[0].push(over_white(0.299 * pixel[0] as f32 + 0.587 * pixel[1] as f32 + 0.114 * pixel[2] as f32));
            }
        }
    }
    planes
        .iter()
        .flat_map(|plane| area_resize(plane, square, square, shape.side, shape.side))
        .map(|value| value.round().clamp(0.0, 255.0) as u8)
        .collect()
}
