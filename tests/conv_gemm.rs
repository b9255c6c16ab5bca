//! The convolutions whose weight gradient is one matrix product (`src/nn/conv_gemm`): by hand, and
//! against burn's own convolution modules, outputs and all three gradients.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::nn::conv_gemm::{conv2d, conv_transpose2d, host_weight_gradients};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::prelude::*;
use burn::tensor::Distribution;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn assert_close(name: &str, ours: Vec<f32>, burns: Vec<f32>, tolerance: f32) {
    assert_eq!(ours.len(), burns.len(), "{name}: lengths");
    let scale = burns.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let worst = ours.iter().zip(&burns).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst <= tolerance * scale, "{name}: differs from burn's by {worst} (scale {scale})");
}

#[test]
fn the_weight_gradient_of_a_two_by_two_kernel_is_the_sum_of_its_patches_by_hand() {
    let device = cpu_device().autodiff();
    let conv = Conv2dConfig::new([1, 1], [2, 2]).with_bias(false).init(&device);
    let x = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], &device).reshape([1, 1, 3, 3]);
    let before = host_weight_gradients();
    let gradients = conv2d(&conv, x).sum().backward();
    // With a gradient of one at each of the four outputs, each tap's gradient sums the four pixels
    // it saw: 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
    let weight_grad = values(conv.weight.val().grad(&gradients).unwrap());
    assert_eq!(weight_grad, vec![12.0, 16.0, 24.0, 28.0]);
    assert!(host_weight_gradients() > before, "the weight gradient took the gemm path");
}

/// Runs burn's module and ours on the same input, with the same gradient flowing back, and
/// compares the outputs and the gradients of the input, the weight and the bias.
fn compare<M>(module: &M, input: [usize; 4], weight: impl Fn(&M) -> Tensor<4>, bias: impl Fn(&M) -> Tensor<1>, burns: impl Fn(&M, Tensor<4>) -> Tensor<4>, ours: impl Fn(&M, Tensor<4>) -> Tensor<4>) {
    let device = cpu_device().autodiff();
    let x = Tensor::<4>::random(input, Distribution::Normal(0.0, 1.0), &device).require_grad();
    let theirs = burns(module, x.clone());
    let upstream = Tensor::<4>::random(theirs.dims(), Distribution::Normal(0.0, 1.0), &device);
    let burn_grads = (theirs.clone() * upstream.clone()).sum().backward();
    let before = host_weight_gradients();
    let output = ours(module, x.clone());
    let our_grads = (output.clone() * upstream).sum().backward();
    assert!(host_weight_gradients() > before, "the weight gradient took the gemm path");
    assert_close("output", values(output), values(theirs), 1e-5);
    assert_close("input gradient", values(x.grad(&our_grads).unwrap()), values(x.grad(&burn_grads).unwrap()), 1e-4);
    assert_close("weight gradient", values(weight(module).grad(&our_grads).unwrap()), values(weight(module).grad(&burn_grads).unwrap()), 1e-4);
    assert_close("bias gradient", values(bias(module).grad(&our_grads).unwrap()), values(bias(module).grad(&burn_grads).unwrap()), 1e-4);
}

fn compare_conv(batch: usize, channels: [usize; 2], side: [usize; 2], config: Conv2dConfig) {
    let conv = config.init(&cpu_device().autodiff());
    let input = [batch, channels[0], side[0], side[1]];
    compare(&conv, input, |c: &Conv2d| c.weight.val(), |c| c.bias.as_ref().unwrap().val(), |c, x| c.forward(x), |c, x| conv2d(c, x));
}

fn compare_transposed(batch: usize, channels: [usize; 2], side: [usize; 2], config: ConvTranspose2dConfig) {
    let conv = config.init(&cpu_device().autodiff());
    let input = [batch, channels[0], side[0], side[1]];
    let weight = |c: &ConvTranspose2d| c.weight.val();
    compare(&conv, input, weight, |c| c.bias.as_ref().unwrap().val(), |c, x| c.forward(x), |c, x| conv_transpose2d(c, x));
}

#[test]
fn convolutions_match_burns_outputs_and_gradients() {
    // The conv DAE's two layers, then odd shapes: uneven padding, dilation, a wide kernel, Same.
    compare_conv(16, [1, 16], [28, 28], Conv2dConfig::new([1, 16], [3, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)));
    compare_conv(16, [16, 32], [14, 14], Conv2dConfig::new([16, 32], [3, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)));
    compare_conv(3, [2, 5], [9, 7], Conv2dConfig::new([2, 5], [3, 2]).with_stride([2, 1]).with_padding(PaddingConfig2d::Explicit(2, 0, 1, 1)));
    compare_conv(2, [3, 4], [11, 10], Conv2dConfig::new([3, 4], [3, 3]).with_dilation([2, 2]).with_padding(PaddingConfig2d::Valid));
    compare_conv(2, [3, 4], [9, 10], Conv2dConfig::new([3, 4], [4, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Same));
}

#[test]
fn a_wide_layer_sums_the_weight_gradient_over_every_sample() {
    // Each sample is its own product: 40 samples of 225,792 patch values each (32 channels, 3x3,
    // 28x28), whose weight gradients add up.
    compare_conv(40, [32, 32], [28, 28], Conv2dConfig::new([32, 32], [3, 3]).with_padding(PaddingConfig2d::Same));
}

#[test]
fn transposed_convolutions_match_burns_outputs_and_gradients() {
    // The conv DAE's decoder layers, then a dilated one with uneven sides and no output padding.
    let up = |from, to| ConvTranspose2dConfig::new([from, to], [3, 3]).with_stride([2, 2]).with_padding([1, 1]).with_padding_out([1, 1]);
    compare_transposed(16, [32, 16], [7, 7], up(32, 16));
    compare_transposed(16, [16, 1], [14, 14], up(16, 1));
    compare_transposed(3, [4, 3], [5, 6], ConvTranspose2dConfig::new([4, 3], [2, 3]).with_stride([3, 2]).with_padding([1, 0]).with_dilation([2, 1]));
}
