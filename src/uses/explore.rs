//! Looking inside a trained model: denoising one input, sampling from the prior, interpolating
//! between two inputs, a 2-D map of the codes of a data set, the decoded manifold of a 2-D code,
//! and traversals of one code dimension at a time.
//!
//! Every function returns pixel probabilities (`sigmoid` of the decoder's logits), one row per
//! image of the model's [`crate::data::ImageShape`] (784 values for MNIST); readbacks are async so
//! the same code serves WebGPU.

use burn::prelude::*;
use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{AeError, AeResult, ensure};
use crate::data::Dataset;
use crate::model::{Autoencoder, Prior};
use crate::nn::noise::Corruption;
use crate::nn::random::with_batch_rows;

/// Images per forward pass when encoding a data set.
const BATCH: usize = 500;

/// Every value of `tensor`, read back asynchronously (the only readback WebGPU allows), as f32.
pub async fn read_floats<const D: usize>(tensor: Tensor<D>) -> AeResult<Vec<f32>> {
    let data = tensor.into_data_async().await.map_err(|err| AeError::Backend(format!("{err:?}")))?;
    data.convert::<f32>().try_to_vec().map_err(|err| AeError::Backend(format!("{err:?}")))
}

/// Images given as rows of `values` values, as a tensor.
///
/// # Shapes
/// - output: `[pixels.len() / values, values]`
pub fn images_tensor(pixels: &[f32], values: usize, device: &Device) -> AeResult<Tensor<2>> {
    ensure(!pixels.is_empty() && pixels.len().is_multiple_of(values), || {
        format!("images come as rows of {values} values, got {} values", pixels.len())
    })?;
    Ok(Tensor::from_data(TensorData::new(pixels.to_vec(), [pixels.len() / values, values]), device))
}

/// Fails unless `image` is one image of the shape `model` takes; returns its number of values.
pub fn check_one_image(model: &Autoencoder, image: &[f32]) -> AeResult<usize> {
    let shape = model.config().image;
    ensure(image.len() == shape.values(), || format!("an image of {} has {} values, got {}", shape.describe(), shape.values(), image.len()))?;
    Ok(shape.values())
}

/// Mean squared error per pixel between two images of the same size.
pub fn mse(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>() / a.len().max(1) as f32
}

/// Peak signal-to-noise ratio in dB of an image with pixel range 1, from its squared error.
pub fn psnr(mse: f32) -> f32 {
    -10.0 * mse.max(1e-10).log10()
}

/// One input corrupted and then reconstructed, as the denoising view shows it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Denoised {
    /// The corrupted input, clamped to [0, 1] as displayed (the model's values each); the model saw it
    /// unclamped, as in training.
    pub noisy: Vec<f32>,
    /// The model's reconstruction of the corrupted input (the model's values each).
    pub output: Vec<f32>,
    /// The code of the corrupted input (the posterior mean for a VAE).
    pub code: Vec<f32>,
    /// PSNR (dB) of the corrupted input the model saw (unclamped) and of the output against the
    /// clean input.
    pub noisy_psnr: f32,
    pub output_psnr: f32,
    /// Mean squared error per pixel of the output against the clean input.
    pub output_mse: f32,
    /// Mean squared error per pixel of the clean input's own reconstruction: its anomaly score.
    pub clean_mse: f32,
}

