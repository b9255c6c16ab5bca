//! The convolutions on `flex`: each sample's patches gathered on the host, then one `gemm` per sample.

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::backend::ops::ModuleOps;
use burn::backend::{Flex, TensorMetadata, flex::FlexTensor};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::TensorData;

use super::ConvGemmOps;
use crate::backend::all_f32;
use super::gemm::{convolve, convolve_transposed, weight_gradient};
use super::patches::Window;

/// Weight gradients computed here rather than by burn's fallback, since the program started.
static HOST_WEIGHT_GRADIENTS: AtomicUsize = AtomicUsize::new(0);

/// How many convolution weight gradients took the `gemm` path so far (for tests).
pub fn host_weight_gradients() -> usize {
    HOST_WEIGHT_GRADIENTS.load(Ordering::Relaxed)
}

impl ConvGemmOps for Flex {
    fn conv2d_unbiased(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight], options.groups) {
            return Flex::conv2d(x, weight, None, options);
        }
        let [batch, _, height, width] = dims(&x);
        let [out_channels, ..] = dims(&weight);
        let window = conv_window(&weight, &options);
        let positions = [0, 1].map(|axis| {
            let (before, after) = options.padding[axis];
            let reach = window.dilation[axis] * (window.kernel[axis] - 1) + 1;
            ([height, width][axis] + before + after - reach) / window.stride[axis] + 1
        });
        let (x_dims, x, weight) = (dims(&x), x.to_contiguous(), weight.to_contiguous());
        let output = convolve(values(&x), x_dims, values(&weight), out_channels, positions, &window);
        tensor(output, [batch, out_channels, positions[0], positions[1]])
    }

    fn conv_transpose2d_unbiased(x: FlexTensor, weight: FlexTensor, options: ConvTransposeOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight], options.groups) {
            return Flex::conv_transpose2d(x, weight, None, options);
        }
        let [batch, _, height, width] = dims(&x);
        let [_, out_channels, ..] = dims(&weight);
        let window = transposed_window(&weight, &options);
        let side = |axis: usize| {
            let size = [height, width][axis];
            let reach = window.dilation[axis] * (window.kernel[axis] - 1) + 1;
            (size - 1) * window.stride[axis] + reach + options.padding_out[axis] - 2 * options.padding[axis]
        };
        let output_dims = [batch, out_channels, side(0), side(1)];
        let (x_dims, x, weight) = (dims(&x), x.to_contiguous(), weight.to_contiguous());
        tensor(convolve_transposed(values(&x), x_dims, values(&weight), output_dims, &window), output_dims)
    }

    fn conv2d_input_gradient(x: FlexTensor, weight: FlexTensor, output_grad: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight, &output_grad], options.groups) {
            return Flex::conv2d_x_backward(x, weight, output_grad, options);
        }
        // The input's gradient is the transposed convolution of the output's, onto the input's shape.
        let window = conv_window(&weight, &options);
        let (x_dims, grad_dims) = (dims(&x), dims(&output_grad));
        let (output_grad, weight) = (output_grad.to_contiguous(), weight.to_contiguous());
        tensor(convolve_transposed(values(&output_grad), grad_dims, values(&weight), x_dims, &window), x_dims)
    }

    fn conv_transpose2d_input_gradient(x: FlexTensor, weight: FlexTensor, output_grad: FlexTensor, options: ConvTransposeOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight, &output_grad], options.groups) {
            return Flex::conv_transpose2d_x_backward(weight, output_grad, options);
        }
        // The input's gradient is the convolution of the output's, at the input's positions.
        let window = transposed_window(&weight, &options);
        let [batch, channels, height, width] = dims(&x);
        let grad_dims = dims(&output_grad);
        let (output_grad, weight) = (output_grad.to_contiguous(), weight.to_contiguous());
        let gradient = convolve(values(&output_grad), grad_dims, values(&weight), channels, [height, width], &window);
        tensor(gradient, [batch, channels, height, width])
    }

    fn conv2d_weight_gradient(x: FlexTensor, weight: FlexTensor, output_grad: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight, &output_grad], options.groups) {
            return Flex::conv2d_weight_backward(x, weight, output_grad, options);
        }
        let weight_dims = dims(&weight);
        let window = conv_window(&weight, &options);
        let x_dims = dims(&x);
        let [batch, out_channels, out_rows, out_cols] = dims(&output_grad);
        let (x, output_grad) = (x.to_contiguous(), output_grad.to_contiguous());
        let left_dims = [batch, out_channels, out_rows * out_cols];
        let gradient = weight_gradient(values(&output_grad), left_dims, values(&x), x_dims, [out_rows, out_cols], &window);
        HOST_WEIGHT_GRADIENTS.fetch_add(1, Ordering::Relaxed);
        tensor(gradient, weight_dims)
    }

    fn conv_transpose2d_weight_gradient(x: FlexTensor, weight: FlexTensor, output_grad: FlexTensor, options: ConvTransposeOptions<2>) -> FlexTensor {
        if !takes_gemm_path([&x, &weight, &output_grad], options.groups) {
            return Flex::conv_transpose2d_weight_backward(x, weight, output_grad, options);
        }
        // The window sits on the output's gradient, at the input's positions.
        let weight_dims = dims(&weight);
        let window = transposed_window(&weight, &options);
        let [batch, in_channels, in_rows, in_cols] = dims(&x);
        let output_dims = dims(&output_grad);
        let (x, output_grad) = (x.to_contiguous(), output_grad.to_contiguous());
        let left_dims = [batch, in_channels, in_rows * in_cols];
        let gradient = weight_gradient(values(&x), left_dims, values(&output_grad), output_dims, [in_rows, in_cols], &window);
        HOST_WEIGHT_GRADIENTS.fetch_add(1, Ordering::Relaxed);
        tensor(gradient, weight_dims)
    }
}

/// The window of a convolution whose weight is `[out, in, kernel rows, kernel cols]`.
fn conv_window(weight: &FlexTensor, options: &ConvOptions<2>) -> Window {
    let [_, _, rows, cols] = dims(weight);
    Window { kernel: [rows, cols], stride: options.stride, padding: options.padding.map(|(before, _)| before), dilation: options.dilation }
}

/// The window of a transposed convolution, as the forward convolution it transposes sees it.
fn transposed_window(weight: &FlexTensor, options: &ConvTransposeOptions<2>) -> Window {
    let [_, _, rows, cols] = dims(weight);
    Window { kernel: [rows, cols], stride: options.stride, padding: options.padding, dilation: options.dilation }
}

/// Ungrouped f32 convolutions take the `gemm` path; anything else keeps burn's.
fn takes_gemm_path<const N: usize>(tensors: [&FlexTensor; N], groups: usize) -> bool {
    groups == 1 && all_f32(&tensors)
}

fn dims(tensor: &FlexTensor) -> [usize; 4] {
    let shape = TensorMetadata::shape(tensor);
    [shape[0], shape[1], shape[2], shape[3]]
}

/// A contiguous f32 tensor's values.
fn values(tensor: &FlexTensor) -> &[f32] {
    tensor.as_slice::<f32>().expect("a contiguous f32 tensor")
}

fn tensor(values: Vec<f32>, dims: [usize; 4]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, dims))
}
