//! The image critic of VAE-GAN (Larsen et al. 2016): a convolutional network that tells data
//! from the decoder's images, and whose hidden features are where the model measures its
//! reconstructions ("learned similarity") instead of in pixels.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::data::IMAGE_SIDE;
use crate::nn::conv_gemm::conv2d;
use crate::model::critic::{CriticConfig, CriticTerms, critic_loss};
use crate::nn::mlp::Activation;

/// Channels of the two stride-2 convolutions (28 → 14 → 7).
const CHANNELS: [usize; 2] = [32, 64];

/// Values of the feature layer `l`: the second convolution's activations.
pub const FEATURES: usize = CHANNELS[1] * (IMAGE_SIDE / 4) * (IMAGE_SIDE / 4);

/// Conv(3x3, stride 2) → leaky ReLU → Conv(3x3, stride 2) → leaky ReLU (the features) → dense
/// layers of the critic's `hidden` widths → one logit, high for what it takes to be data.
#[derive(Module, Debug)]
pub struct ImageCritic {
    conv1: Conv2d,
    conv2: Conv2d,
    head: Vec<Linear>,
    #[module(skip)]
    dropout: f64,
}

impl CriticConfig {
    /// The image critic of this configuration (`hidden`: the dense layers after the
    /// convolutions), on `device`.
    pub fn init_image(&self, device: &Device) -> ImageCritic {
        let conv = |from, to| Conv2dConfig::new([from, to], [3, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device);
        let mut widths = vec![FEATURES];
        widths.extend(&self.hidden);
        widths.push(1);
        let head = widths.windows(2).map(|pair| LinearConfig::new(pair[0], pair[1]).init(device)).collect();
        ImageCritic { conv1: conv(1, CHANNELS[0]), conv2: conv(CHANNELS[0], CHANNELS[1]), head, dropout: self.dropout }
    }
}

impl ImageCritic {
    /// The feature layer `l` of each image, standardized over its values (zero mean, unit
    /// variance per image). Larsen et al.'s critic has batch normalization, which keeps its
    /// features near unit scale; without it they shrink as the critic trains, and the distance
    /// in them weighs nothing against the KL, so the codes carry nothing (measured: KL 1.5 nats).
    /// Standardizing per image keeps the scale without running statistics to store.
    ///
    /// # Shapes
    /// - images: `[batch, 784]`, pixels in [0, 1]
    /// - output: `[batch, FEATURES]`
    pub fn features(&self, images: Tensor<2>) -> Tensor<2> {
        let [batch, _] = images.dims();
        let x = images.reshape([batch, 1, IMAGE_SIDE, IMAGE_SIDE]);
        let x = Activation::LeakyRelu.forward(conv2d(&self.conv1, x));
        let features: Tensor<2> = Activation::LeakyRelu.forward(conv2d(&self.conv2, x)).flatten(1, 3);
        let (variance, mean) = features.clone().var_mean_bias(1);
        (features - mean) / variance.add_scalar(1e-5).sqrt()
    }

    /// Half the squared distance between the features of each image of `data` (detached: the
    /// data's side moves nothing) and of its `reconstructed` features: VAE-GAN's reconstruction
    /// term, a Gaussian of unit variance in feature space.
    ///
    /// # Shapes
    /// - data: `[batch, 784]`; reconstructed: `[batch, FEATURES]`
    /// - output: `[batch]`
    pub fn feature_distance(&self, data: Tensor<2>, reconstructed: Tensor<2>) -> Tensor<1> {
        let data = self.features(data).detach();
        (data - reconstructed).powi_scalar(2).sum_dim(1).flatten::<1>(0, 1).mul_scalar(0.5)
    }

    /// The logit that each image is data, from its features (with dropout before each dense
    /// layer while training, as [`crate::model::Critic`] does).
    ///
    /// # Shapes
    /// - features: `[batch, FEATURES]`
    /// - output: `[batch, 1]`
    pub fn judge(&self, features: Tensor<2>) -> Tensor<2> {
        let training = self.dropout > 0.0 && features.device().is_autodiff();
        let last = self.head.len() - 1;
        self.head.iter().enumerate().fold(features, |x, (index, layer)| {
            let x = if training { crate::model::critic::drop(x, self.dropout) } else { x };
            let y = layer.forward(x);
            if index < last { Activation::LeakyRelu.forward(y) } else { y }
        })
    }

    /// The critic's loss: data labelled 1, reconstructions and images decoded from prior draws
    /// labelled 0 (each half of the fakes weighing half), with its accuracy over the three and
    /// the spread of the encoder's `codes`.
    ///
    /// # Shapes
    /// - data, reconstructed, generated: `[batch, 784]`; codes: `[batch, code]`
    pub fn loss(&self, data: Tensor<2>, reconstructed: Tensor<2>, generated: Tensor<2>, codes: Tensor<2>) -> CriticTerms {
        let [batch, _] = data.dims();
        let real = self.judge(self.features(data.detach()));
        let fakes = self.judge(self.features(Tensor::cat(vec![reconstructed.detach(), generated.detach()], 0)));
        let right = real.clone().greater_elem(0.0).float().sum().mul_scalar(2.0) + fakes.clone().lower_equal_elem(0.0).float().sum();
        // critic_loss averages each side: the fakes' side is both kinds of fakes together.
        let real_twice = Tensor::cat(vec![real.clone(), real], 0);
        CriticTerms {
            loss: critic_loss(real_twice, fakes),
            accuracy: right.div_scalar(4.0 * batch as f64).detach(),
            spread: codes.detach().var(0).sqrt().mean(),
        }
    }
}
