//! Arithmetic cost of a model, for the benchmark's GFLOP/s: the multiply-adds of its dense layers
//! and convolutions. Elementwise work (activations, the loss, Adam) is left out: it is a few
//! percent of a step and has no agreed FLOP count.

use crate::data::IMAGE_SIDE;
use crate::model::{Architecture, AutoencoderConfig};

/// Floating-point operations per sample (a multiply-add counts as two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flops {
    /// One forward pass.
    pub forward: u64,
    /// One training step: the forward pass, every weight gradient, and every input gradient but
    /// the first layer's (the images need none).
    pub training: u64,
}

impl AutoencoderConfig {
    /// Multiply-adds per sample of each weight layer, from input to output.
    pub fn layer_multiply_adds(&self) -> Vec<u64> {
        let encoder_output = self.objective.encoder_outputs(self.code_size);
        match &self.architecture {
            Architecture::Mlp { .. } => {
                let pairs = |w: &[usize]| w.windows(2).map(|p| (p[0] * p[1]) as u64).collect::<Vec<_>>();
                [pairs(&self.encoder_widths()), pairs(&self.decoder_widths())].concat()
            }
            Architecture::Conv { channels: [first, second] } => {
                let sides = self.image.halved_sides();
                let extra = sides.len() - 2;
                let area = |side: usize| (side * side) as u64;
                let bottom = area(*sides.last().expect("two halvings at least"));
                let mut encoder = vec![self.image.channels];
                encoder.extend(std::iter::repeat_n(*first, extra + 1));
                encoder.push(*second);
                let mut decoder = vec![*second];
                decoder.extend(std::iter::repeat_n(*first, extra + 1));
                decoder.push(self.image.channels);
                // 3x3 stride-2 convolutions: one multiply-add per kernel tap per output pixel;
                // transposed ones: per input pixel.
                let mut layers: Vec<u64> = encoder.windows(2).zip(&sides).map(|(pair, &side)| (pair[0] * pair[1] * 9) as u64 * area(side)).collect();
                layers.push(*second as u64 * bottom * encoder_output as u64);
                layers.push(self.code_size as u64 * *second as u64 * bottom);
                layers.extend(decoder.windows(2).zip(sides.iter().rev()).map(|(pair, &side)| (pair[0] * pair[1] * 9) as u64 * area(side)));
                layers
            }
            Architecture::PixelCnn { channels: [first, second], pixel_channels, layers } => {
                let (middle, bottom, full) = (IMAGE_SIDE / 2, IMAGE_SIDE / 4, IMAGE_SIDE * IMAGE_SIDE);
                let (first, second, c) = (*first as u64, *second as u64, *pixel_channels as u64);
                let area = |side: usize| (side * side) as u64;
                let maps = crate::nn::pixelcnn::CONDITION_CHANNELS as u64;
                let mut layers_cost = vec![
                    first * 9 * area(middle),
                    first * second * 9 * area(bottom),
                    second * area(bottom) * encoder_output as u64,
                    self.code_size as u64 * second * area(bottom),
                    second * first * 9 * area(bottom),
                    first * maps * 9 * area(middle),
                    // The 7x7 type-A layer (masked taps included: they are multiplied by zero).
                    49 * c * full as u64,
                ];
                layers_cost.extend(std::iter::repeat_n(9 * c * c * full as u64, *layers));
                // The 1x1 head, the output, and one 1x1 projection of the maps per layer.
                layers_cost.extend([c * c * full as u64, c * full as u64, (*layers as u64 + 2) * maps * c * full as u64]);
                layers_cost
            }
        }
    }

    /// FLOPs per sample of a forward pass and of a training step.
    pub fn flops_per_sample(&self) -> Flops {
        let layers = self.layer_multiply_adds();
        let total: u64 = layers.iter().sum();
        Flops { forward: 2 * total, training: 2 * (3 * total - layers[0]) }
    }
}
