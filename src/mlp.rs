//! A multilayer perceptron: the dense encoder and decoder of the autoencoders.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation;
use serde::{Deserialize, Serialize};

/// The non-linearity between layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    LeakyRelu,
    Sigmoid,
    Tanh,
}

impl Activation {
    /// Applies the activation element-wise.
    pub fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(x),
            Activation::LeakyRelu => activation::leaky_relu(x, 0.01),
            Activation::Sigmoid => activation::sigmoid(x),
            Activation::Tanh => activation::tanh(x),
        }
    }
}

/// Configuration of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Layer widths from input to output, at least two: `[784, 400, 20]` is two linear layers.
    pub widths: Vec<usize>,
    /// The activation between layers (never after the last one: outputs are logits or codes).
    #[config(default = "Activation::Relu")]
    pub activation: Activation,
}

impl MlpConfig {
    /// Initializes the layers on `device`, with burn's default (PyTorch-like) initialization.
    pub fn init(&self, device: &Device) -> Mlp {
        let layers = self
            .widths
            .windows(2)
            .map(|pair| LinearConfig::new(pair[0], pair[1]).init(device))
            .collect();
        Mlp { layers, activation: self.activation }
    }
}

/// Linear layers with an activation between each pair.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    /// # Shapes
    /// - input: `[batch, widths[0]]`
    /// - output: `[batch, widths[last]]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(input, |x, (index, layer)| {
            let y = layer.forward(x);
            if index < last { self.activation.forward(y) } else { y }
        })
    }
}
