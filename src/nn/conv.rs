//! A convolutional encoder/decoder pair for images of any [`ImageShape`]: one 3x3 stride-2
//! convolution per halving of the side (28 → 14 → 7, 32 → 16 → 8, 64 → 32 → 16 → 8) and a
//! linear layer to the code, mirrored by transposed convolutions.
//!
//! The last two convolutions keep the names of the 28-pixel network (`conv1`, `conv2`,
//! `deconv1`, `deconv2`), so weight files written before other shapes existed load unchanged; a
//! 64-pixel network adds its extra stage in `stem` (encoder) and `tail` (decoder).

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

use crate::data::ImageShape;
use crate::nn::conv_gemm::{conv2d, conv_transpose2d};
use crate::nn::mlp::Activation;

/// A 3x3 stride-2 convolution that halves the side (rounding up).
fn halving(from: usize, to: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([from, to], [3, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

/// A 3x3 stride-2 transposed convolution that doubles the side.
fn doubling(from: usize, to: usize, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([from, to], [3, 3]).with_stride([2, 2]).with_padding([1, 1]).with_padding_out([1, 1]).init(device)
}

/// The number of stages ahead of the last two: one per halving past the second.
fn extra_stages(image: ImageShape) -> usize {
    image.halved_sides().len() - 2
}

/// Side of the feature maps after the last convolution.
fn bottom_side(image: ImageShape) -> usize {
    *image.halved_sides().last().expect("at least two halvings")
}

/// Configuration of a [`ConvEncoder`].
#[derive(Config, Debug)]
pub struct ConvEncoderConfig {
    /// Channels after the last two convolutions (any earlier stage has the first count).
    pub channels: [usize; 2],
    /// Output features (the code, or twice the code for a VAE).
    pub output: usize,
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    #[config(default = "ImageShape::MNIST")]
    pub image: ImageShape,
}

impl ConvEncoderConfig {
    /// Initializes the encoder on `device`.
    pub fn init(&self, device: &Device) -> ConvEncoder {
        let [first, second] = self.channels;
        let extra = extra_stages(self.image);
        let stem = (0..extra).map(|stage| halving(if stage == 0 { self.image.channels } else { first }, first, device)).collect();
        let into_conv1 = if extra == 0 { self.image.channels } else { first };
        let bottom = bottom_side(self.image);
        ConvEncoder {
            stem,
            conv1: halving(into_conv1, first, device),
            conv2: halving(first, second, device),
            linear: LinearConfig::new(second * bottom * bottom, self.output).init(device),
            activation: self.activation,
            image: self.image,
        }
    }
}

/// (Conv(3x3, stride 2) → act) per halving → flatten → Linear.
#[derive(Module, Debug)]
pub struct ConvEncoder {
    stem: Vec<Conv2d>,
    conv1: Conv2d,
    conv2: Conv2d,
    linear: Linear,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    image: ImageShape,
}

impl ConvEncoder {
    /// # Shapes
    /// - input: `[batch, values]` (flattened images, planes one after the other)
    /// - output: `[batch, output]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let [_, second] = self.forward_maps(input);
        self.linear.forward(second.flatten(1, 3))
    }

    /// The activations of the last two convolutions.
    ///
    /// # Shapes
    /// - input: `[batch, values]`
    /// - output: `[batch, channels[0], s, s]` and `[batch, channels[1], s / 2, s / 2]` (14 and 7
    ///   for MNIST)
    pub fn forward_maps(&self, input: Tensor<2>) -> [Tensor<4>; 2] {
        let [batch, _] = input.dims();
        let ImageShape { channels, side } = self.image;
        let mut x = input.reshape([batch, channels, side, side]);
        for conv in &self.stem {
            x = self.activation.forward(conv2d(conv, x));
        }
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
    /// Channels entering the first two transposed convolutions (any later stage takes the
    /// second count).
    pub channels: [usize; 2],
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
    /// Maps at full size: the image's channels for pixel logits, more for a PixelCNN's
    /// conditioning maps.
    #[config(default = 1)]
    pub output_channels: usize,
    #[config(default = "ImageShape::MNIST")]
    pub image: ImageShape,
}

impl ConvDecoderConfig {
    /// Initializes the decoder on `device`.
    pub fn init(&self, device: &Device) -> ConvDecoder {
        let [first, second] = self.channels;
        let extra = extra_stages(self.image);
        let bottom = bottom_side(self.image);
        let out_of_deconv2 = if extra == 0 { self.output_channels } else { second };
        let tail = (0..extra).map(|stage| doubling(second, if stage + 1 == extra { self.output_channels } else { second }, device)).collect();
        ConvDecoder {
            linear: LinearConfig::new(self.input, first * bottom * bottom).init(device),
            deconv1: doubling(first, second, device),
            deconv2: doubling(second, out_of_deconv2, device),
            tail,
            channels: first,
            activation: self.activation,
            image: self.image,
        }
    }
}

/// Linear → act → reshape → (ConvT(3x3, stride 2) → act) per doubling, the last without act,
/// giving logits.
#[derive(Module, Debug)]
pub struct ConvDecoder {
    linear: Linear,
    deconv1: ConvTranspose2d,
    deconv2: ConvTranspose2d,
    tail: Vec<ConvTranspose2d>,
    channels: usize,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    image: ImageShape,
}

impl ConvDecoder {
    /// # Shapes
    /// - input: `[batch, code]`
    /// - output: `[batch, output_channels * side * side]` (logits of the pixels)
    pub fn forward(&self, code: Tensor<2>) -> Tensor<2> {
        self.forward_maps(code).flatten(1, 3)
    }

    /// The decoder's output as feature maps (a PixelCNN's conditioning).
    ///
    /// # Shapes
    /// - input: `[batch, code]`
    /// - output: `[batch, output_channels, side, side]`
    pub fn forward_maps(&self, code: Tensor<2>) -> Tensor<4> {
        let [batch, _] = code.dims();
        let bottom = bottom_side(self.image);
        let x = self.activation.forward(self.linear.forward(code));
        let x = x.reshape([batch, self.channels, bottom, bottom]);
        let x = self.activation.forward(conv_transpose2d(&self.deconv1, x));
        let mut x = conv_transpose2d(&self.deconv2, x);
        for deconv in &self.tail {
            x = conv_transpose2d(deconv, self.activation.forward(x));
        }
        x
    }
}
