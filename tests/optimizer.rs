//! The fused Adam the trainer uses on the CPU: Adam's arithmetic, by hand and against burn's.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::backend::cpu_device;
use aestudio::train::fused_adam::{FusedAdam, step_moved};
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// A module of one parameter, for hand computation.
#[derive(Module, Debug)]
struct Scalar {
    value: Param<Tensor<1>>,
}

#[test]
fn the_cpu_backend_takes_the_fused_path() {
    // The optimizer sees parameters without autodiff: the plain CPU device.
    assert!(FusedAdam::fuses_on(&cpu_device()));
}

#[test]
fn the_first_steps_move_each_weight_by_the_learning_rate_as_adam_does_by_hand() {
    let device = cpu_device().autodiff();
    let mut model = Scalar { value: Param::from_tensor(Tensor::from_data([1.0f32, -2.0], &device)) };
    let mut optimizer = ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8));
    // Step 1, gradients 0.5 and -4: m = 0.1g, v = 0.001g², so m/(1-0.9) / sqrt(v/(1-0.999)) = sign(g).
    let loss = (model.value.val() * Tensor::from_data([0.5f32, -4.0], &device)).sum();
    let gradients = GradientsParams::from_grads(loss.backward(), &model);
    model = optimizer.step(0.1, model, gradients);
    let after_one = values(model.value.val());
    assert!((after_one[0] - 0.9).abs() < 1e-6 && (after_one[1] + 1.9).abs() < 1e-6, "{after_one:?}");
    // Step 2, gradient 1.5 for the first weight: m = 0.9·0.05 + 0.1·1.5 = 0.195, v = 0.999·0.00025 +
    // 0.001·2.25 = 0.00249975; corrected m = 0.195/0.19 = 1.026316, v = 0.00249975/0.001999 =
    // 1.250500; the step is 0.1·1.026316/1.118258 = 0.091778.
    let loss = (model.value.val() * Tensor::from_data([1.5f32, 0.0], &device)).sum();
    let gradients = GradientsParams::from_grads(loss.backward(), &model);
    model = optimizer.step(0.1, model, gradients);
    let after_two = values(model.value.val());
    assert!((after_two[0] - (0.9 - 0.091778)).abs() < 1e-5, "{after_two:?}");
    // The update writes in place only into buffers nothing else holds: a copy kept before a step
    // keeps its values.
    let kept = model.clone();
    let loss = (model.value.val() * Tensor::from_data([1.0f32, 1.0], &device)).sum();
    let gradients = GradientsParams::from_grads(loss.backward(), &model);
    model = optimizer.step(0.1, model, gradients);
    assert_eq!(values(kept.value.val()), after_two);
    assert_ne!(values(model.value.val()), after_two);
}

#[test]
fn it_trains_a_layer_as_burns_adam_does() {
    let device = cpu_device().autodiff();
    device.seed(4);
    let start = LinearConfig::new(6, 3).init(&device);
    let inputs = Tensor::<2>::random([16, 6], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let targets = Tensor::<2>::random([16, 3], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let run = |mut optimizer: ModuleOptimizer| {
        let mut layer: Linear = start.clone();
        for _ in 0..20 {
            let loss = (layer.forward(inputs.clone()) - targets.clone()).powi_scalar(2).mean();
            let gradients = GradientsParams::from_grads(loss.backward(), &layer);
            layer = optimizer.step(0.01, layer, gradients);
        }
        values(layer.weight.val())
    };
    let fused = run(ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8)));
    let burns = run(AdamConfig::new().with_epsilon(1e-8).init());
    let moved: f32 = fused.iter().zip(values(start.weight.val())).map(|(a, b)| (a - b).abs()).sum();
    assert!(moved > 0.05, "the weights moved by {moved} in all");
    for (a, b) in fused.iter().zip(&burns) {
        assert!((a - b).abs() < 1e-5, "fused {a} against burn's {b}");
    }
}

#[test]
fn a_moved_step_trains_as_a_cloned_one_and_leaves_no_stand_in_behind() {
    let device = cpu_device().autodiff();
    device.seed(5);
    let start = LinearConfig::new(5, 4).init(&device);
    let inputs = Tensor::<2>::random([8, 5], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let loss_of = |layer: &Linear| (layer.forward(inputs.clone()) - 1.0).powi_scalar(2).mean();
    let (mut moved, mut cloned) = (start.clone(), start.clone());
    let (mut moved_adam, mut cloned_adam) = (ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8)), ModuleOptimizer::from(FusedAdam::new(0.9, 0.999, 1e-8)));
    for _ in 0..5 {
        let gradients = GradientsParams::from_grads(loss_of(&moved).backward(), &moved);
        step_moved(&mut moved_adam, 0.01, &mut moved, gradients);
        let gradients = GradientsParams::from_grads(loss_of(&cloned).backward(), &cloned);
        cloned = cloned_adam.step(0.01, cloned.clone(), gradients);
    }
    // The stand-in's one-element parameters would show as a changed shape.
    assert_eq!(moved.weight.val().dims(), [5, 4]);
    assert_eq!(values(moved.weight.val()), values(cloned.weight.val()));
    assert_eq!(values(moved.bias.unwrap().val()), values(cloned.bias.unwrap().val()));
    assert_ne!(values(moved.weight.val()), values(start.weight.val()), "five steps moved the weights");
}
