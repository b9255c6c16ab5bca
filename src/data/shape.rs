//! The shape of a data set's images: `channels` planes of `side` x `side` pixels, stored plane
//! after plane (channels first, as burn's convolutions read them). MNIST and Fashion-MNIST are
//! [`ImageShape::MNIST`]; a person's own folder is imported at one of [`ImageShape::SIDES`], grey
//! or colour.

use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};

/// The shape of one image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageShape {
    /// 1 (grey) or 3 (red, green and blue planes).
    pub channels: usize,
    /// Width and height in pixels.
    pub side: usize,
}

impl Default for ImageShape {
    /// MNIST's: what every weight file written before shapes were recorded was trained on.
    fn default() -> ImageShape {
        ImageShape::MNIST
    }
}

impl ImageShape {
    /// 28 x 28 grey, MNIST's and Fashion-MNIST's.
    pub const MNIST: ImageShape = ImageShape { channels: 1, side: 28 };
    /// The sides a folder can be imported at: MNIST's, and two that halve down to 8 x 8.
    pub const SIDES: [usize; 3] = [28, 32, 64];
    /// The side at which the convolutional stages stop halving: 28 stops at 7, 32 and 64 at 8.
    const SMALLEST_MAP: usize = 8;

    /// The shape of `side` x `side` images, grey or `colour`; refuses a side other than
    /// [`ImageShape::SIDES`].
    pub fn new(side: usize, colour: bool) -> AeResult<ImageShape> {
        ensure(Self::SIDES.contains(&side), || format!("images are {:?} pixels on a side, not {side}", Self::SIDES))?;
        Ok(ImageShape { channels: if colour { 3 } else { 1 }, side })
    }

    /// Refuses a shape no model takes (a weight file's, say, which is untrusted).
    pub fn validate(self) -> AeResult<()> {
        ensure(matches!(self.channels, 1 | 3) && Self::SIDES.contains(&self.side), || {
            format!("images must be grey or colour (1 or 3 channels) of side {:?}, got {self:?}", Self::SIDES)
        })
    }

    /// Whether the images have three colour planes.
    pub fn is_colour(self) -> bool {
        self.channels == 3
    }

    /// Values of one flattened image: channels x side x side.
    pub fn values(self) -> usize {
        self.channels * self.side * self.side
    }

    /// Pixels of one plane: side x side.
    pub fn pixels(self) -> usize {
        self.side * self.side
    }

    /// `[channels, side, side]`, as a data set's tag records it.
    pub fn dims(self) -> [usize; 3] {
        [self.channels, self.side, self.side]
    }

    /// "28x28 grey", "32x32 colour".
    pub fn describe(self) -> String {
        format!("{0}x{0} {1}", self.side, if self.is_colour() { "colour" } else { "grey" })
    }

    /// The sides of the feature maps after each stride-2 stage of a convolutional encoder: one
    /// stage per halving until the maps are at most 8 pixels wide (28: 14, 7; 32: 16, 8; 64:
    /// 32, 16, 8), and never fewer than two.
    pub fn halved_sides(self) -> Vec<usize> {
        let mut sides = Vec::new();
        let mut side = self.side;
        while sides.len() < 2 || side > Self::SMALLEST_MAP {
            side = side.div_ceil(2);
            sides.push(side);
        }
        sides
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_halves_to_the_maps_the_convolutions_make() {
        assert_eq!(ImageShape::MNIST.halved_sides(), vec![14, 7]);
        assert_eq!(ImageShape::new(32, true).unwrap().halved_sides(), vec![16, 8]);
        assert_eq!(ImageShape::new(64, false).unwrap().halved_sides(), vec![32, 16, 8]);
        assert_eq!(ImageShape::new(64, true).unwrap().values(), 3 * 64 * 64);
    }

    #[test]
    fn a_side_or_channel_count_no_model_takes_is_refused() {
        assert!(ImageShape::new(48, false).unwrap_err().to_string().contains("not 48"));
        assert!(ImageShape { channels: 2, side: 28 }.validate().is_err());
        assert!(ImageShape { channels: 3, side: 100 }.validate().is_err());
    }
}
