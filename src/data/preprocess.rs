//! Turning a drawing into an MNIST-like 28x28 input, the way MNIST itself was made: the ink's
//! bounding box is scaled (aspect ratio kept, area-averaged so edges are anti-aliased) until its
//! longer side is 20 pixels, then placed in a 28x28 field so that its centre of mass sits at the
//! centre.

use crate::error::{AeResult, ensure};
use crate::data::{IMAGE_SIDE as SIDE, PIXELS};

/// The longer side of the digit's box after scaling, as in MNIST.
pub const BOX: usize = 20;
/// Pixels at or below this value are background when finding the ink's bounding box.
const INK_THRESHOLD: f32 = 0.01;

/// Converts a `width`×`height` grayscale drawing (row-major, ink 1, background 0) into 784 pixels
/// in [0, 1]. A drawing with no ink gives an empty (all-zero) image.
pub fn to_mnist(pixels: &[f32], width: usize, height: usize) -> AeResult<Vec<f32>> {
    ensure(width > 0 && height > 0 && width <= 4096 && height <= 4096, || {
        format!("a drawing must be 1 to 4096 pixels on each side, got {width}x{height}")
    })?;
    ensure(pixels.len() == width * height, || {
        format!("a {width}x{height} drawing has {} pixels, got {}", width * height, pixels.len())
    })?;
    let mut output = vec![0.0; PIXELS];
    let Some((left, top, right, bottom)) = ink_bounds(pixels, width, height) else { return Ok(output) };
    let (box_width, box_height) = (right - left, bottom - top);
    let scale = BOX as f64 / box_width.max(box_height) as f64;
    let scaled_width = ((box_width as f64 * scale).round() as usize).clamp(1, BOX);
    let scaled_height = ((box_height as f64 * scale).round() as usize).clamp(1, BOX);

    let cropped: Vec<f32> = (top..bottom).flat_map(|y| pixels[y * width + left..y * width + right].iter().copied()).collect();
    let scaled = area_resize(&cropped, box_width, box_height, scaled_width, scaled_height);

    // Shift so that the centre of mass lands on the field's centre (integer shift, as MNIST did).
    let (mass, sum_x, sum_y) = scaled.iter().enumerate().fold((0.0, 0.0, 0.0), |(m, sx, sy), (i, &v)| {
        let v = v as f64;
        (m + v, sx + v * (i % scaled_width) as f64, sy + v * (i / scaled_width) as f64)
    });
    let centre = (SIDE as f64 - 1.0) / 2.0;
    let offset_x = (centre - sum_x / mass).round() as i64;
    let offset_y = (centre - sum_y / mass).round() as i64;
    for (i, &value) in scaled.iter().enumerate() {
        let x = (i % scaled_width) as i64 + offset_x;
        let y = (i / scaled_width) as i64 + offset_y;
        if (0..SIDE as i64).contains(&x) && (0..SIDE as i64).contains(&y) {
            output[y as usize * SIDE + x as usize] = value.clamp(0.0, 1.0);
        }
    }
    Ok(output)
}

/// The half-open box `(left, top, right, bottom)` around pixels above the ink threshold.
fn ink_bounds(pixels: &[f32], width: usize, height: usize) -> Option<(usize, usize, usize, usize)> {
    let mut bounds: Option<(usize, usize, usize, usize)> = None;
    for y in 0..height {
        for x in 0..width {
            if pixels[y * width + x] > INK_THRESHOLD {
                let (l, t, r, b) = bounds.unwrap_or((x, y, x + 1, y + 1));
                bounds = Some((l.min(x), t.min(y), r.max(x + 1), b.max(y + 1)));
            }
        }
    }
    bounds
}

/// A `width`×`height` row-major image resampled to `to_width`×`to_height` by area averaging
/// (rows first, then columns).
pub fn area_resize(pixels: &[f32], width: usize, height: usize, to_width: usize, to_height: usize) -> Vec<f32> {
    let rows = resample_rows(pixels, width, height, to_width);
    transpose(&resample_rows(&transpose(&rows, to_width, height), height, to_width, to_height), to_height, to_width)
}

/// Resamples each of `rows` rows from `from` to `to` pixels by area averaging: every output pixel
/// is the mean of the input it covers, counting partly covered input pixels by their overlap.
fn resample_rows(pixels: &[f32], from: usize, rows: usize, to: usize) -> Vec<f32> {
    let ratio = from as f64 / to as f64;
    let mut output = Vec::with_capacity(rows * to);
    for row in pixels.chunks(from).take(rows) {
        for i in 0..to {
            let (start, end) = (i as f64 * ratio, (i + 1) as f64 * ratio);
            let mut total = 0.0;
            let mut j = start.floor() as usize;
            while (j as f64) < end && j < from {
                let overlap = (end.min(j as f64 + 1.0) - start.max(j as f64)).max(0.0);
                total += row[j] as f64 * overlap;
                j += 1;
            }
            output.push((total / ratio) as f32);
        }
    }
    output
}

/// Transposes a `rows`×`cols` row-major image.
fn transpose(pixels: &[f32], cols: usize, rows: usize) -> Vec<f32> {
    (0..cols).flat_map(|c| (0..rows).map(move |r| pixels[r * cols + c])).collect()
}
