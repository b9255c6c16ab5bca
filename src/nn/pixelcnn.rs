//! PixelCNN (van den Oord et al. 2016): a stack of masked convolutions whose output at each pixel
//! depends only on the pixels before it in raster order, so the network's 784 outputs are the
//! factors `p(x_i | x_<i)` of an exact likelihood. Training sees the whole image at once (teacher
//! forcing); sampling is autoregressive, one pixel per pass.
//!
//! Optionally conditioned (PixelVAE, Gulrajani et al. 2017): feature maps computed from a code are
//! added, through a 1x1 convolution, to every layer. The conditioning maps are not masked: they
//! come from the code, not from the pixels.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::ops::ConvOptions;
use burn::tensor::Distribution;

use crate::data::{IMAGE_SIDE, PIXELS};
use crate::nn::conv::{ConvDecoder, ConvDecoderConfig};
use crate::nn::conv_gemm::{conv2d, conv2d_with};

/// The first layer's kernel side (van den Oord et al.'s 7x7).
const FIRST_KERNEL: usize = 7;
/// The kernel side of the masked residual layers.
const BLOCK_KERNEL: usize = 3;

/// Which taps a masked convolution keeps: all those above the centre row and left of the centre
/// on it, and the centre itself only for type B (for one input channel, the whole difference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskType {
    /// The first layer: the centre pixel is hidden from its own output.
    A,
    /// Later layers: the centre is the layer below's output at this pixel, already causal.
    B,
}

impl MaskType {
    /// The mask of a `side`x`side` kernel, row-major, 1 where a tap is kept.
    pub fn kernel_mask(self, side: usize) -> Vec<f32> {
        let centre = side / 2;
        (0..side * side)
            .map(|tap| {
                let (row, column) = (tap / side, tap % side);
                let kept = row < centre || (row == centre && (column < centre || (column == centre && self == MaskType::B)));
                if kept { 1.0 } else { 0.0 }
            })
            .collect()
    }
}

/// A convolution whose kernel is multiplied by a causal mask at every forward pass (so the
/// masked taps stay zero whatever the optimizer does to the stored weights); same padding.
#[derive(Module, Debug)]
pub struct MaskedConv2d {
    conv: Conv2d,
    #[module(skip)]
    mask: MaskType,
}

impl MaskedConv2d {
    fn new(channels: [usize; 2], side: usize, mask: MaskType, device: &Device) -> MaskedConv2d {
        let conv = Conv2dConfig::new(channels, [side, side]).with_padding(PaddingConfig2d::Same).init(device);
        MaskedConv2d { conv, mask }
    }

    /// # Shapes
    /// - input: `[batch, channels_in, 28, 28]`
    /// - output: `[batch, channels_out, 28, 28]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let side = self.conv.kernel_size[0];
        let device = input.device();
        let mask = Tensor::<1>::from_floats(self.mask.kernel_mask(side).as_slice(), &device).reshape([1, 1, side, side]);
        let weight = self.conv.weight.val() * mask;
        let pad = side / 2;
        let options = ConvOptions::new([1, 1], [pad, pad], [1, 1], 1);
        conv2d_with(input, weight, self.conv.bias.as_ref().map(|bias| bias.val()), options)
    }
}

/// Configuration of a [`PixelCnn`].
#[derive(Config, Debug)]
pub struct PixelCnnConfig {
    /// Feature maps of every hidden layer.
    #[config(default = 32)]
    pub channels: usize,
    /// Masked 3x3 residual layers after the 7x7 type-A layer.
    #[config(default = 4)]
    pub layers: usize,
    /// Channels of the conditioning maps (0: an unconditioned PixelCNN).
    #[config(default = 0)]
    pub condition_channels: usize,
}

impl PixelCnnConfig {
    /// Initializes the network on `device`.
    pub fn init(&self, device: &Device) -> PixelCnn {
        let c = self.channels;
        let conditions = match self.condition_channels {
            0 => Vec::new(),
            k => (0..self.layers + 2).map(|_| Conv2dConfig::new([k, c], [1, 1]).with_bias(false).init(device)).collect(),
        };
        PixelCnn {
            first: MaskedConv2d::new([1, c], FIRST_KERNEL, MaskType::A, device),
            blocks: (0..self.layers).map(|_| MaskedConv2d::new([c, c], BLOCK_KERNEL, MaskType::B, device)).collect(),
            head: Conv2dConfig::new([c, c], [1, 1]).init(device),
            output: Conv2dConfig::new([c, 1], [1, 1]).init(device),
            conditions,
        }
    }
}

/// Masked 7x7 (type A) → ReLU → residual masked 3x3 layers (type B) → 1x1 → ReLU → 1x1 to one
/// logit per pixel; with conditioning maps, each layer before the output adds their 1x1
/// projection to its pre-activation.
#[derive(Module, Debug)]
pub struct PixelCnn {
    first: MaskedConv2d,
    blocks: Vec<MaskedConv2d>,
    head: Conv2d,
    output: Conv2d,
    /// One 1x1 projection of the conditioning maps per layer (first, blocks, head); empty when
    /// unconditioned.
    conditions: Vec<Conv2d>,
}

