//! Greedy layer-wise training (Bengio et al. 2007, Vincent et al. 2010): each layer of a dense
//! encoder is first trained as a one-hidden-layer autoencoder of the previous layer's codes, then
//! the layers are stacked (encoders in order, decoders in reverse) into one autoencoder, which
//! [`crate::train::Trainer`] fine-tunes end to end.
//!
//! Stage 0 reconstructs pixels with the model's own likelihood, from inputs corrupted as the
//! model's configuration says (a stacked denoising autoencoder); deeper stages reconstruct the
//! previous layer's activations by squared error, through the same activation, so that each
//! stage's decoder is exactly the layer the stacked decoder uses.

use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{AeError, AeResult, ensure};
use crate::uses::explore::read_floats;
use crate::nn::loss::{bce_with_logits, squared_error};
use crate::nn::mlp::{Activation, Mlp};
use crate::data::Dataset;
use crate::model::{Architecture, Autoencoder, AutoencoderConfig, Likelihood};
use crate::train::TrainingConfig;

/// One stage: a layer of the stack and the decoder that learns to undo it.
#[derive(Module, Debug)]
pub struct LayerAutoencoder {
    encoder: Linear,
    decoder: Linear,
}

/// What a stage's decoder outputs, which fixes its loss.
#[derive(Clone, Copy, Debug)]
enum StageTarget {
    /// Pixel logits, compared with the clean image under the model's likelihood.
    Pixels(Likelihood),
    /// The previous layer's activations, reconstructed through the same activation.
    Activations(Activation),
}

/// What each stage reported, in stack order.
#[derive(Clone, Debug, PartialEq)]
pub struct StageReport {
    /// `[inputs, outputs]` of the stage's layer.
    pub widths: [usize; 2],
    /// Mean reconstruction loss of the stage's last epoch (per input unit).
    pub final_loss: f32,
}

impl LayerAutoencoder {
    /// # Shapes
    /// - input: `[batch, inputs]`
    /// - output: the code `[batch, outputs]` and the decoder's output `[batch, inputs]` (before
    ///   the stage's output activation)
    fn forward(&self, input: Tensor<2>, code_activation: Option<Activation>) -> (Tensor<2>, Tensor<2>) {
        let pre = self.encoder.forward(input);
        let code = match code_activation {
            Some(activation) => activation.forward(pre),
            None => pre,
        };
        let output = self.decoder.forward(code.clone());
        (code, output)
    }

    /// Loss per input unit of the stage.
    fn loss(&self, input: Tensor<2>, target: Tensor<2>, code_activation: Option<Activation>, kind: StageTarget) -> Tensor<1> {
        let (_, output) = self.forward(input, code_activation);
        match kind {
            StageTarget::Pixels(Likelihood::Bernoulli) => bce_with_logits(output, target).mean(),
            StageTarget::Pixels(likelihood) => squared_error(likelihood.pixels(output), target).mean(),
            StageTarget::Activations(activation) => squared_error(activation.forward(output), target).mean(),
        }
    }
}

/// Trains each layer of `config`'s dense encoder greedily, `training.epochs` epochs per stage on
/// `data`, and returns the stacked autoencoder on `device.autodiff()`, ready to fine-tune, with
/// one report per stage. Penalties (sparse, contractive) apply only during fine-tuning.
pub async fn pretrain(config: &AutoencoderConfig, training: &TrainingConfig, data: &Dataset, device: &Device) -> AeResult<(Autoencoder, Vec<StageReport>)> {
    config.validate()?;
    training.validate(data.len())?;
    let Architecture::Mlp { hidden } = &config.architecture else {
        return Err(AeError::InvalidConfig("layer-wise training stacks dense layers: choose a dense architecture".into()));
    };
    ensure(!config.objective.is_variational() && !config.objective.needs_critic(), || "layer-wise training is for deterministic autoencoders, not a VAE or an adversarial AE".into())?;
    let inference_device = device.clone();
    let device = device.clone().autodiff();
    device.seed(training.seed);
    let mut widths = vec![config.image.values()];
    widths.extend(hidden);
    widths.push(config.code_size);

    // The current stage's inputs, row by row, kept on the host between stages.
    let mut features = data.scaled_pixels();
    let mut encoders = Vec::new();
    let mut decoders = Vec::new();
    let mut reports = Vec::new();
    let last = widths.len() - 2;
    for (stage, pair) in widths.windows(2).enumerate() {
        let [inputs, outputs] = [pair[0], pair[1]];
        let code_activation = if stage == last { config.code_activation } else { Some(config.activation) };
        let kind = if stage == 0 { StageTarget::Pixels(config.likelihood) } else { StageTarget::Activations(config.activation) };
        let mut layer = LayerAutoencoder {
            encoder: LinearConfig::new(inputs, outputs).init(&device),
            decoder: LinearConfig::new(outputs, inputs).init(&device),
        };
        let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
        let mut rng = StdRng::seed_from_u64(training.seed.wrapping_add(stage as u64));
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut final_loss = f32::NAN;
        for _ in 0..training.epochs {
            order.shuffle(&mut rng);
            let mut epoch_sum: Option<Tensor<1>> = None;
            for batch in order.chunks(training.batch_size) {
                let target = rows_of(&features, inputs, batch, &device);
                let input = if stage == 0 { config.corruption.apply(target.clone()) } else { target.clone() };
                let loss = layer.loss(input, target, code_activation, kind);
                let gradients = GradientsParams::from_grads(loss.backward(), &layer);
                layer = optimizer.step(training.learning_rate, layer, gradients);
                let loss = loss.detach();
                epoch_sum = Some(match epoch_sum {
                    Some(sum) => sum + loss,
                    None => loss,
                });
            }
            let sum: f32 = epoch_sum.expect("at least one batch").into_scalar_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
            final_loss = sum / order.len().div_ceil(training.batch_size) as f32;
            if !final_loss.is_finite() {
                return Err(AeError::Diverged { epoch: stage, step: 0, loss: final_loss });
            }
        }
        reports.push(StageReport { widths: [inputs, outputs], final_loss });
        if stage < last {
            features = stage_codes(&layer.valid(), &features, inputs, code_activation, &inference_device).await?;
        }
        encoders.push(layer.encoder);
        decoders.push(layer.decoder);
    }
    decoders.reverse();
    let model = Autoencoder::from_mlps(config, Mlp::from_layers(encoders, config.activation), Mlp::from_layers(decoders, config.activation))?;
    Ok((model, reports))
}

/// The rows `batch` of a row-major `features` matrix of `width` columns.
///
/// # Shapes
/// - output: `[batch.len(), width]`
fn rows_of(features: &[f32], width: usize, batch: &[usize], device: &Device) -> Tensor<2> {
    let values: Vec<f32> = batch.iter().flat_map(|&i| features[i * width..(i + 1) * width].iter().copied()).collect();
    Tensor::from_data(TensorData::new(values, [batch.len(), width]), device)
}

/// The stage's codes of every row of `features` (the next stage's inputs).
async fn stage_codes(layer: &LayerAutoencoder, features: &[f32], width: usize, code_activation: Option<Activation>, device: &Device) -> AeResult<Vec<f32>> {
    let rows = features.len() / width;
    let mut codes = Vec::new();
    for start in (0..rows).step_by(1000) {
        let batch: Vec<usize> = (start..(start + 1000).min(rows)).collect();
        let (code, _) = layer.forward(rows_of(features, width, &batch, device), code_activation);
        codes.extend(read_floats(code).await?);
    }
    Ok(codes)
}
