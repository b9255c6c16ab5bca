//! A small convolutional encoder/decoder pair for 28x28x1 images: two stride-2 convolutions
//! (28 → 14 → 7) and a linear layer to the code, mirrored by transposed convolutions.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use crate::data::IMAGE_SIDE;
use crate::nn::conv_gemm::{conv2d, conv_transpose2d};
use crate::nn::mlp::Activation;

/// Side of the feature maps after the two stride-2 convolutions.
const BOTTOM_SIDE: usize = IMAGE_SIDE / 4;

/// Configuration of a [`ConvEncoder`].
#[derive(Config, Debug)]
pub struct ConvEncoderConfig {
    /// Channels after the first and the second convolution.
    pub channels: [usize; 2],
    /// Output features (the code, or twice the code for a VAE).
    pub output: usize,
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

impl ConvEncoderConfig {
    /// Initializes the encoder on `device`.
    pub fn init(&self, device: &Device) -> ConvEncoder {
        let [first, second] = self.channels;
        let conv = |from, to| {
            Conv2dConfig::new([from, to], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device)
        };
        ConvEncoder {
            conv1: conv(1, first),
            conv2: conv(first, second),
            linear: LinearConfig::new(second * BOTTOM_SIDE * BOTTOM_SIDE, self.output).init(device),
            activation: self.activation,
        }
    }
}

/// Conv(3x3, stride 2) → act → Conv(3x3, stride 2) → act → flatten → Linear.
#[derive(Module, Debug)]
pub struct ConvEncoder {
    conv1: Conv2d,
    conv2: Conv2d,
    linear: Linear,
    #[module(skip)]
    activation: Activation,
}

impl ConvEncoder {
    /// # Shapes
    /// - input: `[batch, 784]` (flattened 28x28 images)
    /// - output: `[batch, output]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let [_, second] = self.forward_maps(input);
        self.linear.forward(second.flatten(1, 3))
    }

    /// The activations of the two convolutions.
    ///
    /// # Shapes
    /// - input: `[batch, 784]`
    /// - output: `[batch, channels[0], 14, 14]` and `[batch, channels[1], 7, 7]`
    pub fn forward_maps(&self, input: Tensor<2>) -> [Tensor<4>; 2] {
        let [batch, _] = input.dims();
        let x = input.reshape([batch, 1, IMAGE_SIDE, IMAGE_SIDE]);
        let first = self.activation.forward(conv2d(&self.conv1, x));
        let second = self.activation.forward(conv2d(&self.conv2, first.clone()));
        [first, second]
    }
}

/// Configuration of a [`ConvDecoder`].
#[derive(Config, Debug)]
pub struct ConvDecoderConfig {
    /// Code size.
    pub input: usize,
    /// Channels entering the first and the second transposed convolution.
    pub channels: [usize; 2],
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Maps at 28x28: 1 for pixel logits, more for a PixelCNN's conditioning maps.
    #[config(default = 1)]
    pub output_channels: usize,
}

impl ConvDecoderConfig {
    /// Initializes the decoder on `device`.
    pub fn init(&self, device: &Device) -> ConvDecoder {
        let [first, second] = self.channels;
        let up = |from, to| {
            ConvTranspose2dConfig::new([from, to], [3, 3])
                .with_stride([2, 2])
                .with_padding([1, 1])
                .with_padding_out([1, 1])
                .init(device)
        };
        ConvDecoder {
            linear: LinearConfig::new(self.input, first * BOTTOM_SIDE * BOTTOM_SIDE).init(device),
            deconv1: up(first, second),
            deconv2: up(second, self.output_channels),
            channels: first,
            activation: self.activation,
        }
    }
}

/// Linear → act → reshape → ConvT(3x3, stride 2) → act → ConvT(3x3, stride 2), giving logits.
#[derive(Module, Debug)]
pub struct ConvDecoder {
    linear: Linear,
    deconv1: ConvTranspose2d,
    deconv2: ConvTranspose2d,
    channels: usize,
    #[module(skip)]
    activation: Activation,
}

impl ConvDecoder {
    /// # Shapes
    /// - input: `[batch, code]`
    /// - output: `[batch, 784]` (logits of the pixels)
    pub fn forward(&self, code: Tensor<2>) -> Tensor<2> {
        let [batch, _] = code.dims();
        self.forward_maps(code).reshape([batch, IMAGE_SIDE * IMAGE_SIDE])
    }

    /// The decoder's output as feature maps (a PixelCNN's conditioning).
    ///
    /// # Shapes
    /// - input: `[batch, code]`
    /// - output: `[batch, output_channels, 28, 28]`
    pub fn forward_maps(&self, code: Tensor<2>) -> Tensor<4> {
        let [batch, _] = code.dims();
        let x = self.activation.forward(self.linear.forward(code));
        let x = x.reshape([batch, self.channels, BOTTOM_SIDE, BOTTOM_SIDE]);
        let x = self.activation.forward(conv_transpose2d(&self.deconv1, x));
        conv_transpose2d(&self.deconv2, x)
    }
}
