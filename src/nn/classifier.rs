//! The classifier network (its training, weight file and uses are in `uses::classifier`): the
//! conv encoder's two stride-2 convolutions and a dense feature layer, then class logits. Its
//! hidden layers are the fixed feature space of the sample-quality yardstick and of the
//! feature-consistent VAE's reconstruction term.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::error::{AeResult, ensure};
use crate::nn::conv::{ConvEncoder, ConvEncoderConfig};

/// Configuration of a [`Classifier`] (serde data, stored in its weight file).
#[derive(Config, Debug, PartialEq)]
pub struct ClassifierConfig {
    /// Channels of the two stride-2 convolutions.
    #[config(default = "[32, 64]")]
    pub channels: [usize; 2],
    /// Width of the penultimate layer: the feature space of the Fréchet distance.
    #[config(default = 128)]
    pub features: usize,
    #[config(default = 10)]
    pub classes: usize,
}

impl ClassifierConfig {
    /// Refuses sizes that cannot work.
    pub fn validate(&self) -> AeResult<()> {
        ensure(self.channels.iter().all(|&c| (1..=512).contains(&c)), || format!("classifier channels must be 1 to 512, got {:?}", self.channels))?;
        ensure((2..=4096).contains(&self.features), || format!("classifier features must be 2 to 4096, got {}", self.features))?;
        ensure((2..=1000).contains(&self.classes), || format!("classes must be 2 to 1000, got {}", self.classes))
    }

    /// Validates, then initializes the classifier on `device`.
    pub fn init(&self, device: &Device) -> AeResult<Classifier> {
        self.validate()?;
        Ok(Classifier {
            body: ConvEncoderConfig::new(self.channels, self.features).init(device),
            head: LinearConfig::new(self.features, self.classes).init(device),
        })
    }
}

/// Two stride-2 convolutions and a dense layer of features (the conv encoder of the
/// autoencoders), ReLU, then a linear layer to the class logits.
#[derive(Module, Debug)]
pub struct Classifier {
    body: ConvEncoder,
    head: Linear,
}

impl Classifier {
    /// The penultimate features.
    ///
    /// # Shapes
    /// - images: `[batch, 784]`, pixels in [0, 1]
    /// - output: `[batch, features]`
    pub fn features(&self, images: Tensor<2>) -> Tensor<2> {
        relu(self.body.forward(images))
    }

    /// The class logits.
    ///
    /// # Shapes
    /// - images: `[batch, 784]`
    /// - output: `[batch, classes]`
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.head.forward(self.features(images))
    }

    /// The activations of the two convolutions (after their ReLU): the layers a feature-consistent
    /// VAE compares, as Hou et al. compare VGG's first layers.
    ///
    /// # Shapes
    /// - images: `[batch, 784]`
    /// - output: `[batch, 32, 14, 14]` and `[batch, 64, 7, 7]` (for the default channels)
    pub fn feature_maps(&self, images: Tensor<2>) -> [Tensor<4>; 2] {
        self.body.forward_maps(images)
    }
}
