//! Models shown side by side with the one in use: the same drawing reconstructed by each (the
//! page compares a VAE with a DFC-VAE of the same size). Each reconstruction of one image is a
//! single forward pass, so the comparison runs in the live worker with the drawing.

use wasm_bindgen::prelude::*;

use super::Lab;
use super::convert::invalid;
use crate::model::weights;
use crate::uses::explore::{check_one_image, images_tensor, read_floats};

/// At most this many models are compared at once.
const MAX_COMPARED: usize = 4;

impl Lab {
    /// Adds the model of a weight file to the comparison (one whose decoder draws pixel by pixel
    /// is refused: 784 passes per image), or replaces one of the same name; returns its description.
    pub(super) fn add_compared(&mut self, name: &str, bytes: &[u8]) -> Result<String, JsError> {
        let model = weights::load(bytes, &self.device)?.model;
        if model.decodes_pixel_by_pixel() {
            return Err(invalid("a PixelCNN decoder draws pixel by pixel: too slow to compare live"));
        }
        let description = model.config().describe();
        self.compared.retain(|(existing, _)| existing != name);
        if self.compared.len() == MAX_COMPARED {
            return Err(invalid(format!("at most {MAX_COMPARED} models are compared at once")));
        }
        self.compared.push((name.to_string(), model));
        Ok(description)
    }

    /// Each compared model's reconstruction of `image` (one image of their shape), in the order
    /// they were added.
    pub(super) async fn compared_reconstructions(&self, image: &[f32]) -> Result<Vec<f32>, JsError> {
        let mut pixels = Vec::with_capacity(self.compared.len() * image.len());
        for (_, model) in &self.compared {
            let values = check_one_image(model, image)?;
            pixels.extend(read_floats(model.reconstruct(images_tensor(image, values, &self.device)?)).await?);
        }
        Ok(pixels)
    }
}
