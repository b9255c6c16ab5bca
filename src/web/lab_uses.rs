//! The live worker's uses panel: the anomaly histogram, the code units, a linear probe, PCA
//! against the model, and k-means, each computed for the model in use (see [`Lab`]).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::Lab;
use super::convert::{invalid, to_js, with_arrays, with_labels};
use crate::data::Dataset;
use crate::uses::anomaly::{self, Histogram};
use crate::uses::cluster;
use crate::uses::explore;
use crate::uses::pca::Pca;
use crate::uses::probe::{Features, LinearProbe, ProbeConfig, check_label_count};

impl Lab {
    /// The test images' reconstruction errors as a histogram with its 99th percentile; with
    /// `normal` classes (a model trained on them alone), of those classes' images, and the AUROC
    /// of telling the other classes' images from them.
    pub(super) async fn anomaly_histogram_reply(&mut self, bins: usize, normal: Option<Vec<u8>>) -> Result<JsValue, JsError> {
        self.ensure_test_errors().await?;
        let scores = self.test_errors();
        let (reference, auroc) = match normal {
            None => (scores.to_vec(), None),
            Some(classes) => {
                let (normal, anomalies) = anomaly::split_by_class(scores, self.test()?.labels(), &classes)?;
                // Every class normal leaves no anomaly to tell apart.
                let auroc = if anomalies.is_empty() { None } else { Some(anomaly::auroc(&normal, &anomalies)?) };
                (normal, auroc)
            }
        };
        let histogram = Histogram::of(&reference, bins, 0.995)?;
        let threshold = anomaly::quantile(&reference, 0.99);
        self.scores = Some(reference);
        #[derive(Serialize)]
        struct Reply {
            #[serde(flatten)]
            histogram: Histogram,
            threshold: f32,
            auroc: Option<f64>,
        }
        to_js(&Reply { histogram, threshold, auroc })
    }

    pub(super) async fn units_reply(&mut self, count: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let model = self.model()?;
        let config = model.config();
        let filters = explore::filter_images(model, count).await?;
        let means = explore::column_means(self.test_codes(), config.code_size);
        let rho = config.objective.sparsity_target();
        let average = means.iter().map(|&mean| f64::from(mean)).sum::<f64>() / means.len().max(1) as f64;
        let reply = to_js(&serde_json::json!({
            "average": average,
            "filterCount": filters.as_ref().map_or(0, |f| f.len() / config.image.values()),
            "rho": rho,
            "codeActivation": config.code_activation,
        }))?;
        let reply = with_arrays(reply, &[("meanActivations", &means)])?;
        if let Some(filters) = filters {
            return with_arrays(reply, &[("filters", &filters)]);
        }
        Ok(reply)
    }

    pub(super) async fn probe_reply(&mut self, labels: usize, epochs: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let model = self.model()?;
        let (train, test) = (self.train.as_ref().ok_or_else(|| invalid("the training set is not loaded"))?, self.test()?);
        check_label_count(labels, train.len())?;
        let train = train.take(labels);
        let config = ProbeConfig::new().with_epochs(epochs);
        let width = model.config().code_size;
        let train_codes = Features { values: explore::encode_dataset(model, &train, &self.device).await?, width };
        let test_codes = Features { values: self.test_codes().to_vec(), width };
        let probe = LinearProbe::fit(&train_codes, train.labels(), &config, &self.device).await?;
        let on_codes = probe.accuracy(&test_codes, test.labels(), &self.device).await?;
        let on_pixels = if labels <= 1000 {
            let pixels = |data: &Dataset| Features { values: data.scaled_pixels(), width: data.shape().values() };
            let probe = LinearProbe::fit(&pixels(&train), train.labels(), &config, &self.device).await?;
            Some(probe.accuracy(&pixels(test), test.labels(), &self.device).await?)
        } else {
            None
        };
        to_js(&serde_json::json!({ "codes": on_codes, "pixels": on_pixels }))
    }

    pub(super) async fn pca_comparison_reply(&mut self, fit_images: usize) -> Result<JsValue, JsError> {
        let train = self.train.as_ref().ok_or_else(|| invalid("the training set is not loaded"))?;
        let components = self.model()?.config().code_size.clamp(2, train.shape().values());
        let pca = Pca::fit(&train.take(fit_images), components)?;
        // Every test image's error (the anomaly histogram's may be some classes' only).
        self.ensure_test_errors().await?;
        let scores = self.test_errors();
        let test = self.test()?;
        let pca_mse = pca.reconstruction_mse(test);
        let model_mse = scores.iter().map(|&s| s as f64).sum::<f64>() / scores.len() as f64;
        let points: Vec<f32> = pca.project(test).chunks(components).flat_map(|row| [row[0], row[1]]).collect();
        let view = explore::view_bounds(&points);
        let reply = to_js(&serde_json::json!({ "components": components, "pcaMse": pca_mse, "modelMse": model_mse, "view": view }))?;
        let reply = with_arrays(reply, &[("points", &points)])?;
        with_labels(&reply, test.labels())?;
        Ok(reply)
    }

    pub(super) async fn cluster_reply(&mut self, restarts: usize) -> Result<JsValue, JsError> {
        self.ensure_test_codes().await?;
        let test = self.test()?;
        let config = self.model()?.config();
        let (width, clusters) = (config.code_size, config.objective.prior().and_then(|prior| prior.clusters()));
        let solution = cluster::kmeans(self.test_codes(), width, 10, restarts, 300, 1)?;
        // A clustering model's own clusters too, each labelled by its test images' majority (the
        // page has no training codes; the command line labels them from the training images).
        let codes = (self.test_codes(), test.labels());
        let own = clusters.map(|clusters| cluster::categorical_scores(codes, codes, width, clusters, cluster::ClusterLabelling::Majority)).transpose()?;
        to_js(&serde_json::json!({
            "accuracy": cluster::cluster_accuracy(&solution.assignments, test.labels())?,
            "nmi": cluster::normalized_mutual_information(&solution.assignments, test.labels())?,
            "clusters": clusters,
            "own": own,
        }))
    }
}
