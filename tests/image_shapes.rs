//! Models of any image shape (issue 41): the convolutions halve each side down to 7 or 8 pixels,
//! a model refuses images of another shape, the parts built for MNIST alone say so, PCA's
//! randomized solver finds the exact one's directions, and the CLI trains, evaluates and encodes
//! a folder of colour images at 32 pixels.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use std::path::Path;

mod common;
use common::run_cli;

use aestudio::data::{Dataset, ImageShape};
use aestudio::model::{Preset, weights};
use aestudio::train::{Trainer, TrainingConfig};
use aestudio::uses::pca::{Pca, Solver};
use burn::module::Module;
use pollster::block_on;

fn colour(side: usize) -> ImageShape {
    ImageShape::new(side, true).unwrap()
}

#[test]
fn the_conv_dae_at_64_colour_has_one_more_stage_each_way() {
    let config = Preset::ConvDae.config().for_images(colour(64)).unwrap();
    // Channels [16, 32], code 32. Encoder 3 -> 16 (32x32) -> 16 (16x16) -> 32 (8x8), a 3x3
    // kernel per output pixel; the dense layers 32*8*8 -> 32 and back; the decoder mirrors the
    // convolutions, a 3x3 kernel per input pixel.
    let expected = [
        3 * 16 * 9 * 32 * 32,
        16 * 16 * 9 * 16 * 16,
        16 * 32 * 9 * 8 * 8,
        32 * 64 * 32,
        32 * 32 * 64,
        32 * 16 * 9 * 8 * 8,
        16 * 16 * 9 * 16 * 16,
        16 * 3 * 9 * 32 * 32,
    ];
    assert_eq!(config.layer_multiply_adds(), expected);
    // The 28-pixel network is the one it always was: 1 -> 16 (14x14) -> 32 (7x7).
    assert_eq!(Preset::ConvDae.config().layer_multiply_adds()[..2], [16 * 9 * 14 * 14, 16 * 32 * 9 * 7 * 7]);

    let device = aestudio::backend::cpu_device();
    let model = config.init(&device).unwrap();
    let images = burn::tensor::Tensor::<2>::zeros([2, 3 * 64 * 64], &device);
    assert_eq!(model.reconstruct(images).dims(), [2, 3 * 64 * 64]);
    // Every weight of the extra stages is in the file, under its own name.
    let bytes = block_on(weights::save(&model, "test")).unwrap();
    let loaded = weights::load(&bytes, &device).unwrap().model;
    assert_eq!(loaded.config().image, colour(64));
    assert_eq!(loaded.num_params(), model.num_params());
}

#[test]
fn a_model_refuses_images_of_another_shape_and_mnist_only_parts_say_so() {
    let device = aestudio::backend::cpu_device();
    let tinted = Dataset::with_shape(colour(32), vec![0; 4 * 3 * 32 * 32], vec![0; 4]).unwrap();
    let mut trainer = Trainer::new(&Preset::Ae.config(), TrainingConfig::new().with_batch_size(2), &device, 4).unwrap();
    let err = block_on(trainer.train_steps(&tinted, 1)).unwrap_err().to_string();
    assert!(err.contains("the model takes 28x28 grey images, the data set has 32x32 colour"), "{err}");

    for (preset, part) in [(Preset::PixelVae, "a PixelCNN decoder"), (Preset::VaeGan, "VAE-GAN's image critic"), (Preset::DfcVae, "feature network")] {
        let err = preset.config().for_images(colour(32)).unwrap_err().to_string();
        assert!(err.contains(part) && err.contains("not 32x32 colour"), "{err}");
    }
    assert!(Preset::Bigan.config().for_images(colour(64)).is_ok(), "BiGAN's critic sees the image's values and the code");
    assert!(Dataset::with_shape(colour(32), vec![0; 100], vec![0]).unwrap_err().to_string().contains("32x32 colour"));
}

#[test]
fn randomized_pca_finds_the_exact_top_directions_of_mnist() {
    let train = common::mnist().train.take(2000);
    let exact = Pca::fit_with(&train, 16, Solver::Exact).unwrap();
    let randomized = Pca::fit_with(&train, 16, Solver::Randomized).unwrap();
    for (k, (a, b)) in exact.explained_variance.iter().zip(&randomized.explained_variance).enumerate() {
        assert!((a - b).abs() <= 0.01 * a, "component {k}: variance {b} against the exact {a}");
    }
    let errors = |pca: &Pca| pca.reconstruction_mse(&train);
    assert!((errors(&randomized) - errors(&exact)).abs() <= 0.01 * errors(&exact));
}