impl PixelCnn {
    /// The logit of every pixel given the pixels before it (and the conditioning maps).
    ///
    /// # Shapes
    /// - images: `[batch, 784]`, pixels in [0, 1] (binary in the model's own samples)
    /// - condition: `[batch, condition_channels, 28, 28]`, required when conditioned
    /// - output: `[batch, 784]`
    pub fn forward(&self, images: Tensor<2>, condition: Option<Tensor<4>>) -> Tensor<2> {
        let [batch, _] = images.dims();
        let conditioning = |layer: usize, x: Tensor<4>| match (&condition, self.conditions.get(layer)) {
            (Some(maps), Some(projection)) => x + conv2d(projection, maps.clone()),
            _ => x,
        };
        let x = images.reshape([batch, 1, IMAGE_SIDE, IMAGE_SIDE]);
        let mut x = relu(conditioning(0, self.first.forward(x)));
        for (index, block) in self.blocks.iter().enumerate() {
            x = x.clone() + relu(conditioning(index + 1, block.forward(x)));
        }
        let x = relu(conditioning(self.blocks.len() + 1, conv2d(&self.head, x)));
        conv2d(&self.output, x).reshape([batch, PIXELS])
    }

    /// Draws pixels `pixels` of `images` in raster order, each from its Bernoulli given the
    /// pixels before it: one forward pass per pixel. Pixels before the range are kept (they
    /// condition the rest), those after it are left as they are and ignored by the network.
    /// Call with `0..784` for whole samples, or in chunks to show a sample as it forms.
    ///
    /// # Shapes
    /// - images: `[batch, 784]`; condition as in [`PixelCnn::forward`]
    /// - output: `[batch, 784]`
    pub fn sample_pixels(&self, mut images: Tensor<2>, condition: Option<Tensor<4>>, pixels: std::ops::Range<usize>) -> Tensor<2> {
        let [batch, _] = images.dims();
        for pixel in pixels {
            let logits = self.forward(images.clone(), condition.clone()).slice([0..batch, pixel..pixel + 1]);
            let uniform = logits.random_like(Distribution::Uniform(0.0, 1.0));
            let drawn = uniform.lower(sigmoid(logits)).float();
            images = images.slice_assign([0..batch, pixel..pixel + 1], drawn);
        }
        images
    }
}

/// Channels of the maps a PixelVAE's code is turned into before conditioning its PixelCNN.
pub const CONDITION_CHANNELS: usize = 8;

/// A PixelVAE's decoder (Gulrajani et al. 2017): a transposed-convolution network turns the code
/// into 28x28 conditioning maps, and a PixelCNN models the pixels given them.
#[derive(Module, Debug)]
pub struct PixelDecoder {
    maps: ConvDecoder,
    pixels: PixelCnn,
}

impl PixelDecoder {
    /// `code_size` → maps through transposed convolutions of `up_channels`, then a PixelCNN of
    /// `pixel_channels` feature maps and `layers` masked residual layers.
    pub fn new(code_size: usize, up_channels: [usize; 2], pixel_channels: usize, layers: usize, device: &Device) -> PixelDecoder {
        PixelDecoder {
            maps: ConvDecoderConfig::new(code_size, up_channels).with_output_channels(CONDITION_CHANNELS).init(device),
            pixels: PixelCnnConfig::new().with_channels(pixel_channels).with_layers(layers).with_condition_channels(CONDITION_CHANNELS).init(device),
        }
    }

    /// The logits of `images`' pixels, each given the pixels before it and the code (teacher
    /// forcing: what training and the likelihood need, in one pass).
    ///
    /// # Shapes
    /// - code: `[batch, code]`; images: `[batch, 784]`
    /// - output: `[batch, 784]`
    pub fn forward(&self, code: Tensor<2>, images: Tensor<2>) -> Tensor<2> {
        self.pixels.forward(images, Some(self.maps.forward_maps(code)))
    }

    /// A sample of the pixels given the code, drawn pixel by pixel (784 passes).
    ///
    /// # Shapes
    /// - code: `[batch, code]`
    /// - output: `[batch, 784]`, pixels 0 or 1
    pub fn sample(&self, code: Tensor<2>) -> Tensor<2> {
        let [batch, _] = code.dims();
        let blank = Tensor::zeros([batch, PIXELS], &code.device());
        self.sample_pixels(code, blank, 0..PIXELS)
    }

    /// Pixels `pixels` of a sample in progress (see [`PixelCnn::sample_pixels`]).
    ///
    /// # Shapes
    /// - code: `[batch, code]`; images, output: `[batch, 784]`
    pub fn sample_pixels(&self, code: Tensor<2>, images: Tensor<2>, pixels: std::ops::Range<usize>) -> Tensor<2> {
        self.pixels.sample_pixels(images, Some(self.maps.forward_maps(code)), pixels)
    }
}
