//! Small random affine distortions of digits (a turn, a zoom, a shift), drawn per image and
//! applied on the device by bilinear resampling: views of an image that keep its class, which a
//! clustering code is asked to give the same cluster (see
//! [`crate::nn::loss::assignment_consistency`]).

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::ops::GridSampleOptions;

use crate::data::IMAGE_SIDE;
use crate::nn::random::random;

/// How far a view may differ from its image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AffineRange {
    /// Largest turn either way, in degrees.
    pub degrees: f64,
    /// Largest relative change of size either way (0.1: 90% to 110%).
    pub zoom: f64,
    /// Largest shift along each axis, in pixels.
    pub shift: f64,
}

/// The distortions a clustering AAE's views are drawn from: within what MNIST's own writers vary
/// by, and small enough that a 4 does not become a 9.
pub const DIGIT_VIEWS: AffineRange = AffineRange { degrees: 15.0, zoom: 0.1, shift: 2.0 };

impl AffineRange {
    /// One transform per image, each parameter uniform in its range, as the rows of
    /// [`affine`]'s `transforms`. The draws go through [`crate::nn::random::random`], so a
    /// data-parallel share of a batch draws what the whole batch draws at its rows.
    ///
    /// # Shapes
    /// - output: `[count, 4]`
    pub fn draw(&self, count: usize, device: &Device) -> Tensor<2> {
        let spans = Tensor::<2>::from_data(
            TensorData::new(vec![self.degrees.to_radians() as f32, self.zoom as f32, self.shift as f32, self.shift as f32], [1, 4]),
            device,
        );
        let unit = random([count, 4], Distribution::Uniform(-1.0, 1.0), device) * spans;
        // The zoom column is a factor around 1.
        let one_for_zoom = Tensor::<2>::from_data(TensorData::new(vec![0f32, 1.0, 0.0, 0.0], [1, 4]), device);
        unit + one_for_zoom
    }
}

/// Each image turned clockwise by its angle, scaled by its factor about the image's centre and
/// shifted right and down, read back by bilinear interpolation with zeros outside the image.
///
/// # Shapes
/// - images, output: `[batch, 784]`
/// - transforms: `[batch, 4]`: angle (radians), scale factor, shift x and shift y (pixels)
pub fn affine(images: Tensor<2>, transforms: Tensor<2>) -> Tensor<2> {
    let [batch, pixels] = images.dims();
    let column = |k: usize| transforms.clone().slice([0..batch, k..k + 1]);
    // Each output pixel reads the source at the inverse transform of its own position:
    // `R(-angle) · (p - shift) / scale`, in the grid's units (a pixel is 2 / side wide).
    let unit = 2.0 / IMAGE_SIDE as f64;
    let (angle, inverse_scale) = (column(0), column(1).recip());
    let (cos, sin) = (angle.clone().cos() * inverse_scale.clone(), angle.sin() * inverse_scale);
    let (x, y) = pixel_centres(&images.device());
    let (x, y) = (x - column(2).mul_scalar(unit), y - column(3).mul_scalar(unit));
    let source_x = cos.clone() * x.clone() + sin.clone() * y.clone();
    let source_y = cos * y - sin * x;
    let grid = Tensor::stack::<3>(vec![source_x, source_y], 2).reshape([batch, IMAGE_SIDE, IMAGE_SIDE, 2]);
    let planes = images.reshape([batch, 1, IMAGE_SIDE, IMAGE_SIDE]);
    planes.grid_sample_2d(grid, GridSampleOptions::default()).reshape([batch, pixels])
}

/// [`affine`] with a fresh draw from `range` for every image.
///
/// # Shapes
/// - images, output: `[batch, 784]`
pub fn random_affine(images: Tensor<2>, range: AffineRange) -> Tensor<2> {
    let [batch, _] = images.dims();
    let transforms = range.draw(batch, &images.device());
    affine(images, transforms)
}

/// `[1, 784]` each: the x and y of every pixel's centre in the grid's units (-1 the image's left
/// or top edge, 1 its right or bottom edge), row by row.
fn pixel_centres(device: &Device) -> (Tensor<2>, Tensor<2>) {
    let centre = |k: usize| (2 * k + 1) as f32 / IMAGE_SIDE as f32 - 1.0;
    let xs: Vec<f32> = (0..IMAGE_SIDE * IMAGE_SIDE).map(|i| centre(i % IMAGE_SIDE)).collect();
    let ys: Vec<f32> = (0..IMAGE_SIDE * IMAGE_SIDE).map(|i| centre(i / IMAGE_SIDE)).collect();
    let row = |values: Vec<f32>| Tensor::from_data(TensorData::new(values, [1, IMAGE_SIDE * IMAGE_SIDE]), device);
    (row(xs), row(ys))
}