/// A `side` x `side` colour PNG: the MNIST digit `image` (28x28) scaled up by nearest pixel and
/// tinted with `tint`.
fn write_tinted(path: &Path, image: &[u8], side: u32, tint: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_fn(side, side, |x, y| {
        let grey = image[(y * 28 / side * 28 + x * 28 / side) as usize] as u32;
        image::Rgb(tint.map(|channel| (grey * channel as u32 / 255) as u8))
    })
    .save(path)
    .unwrap();
}

#[test]
fn the_cli_trains_evaluates_and_encodes_a_folder_of_colour_images() {
    let test = &common::mnist().test;
    let dir = std::env::temp_dir().join(format!("aestudio-colour-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tints = [[255, 64, 64], [64, 255, 64], [64, 64, 255]];
    for i in 0..300 {
        let label = test.label(i);
        write_tinted(&dir.join(format!("{label}/digit{i:03}.png")), test.image(i), 40, tints[usize::from(label) % 3]);
    }
    let folder = dir.to_str().unwrap();
    let weights = dir.with_extension("safetensors");
    let shape = ["--images", folder, "--side", "32", "--colour"];

    let trained = run_cli(&[&["train", "--model", "conv-dae", "--epochs", "30", "--batch-size", "16", "--compare-pca", "--out", weights.to_str().unwrap()][..], &shape[..]].concat());
    assert_eq!(trained[0]["report"]["shape"], serde_json::json!({ "channels": 3, "side": 32 }));
    let header = weights::read_header(&std::fs::read(&weights).unwrap()).unwrap();
    assert_eq!((header.config.image, header.dataset.unwrap().shape), (colour(32), [3, 32, 32]));

    let evaluated = run_cli(&[&["eval", weights.to_str().unwrap()][..], &shape[..]].concat());
    let eval = &evaluated[1]["evaluation"];
    assert_eq!(eval["samples"], 30, "10% of 300");
    // The baseline: every test image guessed as the mean training image. 30 epochs on 270
    // images take the conv DAE well below it (0.015 of 0.028, PCA 0.009, when written); PCA runs
    // its randomized solver here (3,072 values per image).
    let splits = aestudio::data::images::read_folder(&dir, colour(32)).unwrap().splits;
    let mean_image: Vec<f64> = (0..3 * 32 * 32).map(|v| (0..splits.train.len()).map(|i| splits.train.image(i)[v] as f64 / 255.0).sum::<f64>() / 270.0).collect();
    let baseline = (0..30).flat_map(|i| splits.test.image(i).iter().zip(&mean_image).map(|(&x, m)| (x as f64 / 255.0 - m).powi(2))).sum::<f64>() / (30.0 * 3072.0);
    let (model, pca) = (eval["mse_per_pixel"].as_f64().unwrap(), trained[1]["pca_mse"].as_f64().unwrap());
    assert!(model < 0.7 * baseline && pca < 0.5 * baseline, "MSE per value: conv DAE {model}, PCA {pca}, mean image {baseline}");

    let codes = dir.with_extension("codes.csv");
    let coded = run_cli(&[&["codes", weights.to_str().unwrap(), "--out", codes.to_str().unwrap()][..], &shape[..]].concat());
    assert_eq!(coded[1]["images"], 300);
    // The same model on the folder in grey is refused with both shapes named.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_aestudio")).args(["eval", weights.to_str().unwrap(), "--images", folder, "--side", "32"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("[3, 32, 32]") && stderr.contains("[1, 32, 32]"), "{stderr}");
    for path in [weights, codes] {
        std::fs::remove_file(path).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_folder_is_offered_the_presets_that_take_its_shape_without_labels() {
    let names = |shape| Preset::for_folder(shape).into_iter().map(Preset::name).collect::<Vec<_>>();
    let mnist = names(ImageShape::MNIST);
    assert!(mnist.contains(&"conv-dae") && mnist.contains(&"vae") && mnist.contains(&"vae-gan"));
    assert!(!mnist.contains(&"aae-labelled"), "a folder may have no labels");
    let colour = names(colour(64));
    assert!(colour.contains(&"conv-dae") && colour.contains(&"aae") && colour.contains(&"bigan"));
    for mnist_only in ["vae-gan", "aae-clusters", "pixel-vae", "dfc-vae"] {
        assert!(!colour.contains(&mnist_only), "{mnist_only}");
    }
}