/// Corrupts `clean` (one image) with `corruption`, drawn from a generator seeded by `seed`
/// alone (the same seed gives the same noise, so a drawing's noise does not flicker, whatever
/// else draws from the device meanwhile), and reconstructs it.
pub async fn denoise(model: &Autoencoder, clean: &[f32], corruption: &Corruption, seed: u64, device: &Device) -> AeResult<Denoised> {
    let values = check_one_image(model, clean)?;
    corruption.validate()?;
    let clean_row = images_tensor(clean, values, device)?;
    // The model sees the corrupted input exactly as training made it (Gaussian noise is not
    // clamped there); only the picture of it is clamped to the pixels' range.
    let corrupted = with_batch_rows(seed, 0..1, 1, || corruption.apply(clean_row.clone()));
    // One forward pass for both rows: the corrupted input and the clean one (its anomaly score).
    let codes = model.encode(Tensor::cat(vec![corrupted.clone(), clean_row], 0)).mean;
    let outputs = read_floats(model.decode_pixels(codes.clone())).await?;
    let (output, clean_output) = outputs.split_at(values);
    let corrupted = read_floats(corrupted).await?;
    let noisy: Vec<f32> = corrupted.iter().map(|value| value.clamp(0.0, 1.0)).collect();
    let output_mse = mse(output, clean);
    Ok(Denoised {
        noisy_psnr: psnr(mse(&corrupted, clean)),
        output_psnr: psnr(output_mse),
        output_mse,
        clean_mse: mse(clean_output, clean),
        noisy,
        output: output.to_vec(),
        code: read_floats(codes.slice([0..1, 0..model.config().code_size])).await?,
    })
}

/// `count` images decoded from codes drawn from the model's prior (`N(0, temperature²·I)` for a
/// VAE, WAE or AAE with the normal prior; for the ring, each component's spread times
/// `temperature`).
///
/// # Shapes
/// - output: `[count, values]`
pub fn sample_prior(model: &Autoencoder, count: usize, temperature: f64, device: &Device) -> AeResult<Tensor<2>> {
    let prior = model.config().objective.prior().ok_or_else(|| {
        AeError::InvalidConfig("sampling needs a model with a prior (a VAE, beta-VAE, WAE or adversarial AE): this one has none".into())
    })?;
    ensure((1..=1024).contains(&count), || format!("sample 1 to 1024 images, not {count}"))?;
    ensure(temperature.is_finite() && temperature > 0.0 && temperature <= 10.0, || {
        format!("temperature must be in (0, 10], got {temperature}")
    })?;
    let code = prior.sample(count, model.config().code_size, temperature, None, device);
    Ok(model.decode_pixels(code))
}

/// The codes (posterior means) of images given as rows of the model's values.
///
/// # Shapes
/// - output: `[images, code]`
pub fn encode_pixels(model: &Autoencoder, pixels: &[f32], device: &Device) -> AeResult<Tensor<2>> {
    Ok(model.encode(images_tensor(pixels, model.config().image.values(), device)?).mean)
}

/// The codes (posterior means) of every image of `data`, row by row (`images × code` values).
pub async fn encode_dataset(model: &Autoencoder, data: &Dataset, device: &Device) -> AeResult<Vec<f32>> {
    model.check_images(data.shape())?;
    let mut codes = Vec::with_capacity(data.len() * model.config().code_size);
    for start in (0..data.len()).step_by(BATCH) {
        let indices: Vec<usize> = (start..(start + BATCH).min(data.len())).collect();
        codes.extend(read_floats(model.encode(data.batch(&indices, device)).mean).await?);
    }
    Ok(codes)
}

/// Decodes codes given as rows of `code_size` values.
///
/// # Shapes
/// - output: `[codes, values]`
pub fn decode_codes(model: &Autoencoder, codes: &[f32], device: &Device) -> AeResult<Tensor<2>> {
    let size = model.config().code_size;
    ensure(!codes.is_empty() && codes.len().is_multiple_of(size), || format!("codes come as rows of {size} values, got {}", codes.len()))?;
    Ok(model.decode_pixels(Tensor::from_data(TensorData::new(codes.to_vec(), [codes.len() / size, size]), device)))
}

