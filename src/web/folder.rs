//! A person's own folder in the training worker (www/train-worker.js): the worker reads each
//! file, the core decodes it as the command line does and brings it to the chosen shape, and the
//! finished import becomes the data set a run trains on and the uses rank and encode. Nothing
//! here reaches the network: the bytes come from the visitor's files and stay in this worker.

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::{Replica, Studio};
use super::convert::{floats, invalid, to_js};
use crate::data::{Dataset, ImageShape};
use crate::data::images::{Import, SkipReason, archive};
use crate::model::{Preset, weights};
use crate::nn::noise::Corruption;
use crate::train::TrainingConfig;
use crate::uses::{explore, folder, folder_groups};

#[wasm_bindgen]
impl Studio {
    /// Starts an import of images brought to `side` x `side` pixels (28, 32 or 64), grey or
    /// `colour`; an import under way is dropped.
    #[wasm_bindgen(js_name = beginImport)]
    pub fn begin_import(&mut self, side: usize, colour: bool) -> Result<(), JsError> {
        self.import = Some(Import::new(ImageShape::new(side, colour)?));
        Ok(())
    }

    /// Decodes the file at `path` from its `bytes` and adds it, or counts it as skipped with the
    /// reason (not an image, undecodable, over 50 megapixels by its header).
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), JsError> {
        Ok(self.import_mut()?.add_file(path, bytes)?)
    }

    /// Which of the files about to be imported (their `paths`, in the order they will be added)
    /// to read: all when they fit the memory budget of the import's shape, else a seeded choice,
    /// the others counted as skipped over the budget ([`Import::choose_files`]). A flag (1: read
    /// it) per path.
    #[wasm_bindgen(js_name = chooseFiles)]
    pub fn choose_files(&mut self, paths: Vec<String>) -> Result<Vec<u8>, JsError> {
        Ok(self.import_mut()?.choose_files(&paths).into_iter().map(u8::from).collect())
    }

    /// Counts the file at `path` as skipped because the browser could not read it.
    #[wasm_bindgen(js_name = skipFile)]
    pub fn skip_file(&mut self, path: &str) -> Result<(), JsError> {
        self.import_mut()?.skip(path, SkipReason::Unreadable);
        Ok(())
    }

    /// Adds every image of the zip archive `bytes` (see [`archive::for_each_entry`]: an entry
    /// whose name leads out of the archive or that inflates past 64 MiB is skipped unread).
    #[wasm_bindgen(js_name = addArchive)]
    pub fn add_archive(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        Ok(archive::for_each_entry(bytes, self.import_mut()?, |import, name, contents| import.add_file(name, contents))?)
    }

    /// Ends the import: its images (a seeded 90/10 split) become this worker's data set, named
    /// `name`. `{report, name}`; `report` counts what was kept and skipped, with the reasons.
    #[wasm_bindgen(js_name = finishImport)]
    pub fn finish_import(&mut self, name: &str) -> Result<JsValue, JsError> {
        let import = self.import.take().ok_or_else(|| invalid("no import under way"))?;
        let imported = import.finish(&format!("images:{name}"))?;
        // The folder replaces the data set and whatever model learned the previous one.
        (self.data, self.trainer, self.model, self.movie_run, self.pace) = (None, None, None, None, None);
        self.tag = Some(imported.tag());
        let reply = serde_json::json!({ "report": imported.report, "name": imported.name });
        self.folder = Some(imported);
        to_js(&reply)
    }

    /// What the folder's training form offers: `{presets: [{name, description}], training}`,
    /// the presets in menu order (the conv DAE first when it fits) and the form's defaults
    /// ([`TrainingConfig::for_folder`]: `{epochs, batch_size, trim, ...}`).
    #[wasm_bindgen(js_name = folderPresets)]
    pub fn folder_presets(&self) -> Result<JsValue, JsError> {
        let shape = self.data()?.train.shape();
        let mut presets = Preset::for_folder(shape);
        presets.sort_by_key(|&preset| preset != Preset::ConvDae);
        let presets: Vec<_> = presets
            .into_iter()
            .map(|preset| serde_json::json!({ "name": preset.name(), "description": preset.config().for_images(shape).map(|config| config.describe()).unwrap_or_default() }))
            .collect();
        to_js(&serde_json::json!({ "presets": presets, "training": TrainingConfig::for_folder() }))
    }

    /// Starts a fresh run of `preset` (a name) on the folder: `epochs` of batches of
    /// `batch_size`, the `trim` share of each batch left out of the loss, the other settings the
    /// command line's defaults. `{description, training, sharesBatches}`: the replicas join with
    /// `training`, and only when its batches may be shared (a trimmed loss's may not).
    #[wasm_bindgen(js_name = configurePreset)]
    pub fn configure_preset(&mut self, preset: &str, epochs: usize, batch_size: usize, trim: f64) -> Result<JsValue, JsError> {
        let training = TrainingConfig::for_folder().with_epochs(epochs).with_batch_size(batch_size).with_trim(trim);
        let model = Preset::from_name(preset)?.config();
        let shares = training.shares_batches(&model);
        let description = self.start_run(model, training.clone())?;
        to_js(&serde_json::json!({ "description": description, "training": training, "sharesBatches": shares }))
    }

    /// The folder's training images, one byte per value, for the replica workers of a run
    /// ([`Replica::load_images`]).
    #[wasm_bindgen(js_name = folderTrainPixels)]
    pub fn folder_train_pixels(&self) -> Result<Vec<u8>, JsError> {
        Ok(self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?.splits.train.pixel_bytes().to_vec())
    }

    /// The labels of the folder's training images, in the same order.
    #[wasm_bindgen(js_name = folderTrainLabels)]
    pub fn folder_train_labels(&self) -> Result<Vec<u8>, JsError> {
        Ok(self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?.splits.train.labels().to_vec())
    }

    /// Makes the weight file `bytes` the folder's model, in place of any run, to rank and encode
    /// the folder: the model saved from it ranks it as before, and a model of another folder of
    /// the same shape scores these images as new ones. `{description, learned, sameFolder}`:
    /// the data set the file says it learned (none for an old file), and whether it is this one.
    #[wasm_bindgen(js_name = openFolderModel)]
    pub fn open_folder_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let folder = self.folder.as_ref().ok_or_else(|| invalid("import a folder before opening a model for it"))?;
        let loaded = weights::load(bytes, &self.device)?;
        loaded.model.check_images(folder.report.shape)?;
        let same_folder = loaded.dataset.as_ref().is_some_and(|learned| learned.check_same(&folder.tag(), "").is_ok());
        let reply = serde_json::json!({
            "description": loaded.model.config().describe(),
            "learned": loaded.dataset.as_ref().map(|learned| &learned.name),
            "sameFolder": same_folder,
        });
        (self.trainer, self.movie_run, self.pace) = (None, None, None);
        self.model = Some(loaded.model);
        to_js(&reply)
    }

    /// The current model's ranking of every image of the folder, most unusual first, with PCA's
    /// beside it: `{ranked: [{file, split, label, index, score, rank, pca_score, pca_rank}], csv,
    /// generates}` (whether the model has a prior to draw samples from).
    #[wasm_bindgen(js_name = unusualImages)]
    pub async fn unusual_images(&self) -> Result<JsValue, JsError> {
        let folder = self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?;
        let ranked = folder::rank_images(self.model()?, folder, &self.device).await?;
        let generates = self.model()?.config().objective.prior().is_some();
        to_js(&serde_json::json!({ "csv": folder::ranking_csv(&ranked), "ranked": ranked, "generates": generates }))
    }

    /// The folder's images in `k` k-means groups of their codes (by default one per class, or 10:
    /// [`folder_groups::default_groups`]), each nearest its centre first,
    /// and, for a labelled folder, the groups' matched accuracy and NMI and a linear probe's test
    /// accuracy on the codes beside PCA's: `{groups: [{members}], labelled}` (see
    /// [`folder_groups::group_images`]).
    #[wasm_bindgen(js_name = folderGroups)]
    pub async fn folder_groups(&self, k: Option<usize>) -> Result<JsValue, JsError> {
        let folder = self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?;
        let k = k.unwrap_or_else(|| folder_groups::default_groups(folder));
        to_js(&folder_groups::group_images(self.model()?, folder, k, &self.device).await?)
    }

    /// Every image's code mapped to 2-D (the code itself, or its top two principal directions):
    /// `{points: [x0, y0, ...], labels, axes, explained, view, classes}`, in the order of the
    /// folder's images; a label of `classes` or more is an unlabelled image.
    #[wasm_bindgen(js_name = folderMap)]
    pub async fn folder_map(&self) -> Result<JsValue, JsError> {
        let folder = self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?;
        let (_, mapped) = explore::LatentMap::fit(self.model()?, &folder.splits.all_images(), &self.device).await?;
        let mut reply = serde_json::to_value(&mapped).map_err(|err| invalid(err.to_string()))?;
        reply["classes"] = folder.report.classes.len().into();
        to_js(&reply)
    }

    /// `count` images the folder's model generates from its prior, planes one after the other,
    /// values in [0, 1]; the same ones for the same `seed`. Refused for a model without a prior.
    #[wasm_bindgen(js_name = folderSamples)]
    pub async fn folder_samples(&self, count: usize, seed: u32) -> Result<Float32Array, JsError> {
        self.device.seed(seed as u64);
        floats(explore::sample_prior(self.model()?, count, 1.0, &self.device)?).await
    }

    /// The code of every image of the folder as CSV (`file,split,label,z1,...`).
    #[wasm_bindgen(js_name = codesCsv)]
    pub async fn codes_csv(&self) -> Result<String, JsError> {
        let folder = self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?;
        Ok(folder::codes_csv(self.model()?, folder, &self.device).await?.0)
    }

    /// The folder's images at `indices` (training images first, then the test images), values
    /// in [0, 1], planes one after the other.
    #[wasm_bindgen(js_name = folderImages)]
    pub fn folder_images(&self, indices: &[u32]) -> Result<Float32Array, JsError> {
        let mut values = Vec::new();
        for &index in indices {
            values.extend(self.folder_image(index as usize)?);
        }
        Ok(Float32Array::from(values.as_slice()))
    }

    /// The folder's image at `index` corrupted and reconstructed by the model: with the model's
    /// own corruption, or masking (keep 0.75) for a model trained without one; the noise drawn
    /// from `seed`. `{file, corruption, clean, noisy, output, cleanMse, noisyPsnr, outputPsnr,
    /// ...}`: `cleanMse` is the image's anomaly score, as the ranking has it.
    #[wasm_bindgen(js_name = folderDenoise)]
    pub async fn folder_denoise(&self, index: usize, seed: u32) -> Result<JsValue, JsError> {
        let model = self.model()?;
        let corruption = match model.config().corruption {
            Corruption::None => Corruption::Masking { keep_probability: 0.75 },
            own => own,
        };
        let clean = self.folder_image(index)?;
        let denoised = explore::denoise(model, &clean, &corruption, u64::from(seed), &self.device).await?;
        let folder = self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?;
        let mut reply = serde_json::to_value(&denoised).map_err(|err| invalid(err.to_string()))?;
        reply["file"] = folder.files()[index].0.into();
        reply["corruption"] = corruption.describe().into();
        reply["clean"] = clean.into();
        to_js(&reply)
    }

    /// `steps` images decoded along the line between the codes of the folder's images `from`
    /// and `to`, ends included, planes one after the other.
    #[wasm_bindgen(js_name = folderInterpolate)]
    pub async fn folder_interpolate(&self, from: usize, to: usize, steps: usize) -> Result<Float32Array, JsError> {
        let (from, to) = (self.folder_image(from)?, self.folder_image(to)?);
        floats(explore::interpolate(self.model()?, &from, &to, steps, &self.device)?).await
    }
}

