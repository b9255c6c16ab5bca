//! The PixelCNN's masks (each output depends only on earlier pixels, checked by gradients), its
//! sampler, the PixelVAE built from it, and dynamically binarized MNIST.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::data::{BINARIZED_TEST_SEED, PIXELS};
use aestudio::model::{Architecture, AutoencoderConfig, Objective, Preset};
use aestudio::nn::pixelcnn::{MaskType, PixelCnnConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use common::mnist;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

#[test]
fn the_masks_keep_the_taps_before_the_centre() {
    assert_eq!(MaskType::A.kernel_mask(3), vec![1., 1., 1., 1., 0., 0., 0., 0., 0.]);
    assert_eq!(MaskType::B.kernel_mask(3), vec![1., 1., 1., 1., 1., 0., 0., 0., 0.]);
    let seven = MaskType::A.kernel_mask(7);
    assert_eq!(seven.iter().sum::<f32>(), 24.0, "three full rows of 7 and 3 taps left of the centre");
}

/// The gradient of pixel `pixel`'s logit with respect to every input pixel.
fn input_gradient(logits_of: impl Fn(Tensor<2>) -> Tensor<2>, pixel: usize) -> Vec<f32> {
    let device = cpu_device().autodiff();
    let image = Tensor::<2>::random([1, PIXELS], Distribution::Uniform(0.0, 1.0), &device).require_grad();
    let logit = logits_of(image.clone()).slice([0..1, pixel..pixel + 1]).sum();
    let gradients = logit.backward();
    values(image.grad(&gradients).expect("the image is a leaf that requires a gradient"))
}

fn assert_causal(gradient: &[f32], pixel: usize, what: &str) {
    let later = gradient[pixel..].iter().map(|g| g.abs()).fold(0.0f32, f32::max);
    assert_eq!(later, 0.0, "{what}: pixel {pixel}'s logit must not depend on itself or later pixels");
    if pixel > 0 {
        let earlier: f32 = gradient[..pixel].iter().map(|g| g.abs()).sum();
        assert!(earlier > 0.0, "{what}: pixel {pixel}'s logit depends on the pixels before it");
    }
}

#[test]
fn every_logit_depends_only_on_earlier_pixels() {
    let device = cpu_device().autodiff();
    device.seed(5);
    let network = PixelCnnConfig::new().with_channels(8).with_layers(3).init(&device);
    for pixel in [0, 1, 27, 28, 29, 406, 783] {
        assert_causal(&input_gradient(|image| network.forward(image, None), pixel), pixel, "PixelCNN");
    }
}

#[test]
fn a_pixel_vae_is_causal_in_the_pixels_and_listens_to_the_code() {
    let device = cpu_device().autodiff();
    device.seed(6);
    let config = AutoencoderConfig::new(4)
        .with_architecture(Architecture::PixelCnn { channels: [4, 8], pixel_channels: 8, layers: 2 })
        .with_objective(Objective::Variational { beta: 1.0 });
    let model = config.init(&device).unwrap();
    let code = Tensor::<2>::random([1, 4], Distribution::Normal(0.0, 1.0), &device).require_grad();
    for pixel in [0, 30, 500] {
        assert_causal(&input_gradient(|image| model.decode_given(code.clone(), image), pixel), pixel, "PixelVAE");
    }
    let image = Tensor::<2>::random([1, PIXELS], Distribution::Uniform(0.0, 1.0), &device);
    let gradients = model.decode_given(code.clone(), image).slice([0..1, 0..1]).sum().backward();
    let code_gradient = values(code.grad(&gradients).unwrap());
    assert!(code_gradient.iter().any(|g| *g != 0.0), "even the first pixel hears the code: {code_gradient:?}");
}

#[test]
fn sampling_draws_the_asked_pixels_and_keeps_the_rest() {
    let device = cpu_device();
    device.seed(8);
    let network = PixelCnnConfig::new().with_channels(8).with_layers(1).init(&device);
    let start = Tensor::<2>::full([2, PIXELS], 0.5, &device);
    let drawn = values(network.sample_pixels(start, None, 100..150));
    for row in drawn.chunks(PIXELS) {
        assert!(row[100..150].iter().all(|p| *p == 0.0 || *p == 1.0), "drawn pixels are binary");
        assert!(row[..100].iter().chain(&row[150..]).all(|p| *p == 0.5), "the other pixels are left as they were");
    }
    let model = Preset::PixelVae.config().init(&device).unwrap();
    let sample = values(model.decode_pixels(Tensor::zeros([1, 20], &device)));
    assert!(sample.iter().all(|p| *p == 0.0 || *p == 1.0) && sample.len() == PIXELS);
}

#[test]
fn binarized_mnist_is_binary_at_the_grey_levels_rate() {
    let splits = mnist();
    let test = splits.test.take(500);
    let grey: f64 = test.scaled_pixels().iter().map(|&p| p as f64).sum::<f64>();
    let once = test.binarized_once(BINARIZED_TEST_SEED);
    assert_eq!(once.scaled_pixels(), test.binarized_once(BINARIZED_TEST_SEED).scaled_pixels(), "the same seed gives the same bits");
    let ones: f64 = once.scaled_pixels().iter().map(|&p| p as f64).sum();
    assert!(once.scaled_pixels().iter().all(|p| *p == 0.0 || *p == 1.0));
    assert!((ones / grey - 1.0).abs() < 0.01, "a pixel is 1 as often as its grey level says: {ones} ones for {grey}");

    let device = cpu_device();
    device.seed(9);
    let dynamic = test.clone().with_dynamic_binarization();
    let indices: Vec<usize> = (0..500).collect();
    let first = values(dynamic.batch(&indices, &device));
    let second = values(dynamic.batch(&indices, &device));
    assert!(first.iter().all(|p| *p == 0.0 || *p == 1.0));
    assert_ne!(first, second, "drawn afresh at every use");
    let drawn: f64 = first.iter().map(|&p| p as f64).sum();
    assert!((drawn / grey - 1.0).abs() < 0.01, "{drawn} ones for {grey}");
    assert!(dynamic.take(10).is_dynamically_binarized() && dynamic.filter_labels(|l| l == 3).is_dynamically_binarized());
}
