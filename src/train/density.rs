//! Training a plain PixelCNN: no code, no encoder, so not a model the autoencoder trainer runs;
//! the comparison the PixelVAE's likelihood is measured against. Mini-batches of the shuffled
//! training set, Adam on the mean per-image NLL, one readback per epoch.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::Dataset;
use crate::error::{AeError, AeResult};
use crate::nn::loss::{bce_with_logits, per_sample_sum};
use crate::nn::pixelcnn::{PixelCnn, PixelCnnConfig};
use crate::train::TrainingConfig;
use crate::uses::explore::read_floats;

/// Trains a fresh unconditioned PixelCNN of `config` on `data` for `training`'s epochs, calling
/// `on_epoch(epoch, mean training NLL per image)` after each. Fails with [`AeError::Diverged`] at
/// an epoch whose loss is not finite. Returns the model without autodiff.
pub async fn train_pixelcnn(config: &PixelCnnConfig, training: &TrainingConfig, data: &Dataset, device: &Device, mut on_epoch: impl FnMut(usize, f64)) -> AeResult<PixelCnn> {
    training.validate(data.len())?;
    let device = device.clone().autodiff();
    device.seed(training.seed);
    let mut model = config.clone().with_condition_channels(0).init(&device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let mut rng = StdRng::seed_from_u64(training.seed);
    let mut order: Vec<usize> = (0..data.len()).collect();
    for epoch in 0..training.epochs {
        order.shuffle(&mut rng);
        let mut epoch_sum: Option<Tensor<1>> = None;
        for (step, batch) in order.chunks(training.batch_size).enumerate() {
            let images = data.batch(batch, &device);
            let loss = per_sample_sum(bce_with_logits(model.forward(images.clone(), None), images)).mean();
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(training.learning_rate, model, gradients);
            let detached = loss.detach().inner();
            epoch_sum = Some(match epoch_sum {
                Some(sum) => sum + detached,
                None => detached,
            });
            if step + 1 == order.len().div_ceil(training.batch_size) {
                let sum = read_floats(epoch_sum.take().expect("summed this epoch")).await?[0];
                let mean = sum / (step + 1) as f32;
                if !mean.is_finite() {
                    return Err(AeError::Diverged { epoch, step, loss: mean });
                }
                on_epoch(epoch, mean as f64);
            }
        }
    }
    Ok(model.valid())
}