/// `steps` images along the straight line between the codes of images `from` and `to` (one
/// image each), both ends included.
///
/// # Shapes
/// - output: `[steps, values]`
pub fn interpolate(model: &Autoencoder, from: &[f32], to: &[f32], steps: usize, device: &Device) -> AeResult<Tensor<2>> {
    ensure((2..=64).contains(&steps), || format!("interpolate over 2 to 64 steps, not {steps}"))?;
    check_one_image(model, from)?;
    check_one_image(model, to)?;
    let codes = encode_pixels(model, &[from, to].concat(), device)?;
    let [_, size] = codes.dims();
    let start = codes.clone().slice([0..1, 0..size]);
    let end = codes.slice([1..2, 0..size]);
    let weights: Vec<f32> = (0..steps).map(|i| i as f32 / (steps - 1) as f32).collect();
    let weights = Tensor::<2>::from_data(TensorData::new(weights, [steps, 1]), device);
    let line = start.clone() + (end - start) * weights;
    Ok(model.decode_pixels(line))
}

/// The inverse of the standard normal CDF (Acklam's rational approximation, relative error
/// below 1.2e-9), used to lay the manifold grid out on the prior's quantiles as Kingma and
/// Welling's figures do.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    match p {
        p if p <= 0.0 => f64::NEG_INFINITY,
        p if p >= 1.0 => f64::INFINITY,
        p if p < 0.02425 => tail((-2.0 * p.ln()).sqrt()),
        p if p > 1.0 - 0.02425 => -tail((-2.0 * (1.0 - p).ln()).sqrt()),
        p => {
            let q = p - 0.5;
            let r = q * q;
            (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
        }
    }
}

/// A 2-D view of a model's code space, fitted to the codes of a data set: the codes themselves
/// when there are two, else their two principal directions.
#[derive(Clone, Debug)]
pub struct LatentMap {
    code_size: usize,
    /// Mean code (zero when the map is the code itself).
    mean: Vec<f64>,
    /// Two orthonormal directions in code space.
    axes: [Vec<f64>; 2],
    /// Standard deviation of each code dimension over the data set.
    pub code_std: Vec<f64>,
    /// Share of the codes' variance along each axis.
    pub explained: [f64; 2],
    /// 5th and 95th percentiles of the mapped points along each axis.
    pub extent: [(f64, f64); 2],
}

/// The codes of a data set, mapped to 2-D.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MappedCodes {
    /// `x, y` of each image, interleaved (`2 × images` values).
    pub points: Vec<f32>,
    pub labels: Vec<u8>,
    /// "code" (the 2-D code itself) or "pca" (its top two principal directions).
    pub axes: &'static str,
    pub explained: [f64; 2],
    /// What a plot of the points shows: `[[x0, x1], [y0, y1]]` (see [`view_bounds`]).
    pub view: [[f64; 2]; 2],
}

/// The ranges a scatter plot of `points` (`x, y` interleaved) shows: the 1st to the 99th
/// percentile along each axis, widened by 8% of that span on both sides (by 0.08 where all the
/// points agree), so that a few far points do not squash the rest into a corner.
pub fn view_bounds(points: &[f32]) -> [[f64; 2]; 2] {
    [0, 1].map(|axis| {
        let mut along: Vec<f32> = points.iter().skip(axis).step_by(2).copied().filter(|value| value.is_finite()).collect();
        if along.is_empty() {
            return [-1.0, 1.0];
        }
        along.sort_by(f32::total_cmp);
        let last = (along.len() - 1) as f64;
        let (low, high) = (along[(0.01 * last).floor() as usize] as f64, along[(0.99 * last).ceil() as usize] as f64);
        let pad = 0.08 * if high > low { high - low } else { 1.0 };
        [low - pad, high + pad]
    })
}

impl LatentMap {
    /// Encodes `data` and fits the map to the codes; returns it with the mapped points.
    pub async fn fit(model: &Autoencoder, data: &Dataset, device: &Device) -> AeResult<(LatentMap, MappedCodes)> {
        let codes = encode_dataset(model, data, device).await?;
        LatentMap::from_codes(model.config().code_size, &codes, data)
    }

