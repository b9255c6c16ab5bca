//! The importance-weighted likelihood: against a closed-form case, against the ELBO (k = 1 is
//! it; the bound tightens with k), and on real models of binarized MNIST.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::backend::cpu_device;
use aestudio::data::Dataset;
use aestudio::model::{Architecture, AutoencoderConfig, Objective, Preset};
use aestudio::nn::loss::{gaussian_log_density, log_mean_exp, standard_normal_log_density};
use aestudio::nn::pixelcnn::PixelCnnConfig;
use aestudio::train::density::train_pixelcnn;
use aestudio::train::likelihood::{importance_weighted_nll, pixelcnn_nll};
use aestudio::train::{TrainingConfig, evaluate, train_model};
use burn::prelude::*;
use burn::tensor::Distribution;
use common::mnist;

const LN_TWO_PI: f64 = 1.837_877_066_409_345_3;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

/// One observation `x` of `z ~ N(0, 1)`, `x | z ~ N(z, s2)`, so `p(x) = N(0, 1 + s2)`; the
/// proposal `q = N(m, v)` is deliberately not the posterior. Returns the log weights of `count`
/// draws from `q`.
fn linear_gaussian_log_weights(x: f64, s2: f64, (m, v): (f64, f64), count: usize) -> Tensor<2> {
    let device = cpu_device();
    device.seed(11);
    let z = Tensor::<2>::random([count, 1], Distribution::Normal(m, v.sqrt()), &device);
    let column = |value: f64| Tensor::<2>::full([count, 1], value, &device);
    let likelihood = gaussian_log_density(column(x), z.clone(), column(s2.ln()));
    let proposal = gaussian_log_density(z.clone(), column(m), column(v.ln()));
    (likelihood + standard_normal_log_density(z) - proposal).reshape([1, count])
}

#[test]
fn the_bound_meets_the_closed_form_likelihood_and_the_elbo() {
    let (x, s2, q): (f64, f64, (f64, f64)) = (1.5, 0.5, (0.3, 0.8));
    let exact = -0.5 * (LN_TWO_PI + (1.0 + s2).ln() + x * x / (1.0 + s2));
    let (m, v) = q;
    let elbo = -0.5 * (LN_TWO_PI + s2.ln() + ((x - m) * (x - m) + v) / s2) - 0.5 * (LN_TWO_PI + m * m + v) + 0.5 * (LN_TWO_PI + v.ln() + 1.0);
    let count = 1 << 18;
    let weights = linear_gaussian_log_weights(x, s2, q, count);
    let many = values(log_mean_exp(weights.clone()))[0] as f64;
    assert!((many - exact).abs() < 0.01, "k = {count}: {many} against ln p(x) = {exact}");
    let mut previous = f64::NEG_INFINITY;
    for k in [1usize, 4, 16, 64, 256] {
        let bounds = values(log_mean_exp(weights.clone().reshape([count / k, k])));
        let mean = bounds.iter().map(|&b| b as f64).sum::<f64>() / bounds.len() as f64;
        eprintln!("k = {k}: {mean:.4} (ln p(x) = {exact:.4}, ELBO {elbo:.4})");
        if k == 1 {
            assert!((mean - elbo).abs() < 0.01, "k = 1 is the ELBO: {mean} against {elbo}");
        }
        assert!(mean > previous && mean <= exact + 0.005, "k = {k}: {mean} rises from {previous} towards {exact}");
        previous = mean;
    }
}

fn binarized_mnist(train: usize, test: usize) -> (Dataset, Dataset) {
    let splits = mnist().clone().binarized();
    (splits.train.take(train), splits.test.take(test))
}

#[test]
fn a_vae_bound_equals_its_test_loss_at_one_sample_and_tightens_with_more() {
    let device = cpu_device();
    let (train, test) = binarized_mnist(3000, 300);
    let config = AutoencoderConfig::new(8).with_architecture(Architecture::Mlp { hidden: vec![128] }).with_objective(Objective::Variational { beta: 1.0 });
    let training = TrainingConfig::new().with_epochs(3).with_batch_size(64).with_seed(3);
    let model = pollster::block_on(train_model(&config, &training, &train, &device)).unwrap();
    device.seed(4);
    let elbo = pollster::block_on(evaluate(&model, &test, 100)).unwrap().loss;
    let one = pollster::block_on(importance_weighted_nll(&model, &test, 1, 1000)).unwrap();
    let hundred = pollster::block_on(importance_weighted_nll(&model, &test, 100, 1000)).unwrap();
    eprintln!("test loss {elbo:.2}, k=1 {:.2}, k=100 {:.2} ± {:.2}", one.nll, hundred.nll, hundred.standard_error);
    assert!((one.nll - elbo).abs() < 0.015 * elbo, "k = 1 is the negative ELBO: {} against the test loss {elbo}", one.nll);
    assert!(hundred.nll < one.nll - 1.0, "100 samples tighten the bound: {} against {}", hundred.nll, one.nll);
    assert!(hundred.nll > 60.0 && hundred.standard_error > 0.0 && hundred.images == 300, "{hundred:?}");
    let not_a_density = Preset::Ae.config().init(&device).unwrap();
    let refused = pollster::block_on(importance_weighted_nll(&not_a_density, &test, 10, 100)).unwrap_err();
    assert!(refused.to_string().contains("no likelihood"), "{refused}");
}

#[test]
fn a_small_pixelcnn_learns_binarized_digits() {
    let device = cpu_device();
    let (train, test) = binarized_mnist(2000, 200);
    let config = PixelCnnConfig::new().with_channels(16).with_layers(2);
    let untrained = pollster::block_on(pixelcnn_nll(&config.init(&device), &test, 100)).unwrap();
    let mut epochs = Vec::new();
    let training = TrainingConfig::new().with_epochs(2).with_batch_size(32).with_seed(2);
    let model = pollster::block_on(train_pixelcnn(&config, &training, &train, &device, |_, nll| epochs.push(nll))).unwrap();
    let trained = pollster::block_on(pixelcnn_nll(&model, &test, 100)).unwrap();
    eprintln!("PixelCNN: {epochs:?} per epoch; test NLL {:.1} untrained, {:.1} trained", untrained.nll, trained.nll);
    assert!(epochs[1] < epochs[0], "the training NLL falls: {epochs:?}");
    // A Bernoulli per pixel at MNIST's mean ink (~0.13) alone gives about 300 nats.
    assert!(untrained.nll > 400.0 && trained.nll < 150.0, "{} nats untrained, {} trained", untrained.nll, trained.nll);
}
