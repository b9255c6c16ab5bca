//! A PixelVAE's samples drawn pixel by pixel for the page, a few pixels per call, so that the
//! worker that draws them can report each step (the page shows a sample as it forms). The page
//! runs it in a worker of its own: the live views never wait behind its 784 passes.

use burn::prelude::*;
use wasm_bindgen::prelude::*;

use super::Lab;
use super::convert::invalid;
use crate::data::PIXELS;
use crate::model::{Autoencoder, Prior, weights};

/// Samples in progress: their codes (drawn from the prior) and their pixels so far.
pub(super) struct PixelSampling {
    model: Autoencoder,
    codes: Option<Tensor<2>>,
    images: Option<Tensor<2>>,
    /// The next pixel to draw, in raster order.
    next: usize,
}

impl Lab {
    /// Loads a model whose decoder draws pixel by pixel (a PixelVAE), or refuses the file.
    pub(super) fn load_sampler_model(&mut self, bytes: &[u8]) -> Result<String, JsError> {
        let model = weights::load(bytes, &self.device)?.model;
        if !model.decodes_pixel_by_pixel() {
            return Err(invalid(format!("{} decodes all its pixels at once; the sampler draws a PixelCNN decoder's", model.config().describe())));
        }
        let description = model.config().describe();
        self.sampling = Some(PixelSampling { model, codes: None, images: None, next: 0 });
        Ok(description)
    }

    /// Starts `count` samples from codes drawn from the prior with `seed`.
    pub(super) fn start_samples(&mut self, count: usize, seed: u32) -> Result<(), JsError> {
        let sampling = self.sampling.as_mut().ok_or_else(|| invalid("load a PixelVAE first"))?;
        if !(1..=16).contains(&count) {
            return Err(invalid(format!("draw 1 to 16 samples at a time, not {count}")));
        }
        self.device.seed(seed as u64);
        let code_size = sampling.model.config().code_size;
        sampling.codes = Some(Prior::Gaussian.sample(count, code_size, 1.0, None, &self.device));
        sampling.images = Some(Tensor::zeros([count, PIXELS], &self.device));
        sampling.next = 0;
        Ok(())
    }

    /// Draws the next `count` pixels of every sample; returns the pixels drawn so far (all 784)
    /// and how many are drawn.
    pub(super) fn draw_pixels(&mut self, count: usize) -> Result<(Tensor<2>, usize), JsError> {
        let sampling = self.sampling.as_mut().ok_or_else(|| invalid("load a PixelVAE first"))?;
        let (Some(codes), Some(images)) = (sampling.codes.clone(), sampling.images.take()) else {
            return Err(invalid("start the samples first"));
        };
        let end = (sampling.next + count).min(PIXELS);
        let images = sampling.model.sample_pixels(codes, images, sampling.next..end)?;
        sampling.images = Some(images.clone());
        sampling.next = end;
        Ok((images, end))
    }
}