    /// Fits the map to the codes of `data` already computed (`data.len()` rows of `size` values).
    pub fn from_codes(size: usize, codes: &[f32], data: &Dataset) -> AeResult<(LatentMap, MappedCodes)> {
        ensure(data.len() >= 2, || "a latent map needs at least two images".into())?;
        ensure(codes.len() == data.len() * size, || format!("{} code values for {} images of code size {size}", codes.len(), data.len()))?;
        let codes = DMatrix::from_row_iterator(data.len(), size, codes.iter().map(|&c| c as f64));
        let n = data.len() as f64;
        let mean: Vec<f64> = codes.column_iter().map(|c| c.sum() / n).collect();
        let centered = DMatrix::from_fn(data.len(), size, |r, c| codes[(r, c)] - mean[c]);
        let covariance = centered.transpose() * &centered / n;
        let code_std: Vec<f64> = (0..size).map(|d| covariance[(d, d)].max(0.0).sqrt()).collect();
        let total: f64 = (0..size).map(|d| covariance[(d, d)]).sum::<f64>().max(f64::MIN_POSITIVE);
        let unit = |d: usize| (0..size).map(|i| if i == d { 1.0 } else { 0.0 }).collect::<Vec<f64>>();
        let (map_mean, axes, axes_name) = match size {
            1 => (vec![0.0], [unit(0), vec![0.0]], "code"),
            2 => (vec![0.0, 0.0], [unit(0), unit(1)], "code"),
            _ => {
                let eigen = SymmetricEigen::new(covariance.clone());
                let mut order: Vec<usize> = (0..size).collect();
                order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
                let axis = |k: usize| eigen.eigenvectors.column(order[k]).iter().copied().collect::<Vec<f64>>();
                (mean.clone(), [axis(0), axis(1)], "pca")
            }
        };
        let variance_along = |axis: &[f64]| {
            let direction = nalgebra::DVector::from_column_slice(axis);
            (direction.transpose() * &covariance * &direction)[(0, 0)] / total
        };
        let explained = [variance_along(&axes[0]), variance_along(&axes[1])];
        let mut map = LatentMap { code_size: size, mean: map_mean, axes, code_std, explained, extent: [(0.0, 0.0); 2] };
        let points: Vec<f32> =
            codes.row_iter().flat_map(|row| map.project(&row.iter().map(|&c| c as f32).collect::<Vec<_>>())).collect();
        for axis in 0..2 {
            let mut along: Vec<f32> = points.iter().skip(axis).step_by(2).copied().collect();
            along.sort_by(f32::total_cmp);
            let at = |q: f64| along[((along.len() - 1) as f64 * q).round() as usize] as f64;
            map.extent[axis] = (at(0.05), at(0.95));
        }
        let labels = data.labels().to_vec();
        let view = view_bounds(&points);
        Ok((map, MappedCodes { points, labels, axes: axes_name, explained, view }))
    }

    /// The 2-D point of a code.
    pub fn project(&self, code: &[f32]) -> [f32; 2] {
        self.axes.each_ref().map(|axis| {
            code.iter().zip(&self.mean).zip(axis).map(|((&c, &m), &a)| (c as f64 - m) * a).sum::<f64>() as f32
        })
    }

    /// The code at a 2-D point: the mean code moved along the two axes (the other principal
    /// directions stay at their mean).
    pub fn unproject(&self, point: [f32; 2]) -> Vec<f32> {
        (0..self.code_size)
            .map(|i| (self.mean[i] + point[0] as f64 * self.axes[0][i] + point[1] as f64 * self.axes[1][i]) as f32)
            .collect()
    }
}

