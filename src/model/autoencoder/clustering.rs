//! What a clustering code (Makhzani et al.'s categorical code; see [`crate::model::Prior::Clusters`]) adds to
//! an autoencoder's training: the centre its logits are coded against, and the consistency of
//! its cluster assignments under small distortions of the images.

use std::ops::Range;

use burn::optim::GradientsParams;
use burn::prelude::*;

use super::Autoencoder;
use crate::model::prior::view_consistency;
use crate::nn::augment::{DIGIT_VIEWS, random_affine};

impl Autoencoder {
    /// Moves a clustering code's centre `rate` of the way to the batch's mean logits, taking
    /// its gradient (`centre - mean`, from [`crate::model::prior::centre_pull`]) out of
    /// `gradients`: the centre is an exponential moving average of the batches' means, as batch
    /// normalization's running mean is. The optimizer never sees it: Adam moves a parameter
    /// about one learning rate a step, and the mean of logits moves by many. Replicas apply the
    /// leader's gradients of the whole batch, so they move it alike.
    pub fn follow_cluster_centre(mut self, mut gradients: GradientsParams, rate: f64) -> (Autoencoder, GradientsParams) {
        if let Some(centre) = self.cluster_centre.take() {
            let pull = gradients.remove::<1>(centre.id);
            self.cluster_centre = Some(match pull {
                Some(pull) => centre.map(|value| Tensor::from_inner(value.inner() - pull.mul_scalar(rate)).require_grad()),
                None => centre,
            });
        }
        (self, gradients)
    }

    /// The zero-valued loss that trains a clustering code's centre on a batch's raw encoder
    /// `outputs` (see [`crate::model::prior::centre_pull`]); `None` for other models.
    pub(super) fn centre_pull(&self, outputs: &Tensor<2>) -> Option<Tensor<1>> {
        let centre = self.cluster_centre.as_ref()?.val();
        let [batch, _] = outputs.dims();
        let [clusters] = centre.dims();
        Some(crate::model::prior::centre_pull(centre, outputs.clone().slice([0..batch, 0..clusters])))
    }

    /// The encoder's raw outputs for `input` and, for a clustering code with a views'
    /// consistency while training, each image's [`crate::model::prior::view_consistency`]: the
    /// images and a random view of each go through the encoder as one batch.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: `[batch, outputs]`, and `[batch]`
    pub(super) fn outputs_and_view_consistency(&self, input: Tensor<2>) -> (Tensor<2>, Option<Tensor<1>>) {
        let prior = self.config.objective.prior();
        let clusters = prior.and_then(|prior| prior.consistency().and(prior.clusters()));
        let (Some(clusters), true) = (clusters, input.device().is_autodiff()) else {
            return (self.encoder_outputs(input), None);
        };
        let [batch, _] = input.dims();
        let views = random_affine(input.clone(), DIGIT_VIEWS);
        let both = self.encoder_outputs(Tensor::cat(vec![input, views], 0));
        let [_, width] = both.dims();
        let logits = |rows: Range<usize>| both.clone().slice([rows, 0..clusters]);
        let consistency = view_consistency(logits(0..batch), logits(batch..2 * batch));
        (both.clone().slice([0..batch, 0..width]), Some(consistency))
    }
}
