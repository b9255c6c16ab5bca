//! What a model learned from, as its weight file records it: the data set's name, the shape of
//! its images and a fingerprint of its test split. The page reads it to show a loaded model on
//! the test set it learned from (or to refuse with the reason), and a figure computed from a
//! model can say which test set it belongs to.

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, DatasetFiles};
use crate::error::{AeError, AeResult};

/// The data set a model was trained on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetTag {
    /// The data set's name: `mnist`, `fashion-mnist`.
    pub name: String,
    /// One image's channels, height and width.
    pub shape: [usize; 3],
    /// Hex digest of the test split's pixels and labels: two test sets of the same name that
    /// hold other images (another copy, another split) differ here.
    pub test_fingerprint: String,
}

impl DatasetTag {
    /// The tag of data set `name` whose test split is `test`.
    pub fn of(name: &str, test: &Dataset) -> DatasetTag {
        DatasetTag { name: name.to_string(), shape: test.shape().dims(), test_fingerprint: fingerprint(test) }
    }

    /// Fails unless `other` is the same data set with the same test split; `what` names the
    /// model's role in the message ("this model").
    pub fn check_same(&self, other: &DatasetTag, what: &str) -> AeResult<()> {
        let refused = |why: String| Err(AeError::Weights(format!("{what} {why}")));
        if self.name != other.name {
            return refused(format!("learned {}, not {}", self.name, other.name));
        }
        if self.shape != other.shape {
            return refused(format!("takes {:?} images, the data set has {:?}", self.shape, other.shape));
        }
        if self.test_fingerprint != other.test_fingerprint {
            return refused(format!(
                "learned another copy of {}: its test set's fingerprint is {}, this one's {}",
                self.name, self.test_fingerprint, other.test_fingerprint
            ));
        }
        Ok(())
    }
}

/// The first 16 hex digits of the MD5 of every pixel, then every label, of `test`.
pub fn fingerprint(test: &Dataset) -> String {
    let mut digest = Md5::new();
    digest.update(test.pixel_bytes());
    digest.update(test.labels());
    digest.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// What the page shows of a data set: its names, its classes, its test set's size and a gallery
/// of one test image per class.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetFacts {
    pub name: &'static str,
    pub label: &'static str,
    pub items: &'static str,
    pub classes: Vec<&'static str>,
    pub test_images: usize,
    /// The training split's size, where it is loaded (the trainer's facts; the live Lab has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_images: Option<usize>,
    /// Test-set indices, one of each class in label order.
    pub gallery: Vec<u32>,
}

impl DatasetFacts {
    /// The facts of `files`' data set whose test split is `test` (and training split `train`,
    /// where it is loaded).
    pub fn of(files: &DatasetFiles, test: &Dataset, train: Option<&Dataset>) -> DatasetFacts {
        DatasetFacts {
            name: files.name,
            label: files.label,
            items: files.items,
            classes: files.class_names.to_vec(),
            test_images: test.len(),
            train_images: train.map(Dataset::len),
            gallery: test.first_of_each_class(files.class_names.len()),
        }
    }
}
