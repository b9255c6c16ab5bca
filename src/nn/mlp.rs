//! A multilayer perceptron: the dense encoder and decoder of the autoencoders.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation;
use serde::{Deserialize, Serialize};

use super::dense::dense;

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

    /// The derivative of the activation at the pre-activations `x`, element-wise.
    pub fn derivative<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => x.greater_elem(0.0).float(),
            Activation::LeakyRelu => x.greater_elem(0.0).float().mul_scalar(0.99).add_scalar(0.01),
            Activation::Sigmoid => {
                let s = activation::sigmoid(x);
                s.clone() * s.neg().add_scalar(1.0)
            }
            Activation::Tanh => activation::tanh(x).powi_scalar(2).neg().add_scalar(1.0),
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
    /// An MLP made of already trained `layers` (as greedy layer-wise training builds one).
    pub fn from_layers(layers: Vec<Linear>, activation: Activation) -> Mlp {
        assert!(!layers.is_empty(), "an MLP has at least one layer");
        Mlp { layers, activation }
    }

    /// The linear layers, input first.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// Number of linear layers.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// # Shapes
    /// - input: `[batch, widths[0]]`
    /// - output: `[batch, widths[last]]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(input, |x, (index, layer)| {
            // A ReLU goes into the layer's one operation; other activations follow it.
            let fused_relu = index < last && self.activation == Activation::Relu;
            let y = dense(layer, x, fused_relu);
            if index < last && !fused_relu { self.activation.forward(y) } else { y }
        })
    }
}

impl Mlp {
    /// The forward pass with `output_activation` applied to the last layer, and the squared
    /// Frobenius norm of the Jacobian of that output with respect to the input, per sample: the
    /// contractive autoencoder's penalty `‖∂h/∂x‖²_F`.
    ///
    /// Exact, and made of ordinary tensor operations, so first-order autodiff trains through it.
    /// One layer uses the closed form `Σ_j h'_j² ‖W_:j‖²`. Deeper ones carry the Jacobian's rows
    /// back from the output, `V ← (V ⊙ a'_l) Wₗᵀ` for all output units at once, which costs about
    /// `outputs` times a backward pass.
    ///
    /// # Shapes
    /// - input: `[batch, widths[0]]`
    /// - output: `[batch, widths[last]]` and `[batch]`
    pub fn forward_with_jacobian_norm(&self, input: Tensor<2>, output_activation: Option<Activation>) -> (Tensor<2>, Tensor<1>) {
        let last = self.layers.len() - 1;
        let mut slopes = Vec::with_capacity(self.layers.len());
        let mut x = input;
        for (index, layer) in self.layers.iter().enumerate() {
            let pre = layer.forward(x);
            let activation = if index < last { Some(self.activation) } else { output_activation };
            x = match activation {
                Some(activation) => {
                    slopes.push(Some(activation.derivative(pre.clone())));
                    activation.forward(pre)
                }
                None => {
                    slopes.push(None);
                    pre
                }
            };
        }
        let weight = |index: usize| self.layers[index].weight.val(); // [in, out]
        let [batch, outputs] = x.dims();
        if self.layers.len() == 1 {
            let column_norms = weight(0).powi_scalar(2).sum_dim(0); // [1, out]
            let norm = match &slopes[0] {
                Some(slope) => per_unit_sum(slope.clone().powi_scalar(2) * column_norms),
                None => per_unit_sum(column_norms).expand([batch]),
            };
            return (x, norm);
        }
        // Rows of the Jacobian for every output unit: start from diag(h'), then walk back.
        let device = x.device();
        let identity: Tensor<3> = Tensor::<2>::eye(outputs, &device).unsqueeze_dim::<3>(0).expand([batch, outputs, outputs]);
        let mut rows = identity;
        for index in (0..self.layers.len()).rev() {
            if let Some(slope) = &slopes[index] {
                rows = rows * slope.clone().unsqueeze_dim::<3>(1);
            }
            let w = weight(index); // [in, out]
            let [inputs, width] = w.dims();
            rows = rows.matmul(w.transpose().unsqueeze_dim::<3>(0).expand([batch, width, inputs]));
        }
        let norm = rows.powi_scalar(2).sum_dim(2).sum_dim(1).reshape([batch]);
        (x, norm)
    }
}

/// Sums each row of `[batch, units]` into `[batch]`.
fn per_unit_sum(values: Tensor<2>) -> Tensor<1> {
    let [batch, _] = values.dims();
    values.sum_dim(1).reshape([batch])
}