/// The decoded manifold of a 2-D code: `side × side` images, row by row from the top (second
/// code dimension high) to the bottom. Under the normal prior the grid sits on its quantiles
/// 5%..95%, as in Kingma and Welling's Fig. 4; under the ring it spans the ring; a model without a
/// prior's spans the 5th..95th percentiles of `map`.
///
/// # Shapes
/// - output: `[side * side, values]`
pub fn manifold(model: &Autoencoder, map: &LatentMap, side: usize, device: &Device) -> AeResult<Tensor<2>> {
    ensure(model.config().code_size == 2, || {
        format!("the manifold grid needs a 2-D code; this model's code has {} dimensions (use the map instead)", model.config().code_size)
    })?;
    ensure((2..=40).contains(&side), || format!("the grid side must be 2 to 40, not {side}"))?;
    let position = |axis: usize, k: usize| {
        let t = k as f64 / (side - 1) as f64;
        match model.config().objective.prior() {
            Some(Prior::Gaussian) => normal_quantile(0.05 + 0.9 * t),
            Some(Prior::Ring { radius, std, .. }) => (radius + 2.0 * std) * (2.0 * t - 1.0),
            // A clustering code is never 2-D (validation), so this is the data's extent too.
            Some(Prior::Clusters { .. }) | None => {
                let (low, high) = map.extent[axis];
                low + (high - low) * t
            }
        }
    };
    let codes: Vec<f32> = (0..side)
        .flat_map(|row| (0..side).map(move |col| (row, col)))
        .flat_map(|(row, col)| [position(0, col) as f32, position(1, side - 1 - row) as f32])
        .collect();
    decode_codes(model, &codes, device)
}

/// Traversals of the first `dimensions` code dimensions around the code of `image` (one image):
/// row `d` sets dimension `d` to each of `values` in turn and keeps the others. For a VAE the
/// values are positions under the prior (as in the beta-VAE paper); for other models they are in
/// standard deviations of that dimension over the data `map` was fitted to, around the image's code.
///
/// # Shapes
/// - output: `[dimensions * values.len(), image values]`
pub async fn traverse(model: &Autoencoder, map: &LatentMap, image: &[f32], dimensions: usize, values: &[f32], device: &Device) -> AeResult<Tensor<2>> {
    check_one_image(model, image)?;
    ensure((1..=32).contains(&values.len()), || format!("traverse 1 to 32 values, not {}", values.len()))?;
    let size = model.config().code_size;
    let dimensions = dimensions.clamp(1, size);
    let code = read_floats(encode_pixels(model, image, device)?).await?;
    let mut codes = Vec::with_capacity(dimensions * values.len() * size);
    for d in 0..dimensions {
        for &value in values {
            let mut varied = code.clone();
            varied[d] = if let Some(prior) = model.config().objective.prior() { value * prior.scale() as f32 } else { code[d] + value * map.code_std[d] as f32 };
            codes.extend(varied);
        }
    }
    decode_codes(model, &codes, device)
}

/// Up to `count` filters of the first encoder layer of a dense model as images: one row of the
/// image's values per unit, each scaled to [0, 1] by its own largest absolute weight (0.5 is a zero
/// weight). `None` for a convolutional encoder.
pub async fn filter_images(model: &Autoencoder, count: usize) -> AeResult<Option<Vec<f32>>> {
    let Some(weights) = model.first_layer_filters() else { return Ok(None) };
    let [values, units] = weights.dims();
    let count = count.clamp(1, units);
    let columns = read_floats(weights.slice([0..values, 0..count]).transpose()).await?;
    Ok(Some(
        columns
            .chunks(values)
            .flat_map(|filter| {
                let scale = filter.iter().fold(0f32, |m, w| m.max(w.abs())).max(1e-12);
                filter.iter().map(move |w| 0.5 + 0.5 * w / scale)
            })
            .collect(),
    ))
}

/// The mean of each column of `rows` (row-major, `width` columns): a code unit's mean activation.
pub fn column_means(rows: &[f32], width: usize) -> Vec<f32> {
    let count = (rows.len() / width.max(1)).max(1) as f64;
    let mut sums = vec![0f64; width];
    for row in rows.chunks(width) {
        for (sum, &value) in sums.iter_mut().zip(row) {
            *sum += value as f64;
        }
    }
    sums.into_iter().map(|sum| (sum / count) as f32).collect()
}