impl Studio {
    /// The folder's image at `index` (see [`Studio::folder_images`]), values in [0, 1].
    fn folder_image(&self, index: usize) -> Result<Vec<f32>, JsError> {
        let splits = &self.folder.as_ref().ok_or_else(|| invalid("no folder imported"))?.splits;
        let image = match index.checked_sub(splits.train.len()) {
            None => splits.train.image(index),
            Some(test) if test < splits.test.len() => splits.test.image(test),
            Some(_) => return Err(invalid(format!("the folder has no image {index}"))),
        };
        Ok(image.iter().map(|&value| f32::from(value) / 255.0).collect())
    }

    fn import_mut(&mut self) -> Result<&mut Import, JsError> {
        self.import.as_mut().ok_or_else(|| invalid("begin an import first"))
    }
}

#[wasm_bindgen]
impl Replica {
    /// Loads a folder's training images as the leader holds them ([`Studio::folder_train_pixels`]
    /// and its labels): `side` x `side` pixels, grey or `colour`; returns their count.
    #[wasm_bindgen(js_name = loadImages)]
    pub fn load_images(&mut self, side: usize, colour: bool, pixels: Vec<u8>, labels: Vec<u8>) -> Result<usize, JsError> {
        Ok(self.train.insert(Dataset::with_shape(ImageShape::new(side, colour)?, pixels, labels)?).len())
    }
}
