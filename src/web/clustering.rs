//! The Uses panel's deep clustering (IDEC or DEC) of the model in use, in the training worker's
//! [`Studio`]: on the test images, scored as the k-means button scores them.

use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use super::Studio;
use super::convert::invalid;
use crate::model::weights;
use crate::uses::cluster::accuracy_and_nmi as scores;
use crate::uses::deep_clustering::{ClusteringMethod, DeepClusteringConfig, DeepClusteringRun};

impl Studio {
    /// Starts fine-tuning the model of a weight file to cluster the test images with the page's
    /// settings ([`DeepClusteringConfig::for_the_page`]); any run of this worker ends. Replies
    /// with k-means's scores and how to step the run: `{step: 0, accuracy, nmi, images, method,
    /// updateInterval}` (`method`: "IDEC" or "DEC").
    pub(super) async fn clustering_start(&mut self, bytes: &[u8]) -> Result<Value, JsError> {
        let config = DeepClusteringConfig::for_the_page();
        let method = match config.method {
            ClusteringMethod::Idec => "IDEC",
            ClusteringMethod::Dec => "DEC",
        };
        let update_interval = config.update_interval;
        let test = &self.data()?.test;
        let loaded = weights::load(bytes, &self.device.clone().autodiff())?;
        let run = DeepClusteringRun::start(loaded.model, test, config).await?;
        let (accuracy, nmi) = scores(run.clusters(), test.labels())?;
        let images = test.len();
        self.trainer = None;
        self.movie_run = None;
        self.model = Some(run.model().autoencoder);
        self.clustering = Some(run);
        Ok(json!({ "step": 0, "accuracy": accuracy, "nmi": nmi, "images": images, "method": method, "updateInterval": update_interval }))
    }

    /// Up to `max_steps` steps of the clustering run; the fine-tuned model becomes the one
    /// `exportWeights` gives. `{step, changed, divergence, reconstruction, converged, finished,
    /// accuracy, nmi}`, the scores of the clusters at the last target update.
    pub(super) async fn clustering_steps(&mut self, max_steps: usize) -> Result<Value, JsError> {
        // Field by field: the run is borrowed mutably beside the data.
        let test = &super::studio_state::loaded(&self.data, &self.folder)?.test;
        let run = self.clustering.as_mut().ok_or_else(|| invalid("no clustering run started"))?;
        let progress = run.train_steps(test, max_steps).await?;
        self.model = Some(run.model().autoencoder);
        let (accuracy, nmi) = scores(&progress.clusters, test.labels())?;
        let mut reply = serde_json::to_value(&progress).map_err(|err| invalid(err.to_string()))?;
        reply["accuracy"] = json!(accuracy);
        reply["nmi"] = json!(nmi);
        Ok(reply)
    }
}
