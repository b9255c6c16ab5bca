//! Native tests of the core: loss math against hand computations, model shapes, corruption
//! statistics, training on real MNIST, PCA, resuming and exploring, and refusal of bad input.
//! Real data comes from `data/mnist` (`./build.sh data` fetches it).
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use std::path::PathBuf;

use aestudio::AeError;
use aestudio::backend::cpu_device;
use aestudio::uses::explore;
use aestudio::nn::loss::{bce_with_logits, kl_to_standard_normal, per_sample_sum, squared_error};
use aestudio::data::datasets::{parse_images, verify_md5};
use aestudio::data::{Dataset, DatasetFacts, DatasetFiles, FASHION_MNIST, MNIST, PIXELS, Splits};
use aestudio::model::{Architecture, AutoencoderConfig, Likelihood, Objective, Preset};
use aestudio::nn::noise::Corruption;
use aestudio::uses::pca::Pca;
use aestudio::train::{Pace, Paced, Progress, Trainer, TrainingConfig, evaluate};
use aestudio::model::weights;
use burn::prelude::*;

mod common;
use common::{Followers, assert_close, mnist, small_training, tensor2, values};

// ---- loss terms against hand computations ----

#[test]
fn bce_with_logits_matches_the_probability_form_and_hand_values() {
    let logits = [-3.0f32, -0.5, 0.0, 0.7, 2.0];
    let targets = [0.0f32, 1.0, 0.3, 1.0, 0.25];
    let got = values(bce_with_logits(tensor2(&[&logits]), tensor2(&[&targets])));
    for ((&x, &z), got) in logits.iter().zip(&targets).zip(got) {
        let p = 1.0 / (1.0 + (-x as f64).exp());
        let expected = -(z as f64 * p.ln() + (1.0 - z as f64) * (1.0 - p).ln());
        assert_close(got, expected, 1e-5);
    }
    // By hand: x = 0 gives ln 2 whatever the target.
    assert_close(values(bce_with_logits(tensor2(&[&[0.0]]), tensor2(&[&[0.9]])))[0], 2f64.ln(), 1e-6);
}

#[test]
fn bce_with_logits_stays_finite_for_saturated_logits() {
    // Where sigmoid rounds to exactly 0 or 1, the naive form gives inf; the stable one gives |x|.
    let got = values(bce_with_logits(tensor2(&[&[100.0, -100.0]]), tensor2(&[&[0.0, 1.0]])));
    assert_close(got[0], 100.0, 1e-4);
    assert_close(got[1], 100.0, 1e-4);
    let got = values(bce_with_logits(tensor2(&[&[100.0, -100.0]]), tensor2(&[&[1.0, 0.0]])));
    assert!(got.iter().all(|v| v.abs() < 1e-6), "{got:?}");
}

#[test]
fn kl_to_standard_normal_matches_the_closed_form_by_hand() {
    // Dimension 1: mean 1, var 1 → ½(1 + 1 - 1 - 0) = ½. Dimension 2: mean 0, var 2 →
    // ½(2 - 1 - ln 2). A standard normal posterior has KL 0.
    let mean = tensor2(&[&[1.0, 0.0], &[0.0, 0.0]]);
    let log_var = tensor2(&[&[0.0, 2f32.ln()], &[0.0, 0.0]]);
    let got = values(kl_to_standard_normal(mean, log_var));
    assert_close(got[0], 0.5 + 0.5 * (1.0 - 2f64.ln()), 1e-6);
    assert_close(got[1], 0.0, 1e-7);
}

#[test]
fn squared_error_and_per_sample_sum_by_hand() {
    let se = squared_error(tensor2(&[&[0.5, 1.0], &[0.0, 0.2]]), tensor2(&[&[0.0, 1.0], &[1.0, 0.0]]));
    let sums = values(per_sample_sum(se));
    assert_close(sums[0], 0.25, 1e-7);
    assert_close(sums[1], 1.04, 1e-6);
}

// ---- models ----

#[test]
fn every_preset_has_the_right_shapes() {
    let device = cpu_device();
    let input = Tensor::<2>::ones([3, PIXELS], &device).mul_scalar(0.5);
    for preset in Preset::ALL {
        let config = preset.config();
        let model = config.init(&device).unwrap();
        let encoding = model.encode(input.clone());
        assert_eq!(encoding.mean.dims(), [3, config.code_size], "{}", preset.name());
        assert_eq!(encoding.log_var.as_ref().map(|t| t.dims()), config.objective.is_variational().then_some([3, config.code_size]));
        assert_eq!(model.decode(encoding.mean).dims(), [3, PIXELS]);
        let out = values(model.reconstruct(input.clone()));
        match config.likelihood {
            Likelihood::Linear => assert!(out.iter().any(|p| *p < 0.0), "{}: a linear output is not squashed", preset.name()),
            _ if config.architecture.decodes_pixel_by_pixel() => assert!(out.iter().all(|p| *p == 0.0 || *p == 1.0), "{} draws binary pixels", preset.name()),
            _ => assert!(out.iter().all(|p| *p > 0.0 && *p < 1.0), "{} gives probabilities", preset.name()),
        }
        let terms = model.loss(input.clone(), input.clone());
        assert_eq!(terms.reconstruction.dims(), [3]);
        assert_eq!(terms.kl.is_some(), config.objective.is_variational());
        assert!(values(terms.objective)[0].is_finite());
    }
}

#[test]
fn vae_objective_is_reconstruction_plus_beta_times_kl() {
    let device = cpu_device();
    device.seed(7);
    let model = AutoencoderConfig::new(4).with_architecture(Architecture::Mlp { hidden: vec![16] })
        .with_objective(Objective::Variational { beta: 3.0 }).init(&device).unwrap();
    let input = Tensor::<2>::random([5, PIXELS], burn::tensor::Distribution::Default, &device);
    let terms = model.loss(input.clone(), input);
    let reconstruction = values(terms.reconstruction);
    let kl = values(terms.kl.unwrap());
    let expected: f64 = reconstruction.iter().zip(&kl).map(|(r, k)| (*r + 3.0 * *k) as f64).sum::<f64>() / 5.0;
    assert_close(values(terms.objective)[0], expected, 1e-3);
    assert!(kl.iter().all(|k| *k >= 0.0), "KL is never negative: {kl:?}");
}

// ---- corruption ----

#[test]
fn masking_noise_keeps_the_requested_fraction() {
    let device = cpu_device();
    device.seed(3);
    let ones = Tensor::<2>::ones([100, 1000], &device);
    let kept = values(Corruption::Masking { keep_probability: 0.7 }.apply(ones));
    let rate = kept.iter().filter(|v| **v == 1.0).count() as f64 / kept.len() as f64;
    assert!(kept.iter().all(|v| *v == 0.0 || *v == 1.0));
    assert!((rate - 0.7).abs() < 0.01, "kept {rate}");
}

#[test]
fn gaussian_noise_has_the_requested_variance_and_no_bias() {
    let device = cpu_device();
    device.seed(4);
    let half = Tensor::<2>::ones([100, 1000], &device).mul_scalar(0.5);
    let noisy = values(Corruption::Gaussian { sigma: 0.3 }.apply(half));
    let n = noisy.len() as f64;
    let mean = noisy.iter().map(|v| *v as f64).sum::<f64>() / n;
    let variance = noisy.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n;
    assert!((mean - 0.5).abs() < 0.003, "mean {mean}");
    assert!((variance - 0.09).abs() < 0.003, "variance {variance}");
}

// ---- data ----

#[test]
fn real_mnist_has_the_published_shape_and_statistics() {
    let data = mnist();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    let (mean, std) = data.train.pixel_statistics();
    assert!((mean - 0.1307).abs() < 1e-4 && (std - 0.3081).abs() < 1e-4, "{mean} {std}");
    let mut counts = [0usize; 10];
    (0..data.train.len()).for_each(|i| counts[data.train.label(i) as usize] += 1);
    assert_eq!(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
}

#[test]
fn the_page_learns_a_data_sets_facts_from_the_core() {
    let data = mnist();
    let facts = DatasetFacts::of(&MNIST, &data.test, Some(&data.train));
    // MNIST's test labels begin 7 2 1 0 4 1 4 9 5 9 0 6 9 0 1 5 9 7 3 4 ... and its first 8 is
    // image 61 (read off t10k-labels-idx1-ubyte).
    assert_eq!(facts.gallery, [3, 2, 1, 18, 4, 8, 11, 0, 61, 7]);
    assert_eq!((facts.test_images, facts.train_images), (10_000, Some(60_000)));
    let json = serde_json::to_value(&facts).unwrap();
    assert_eq!(json["label"], "MNIST");
    assert_eq!(json["items"], "digits");
    assert_eq!(json["testImages"], 10_000);
    assert_eq!(json["classes"][9], "9");
    // The live Lab loads no training split: no count is made up for it.
    let live = serde_json::to_value(DatasetFacts::of(&MNIST, &data.test, None)).unwrap();
    assert!(live.get("trainImages").is_none(), "{live}");
    // A label with no image is marked, not pointed at image 0.
    let three_classes = Dataset::new(vec![0; 3 * 784], vec![2, 0, 2]).unwrap();
    assert_eq!(three_classes.first_of_each_class(3), [1, u32::MAX, 0]);
    assert_eq!(FASHION_MNIST.class_names[9], "Ankle boot");
    assert_eq!((FASHION_MNIST.label, FASHION_MNIST.items), ("Fashion-MNIST", "clothes"));
}

#[test]
fn real_fashion_mnist_has_the_published_shape_and_statistics() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist");
    let data = Splits::load_dir(&DatasetFiles::by_name("fashion-mnist").unwrap(), &dir)
        .expect("Fashion-MNIST in data/fashion-mnist (./build.sh data)");
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    // Zalando's published figures: mean 0.2860, std 0.3530; 6,000 and 1,000 images of each class.
    let (mean, std) = data.train.pixel_statistics();
    assert!((mean - 0.2860).abs() < 1e-4 && (std - 0.3530).abs() < 1e-4, "{mean} {std}");
    for (split, per_class) in [(&data.train, 6000), (&data.test, 1000)] {
        let mut counts = [0usize; 10];
        (0..split.len()).for_each(|i| counts[split.label(i) as usize] += 1);
        assert_eq!(counts, [per_class; 10]);
    }
    assert!(DatasetFiles::by_name("cifar").err().unwrap().to_string().contains("expected mnist or fashion-mnist"));
}

#[test]
fn a_corrupted_file_fails_its_checksum_with_a_clear_message() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let mut bytes = std::fs::read(dir.join(MNIST.test_labels.name)).unwrap();
    verify_md5(MNIST.test_labels, &bytes).unwrap();
    bytes[100] ^= 1;
    let err = verify_md5(MNIST.test_labels, &bytes).unwrap_err().to_string();
    assert!(err.contains("failed its checksum") && err.contains("t10k-labels"), "{err}");
    let truncated = &std::fs::read(dir.join("slice-512-images-idx3-ubyte")).unwrap()[..5000];
    assert!(parse_images(truncated).unwrap_err().to_string().contains("promises 512 images"));
}

// ---- training ----

#[test]
fn a_runs_pace_counts_only_time_inside_its_steps() {
    // 2 epochs of 50 steps, batches of 100. 10 steps in 0.5 s: 0.05 s a step, so 100 / 0.05 =
    // 2,000 samples/s, and the 90 steps left take 4.5 s.
    let mut pace = Pace::new(2, 100, 0);
    let first = pace.advance(10, 50, 0.5);
    assert_eq!((first.steps, first.training_seconds), (10, 0.5));
    assert_close(first.samples_per_second.unwrap() as f32, 2_000.0, 1e-6);
    assert_close(first.seconds_left.unwrap() as f32, 4.5, 1e-6);
    // 20 more in 1.5 s: 30 steps in 2 s, 1,500 samples/s; 70 steps left at 1/15 s each.
    let second = pace.advance(30, 50, 1.5);
    assert_close(second.samples_per_second.unwrap() as f32, 1_500.0, 1e-6);
    assert_close(second.seconds_left.unwrap() as f32, 70.0 / 15.0, 1e-6);
    // A resumed run's clock starts at its step: the steps before it took no time here.
    let mut resumed = Pace::new(2, 100, 40);
    assert_eq!(resumed.advance(40, 50, 0.0).samples_per_second, None, "no step timed yet");
    let after = resumed.advance(50, 50, 1.0);
    assert_eq!(after.steps, 10);
    assert_close(after.samples_per_second.unwrap() as f32, 1_000.0, 1e-6);
    assert_close(after.seconds_left.unwrap() as f32, 5.0, 1e-6);
    // The page reads it beside the progress: `{epoch, step, ..., pace: {samplesPerSecond, ...}}`.
    let progress = Progress { epoch: 0, step: 10, steps_per_epoch: 50, train_loss: None, epoch_loss: None, critic: None, epoch_finished: false, finished: false };
    let json = serde_json::to_value(Paced { progress, pace: first }).unwrap();
    assert_eq!((json["step"].as_u64(), json["pace"]["secondsLeft"].as_f64()), (Some(10), Some(4.5)));
    assert_eq!(json["pace"]["samplesPerSecond"].as_f64(), Some(2_000.0));
}

#[test]
fn a_few_steps_on_real_mnist_lower_the_loss_of_every_kind() {
    let train = mnist().train.take(1024);
    for preset in [Preset::Ae, Preset::Dae, Preset::Vae, Preset::ConvDae, Preset::SparseL1, Preset::SparseKl, Preset::Cae] {
        let mut trainer = Trainer::new(&preset.config(), small_training(2), &cpu_device(), train.len()).unwrap();
        let first = pollster::block_on(trainer.train_steps(&train, 4)).unwrap().train_loss.unwrap();
        let mut last = first;
        while !trainer.is_finished() {
            if let Some(loss) = pollster::block_on(trainer.train_steps(&train, 4)).unwrap().train_loss {
                last = loss;
            }
        }
        assert!(last < 0.8 * first, "{}: loss went from {first} to {last}", preset.name());
    }
}

#[test]
fn evaluation_reports_finite_figures_that_training_improves() {
    let data = mnist();
    let train = data.train.take(2048);
    let test = data.test.take(500);
    let mut trainer = Trainer::new(&Preset::Vae.config(), small_training(1), &cpu_device(), train.len()).unwrap();
    let before = pollster::block_on(evaluate(&trainer.model(), &test, 128)).unwrap();
    pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    let after = pollster::block_on(evaluate(&trainer.model(), &test, 128)).unwrap();
    assert_eq!(after.samples, 500);
    // An untrained VAE is near 784·ln 2 ≈ 543 per sample; one short epoch takes it well below.
    assert!(before.loss > 500.0 && after.loss < 0.6 * before.loss, "{before:?} → {after:?}");
    assert!(after.kl_per_sample.unwrap() > 0.0 && after.mse_per_pixel < before.mse_per_pixel);
}

#[test]
fn a_diverging_run_stops_and_keeps_the_last_good_weights() {
    // Adam at learning rate 1 blows the log-variance up until exp() overflows.
    let train = mnist().train.take(512);
    let config = TrainingConfig::new().with_batch_size(32).with_epochs(50).with_readback_every(1).with_learning_rate(1.0);
    let mut trainer = Trainer::new(&Preset::Vae.config(), config, &cpu_device(), train.len()).unwrap();
    let err = loop {
        match pollster::block_on(trainer.train_steps(&train, 16)) {
            Ok(progress) => assert!(!progress.finished, "the run never diverged"),
            Err(err) => break err,
        }
    };
    assert!(matches!(err, AeError::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("last good weights"));
    let out = values(trainer.model().reconstruct(train.batch(&[0, 1], &cpu_device())));
    assert!(out.iter().all(|p| p.is_finite()), "the restored model gives finite outputs");
}

// ---- bad configurations ----

#[test]
fn impossible_configurations_are_refused_with_the_reason() {
    let device = cpu_device();
    let refused = common::assert_refused;
    refused(AutoencoderConfig::new(0), "code size");
    refused(AutoencoderConfig::new(8).with_objective(Objective::Variational { beta: -1.0 }), "beta");
    refused(AutoencoderConfig::new(8).with_objective(Objective::Variational { beta: f64::NAN }), "beta");
    refused(AutoencoderConfig::new(8).with_corruption(Corruption::Gaussian { sigma: 5.0 }), "sigma");
    refused(AutoencoderConfig::new(8).with_corruption(Corruption::Masking { keep_probability: 0.0 }), "keep probability");
    refused(AutoencoderConfig::new(8).with_architecture(Architecture::Mlp { hidden: vec![0] }), "hidden");

    let training = |config: TrainingConfig, needle: &str| {
        let err = Trainer::new(&Preset::Ae.config(), config, &device, 100).err().expect("refused").to_string();
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
    };
    training(TrainingConfig::new().with_learning_rate(-0.1), "learning rate");
    training(TrainingConfig::new().with_learning_rate(f64::NAN), "learning rate");
    training(TrainingConfig::new().with_batch_size(101), "larger than the training set");
    training(TrainingConfig::new().with_batch_size(10).with_epochs(0), "epochs");
}

// ---- PCA ----

#[test]
fn pca_reconstruction_error_falls_with_components_and_vanishes_at_full_rank() {
    let train = mnist().train.take(1500);
    let test = mnist().test.take(300);
    let errors: Vec<f64> = [2, 16, 64].iter().map(|&k| Pca::fit(&train, k).unwrap().reconstruction_mse(&test)).collect();
    assert!(errors[0] > errors[1] && errors[1] > errors[2], "{errors:?}");
    // Projecting the training set on all 784 directions loses nothing.
    let full = Pca::fit(&train, 784).unwrap();
    assert!(full.reconstruction_mse(&train) < 1e-12);
    assert!(full.explained_variance.windows(2).all(|w| w[0] >= w[1]));
    assert!(Pca::fit(&train, 0).is_err() && Pca::fit(&Dataset::default(), 3).is_err());
}

// ---- resuming and exploring ----

#[test]
fn a_run_resumed_from_saved_weights_continues_at_its_step() {
    let train = mnist().train.take(640);
    let config = small_training(3); // 10 steps an epoch
    let mut trainer = Trainer::new(&Preset::Ae.config(), config.clone(), &cpu_device(), train.len()).unwrap();
    pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    pollster::block_on(trainer.train_steps(&train, 3)).unwrap();
    let bytes = pollster::block_on(weights::save(&trainer.model(), "")).unwrap();
    let loaded = weights::load(&bytes, &cpu_device().autodiff()).unwrap().model;
    let mut resumed = Trainer::resume(loaded, config.clone(), &cpu_device(), train.len(), 13).unwrap();
    let test = mnist().test.batch(&[0, 1, 2, 3], &cpu_device());
    assert_eq!(values(resumed.model().reconstruct(test.clone())), values(trainer.model().reconstruct(test)));
    let progress = pollster::block_on(resumed.train_steps(&train, usize::MAX)).unwrap();
    assert_eq!((progress.step, progress.epoch, progress.epoch_finished), (20, 2, true));
    let err = Trainer::resume(trainer.model(), config, &cpu_device(), train.len(), 31).err().unwrap();
    assert!(err.to_string().contains("past the end of the run (30 steps)"), "{err}");
}

#[test]
fn the_normal_quantile_matches_published_values() {
    for (p, z) in [(0.5, 0.0), (0.975, 1.959963985), (0.05, -1.644853627), (0.001, -3.090232306), (0.99, 2.326347874)] {
        assert!((explore::normal_quantile(p) - z).abs() < 1e-8, "quantile({p}) = {}", explore::normal_quantile(p));
    }
}

#[test]
fn latent_map_interpolation_manifold_and_traversal_fit_together() {
    let device = cpu_device();
    device.seed(3);
    let test = mnist().test.take(300);
    let image = |i: usize| test.image(i).iter().map(|&p| p as f32 / 255.0).collect::<Vec<f32>>();
    for code_size in [2, 8] {
        let model = AutoencoderConfig::new(code_size).with_architecture(Architecture::Mlp { hidden: vec![32] })
            .with_objective(Objective::Variational { beta: 1.0 }).init(&device).unwrap();
        let (map, mapped) = pollster::block_on(explore::LatentMap::fit(&model, &test, &device)).unwrap();
        assert_eq!((mapped.points.len(), mapped.labels.len()), (600, 300));
        assert_eq!(mapped.axes, if code_size == 2 { "code" } else { "pca" });
        // A point on the map decodes from a code that maps back onto the same point.
        let code = map.unproject([0.3, -0.2]);
        let back = map.project(&code);
        assert!((back[0] - 0.3).abs() < 1e-5 && (back[1] + 0.2).abs() < 1e-5, "{back:?}");
        let [first, second] = mapped.explained;
        assert!(first > 0.0 && second > 0.0 && first + second <= 1.0 + 1e-9, "{first} {second}");
        if code_size > 2 {
            assert!(first >= second, "the first principal direction holds the most variance");
        }

        // The ends of an interpolation are the reconstructions of the two images.
        let line = values(explore::interpolate(&model, &image(0), &image(1), 5, &device).unwrap());
        let ends = values(model.reconstruct(test.batch(&[0, 1], &device)));
        assert_eq!(line.len(), 5 * PIXELS);
        let gap = |a: &[f32], b: &[f32]| a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(gap(&line[..PIXELS], &ends[..PIXELS]) < 1e-5 && gap(&line[4 * PIXELS..], &ends[PIXELS..]) < 1e-5);

        let traversal = pollster::block_on(explore::traverse(&model, &map, &image(2), 3, &[-2.0, 0.0, 2.0], &device)).unwrap();
        assert_eq!(traversal.dims(), [3.min(code_size) * 3, PIXELS], "one row per dimension, at most the code's");
        let manifold = explore::manifold(&model, &map, 5, &device);
        match code_size {
            2 => assert_eq!(manifold.unwrap().dims(), [25, PIXELS]),
            _ => assert!(manifold.err().unwrap().to_string().contains("needs a 2-D code")),
        }
        let samples = values(explore::sample_prior(&model, 4, 0.8, &device).unwrap());
        assert!(samples.len() == 4 * PIXELS && samples.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    let plain = Preset::Ae.config().init(&device).unwrap();
    assert!(explore::sample_prior(&plain, 4, 1.0, &device).err().unwrap().to_string().contains("needs a model with a prior"));
}

#[test]
fn a_briefly_trained_denoiser_raises_the_psnr_of_a_noisy_digit() {
    let train = mnist().train.take(8192);
    let config = TrainingConfig::new().with_batch_size(32).with_epochs(3).with_seed(5);
    let mut trainer = Trainer::new(&Preset::Dae.config(), config, &cpu_device(), train.len()).unwrap();
    while !trainer.is_finished() {
        pollster::block_on(trainer.train_steps(&train, usize::MAX)).unwrap();
    }
    let model = trainer.model();
    let noise = Corruption::Gaussian { sigma: 0.5 };
    let mut gains = Vec::new();
    for index in 0..10 {
        let clean: Vec<f32> = mnist().test.image(index).iter().map(|&p| p as f32 / 255.0).collect();
        let result = pollster::block_on(explore::denoise(&model, &clean, &noise, 7, &cpu_device())).unwrap();
        gains.push(result.output_psnr - result.noisy_psnr);
        let again = pollster::block_on(explore::denoise(&model, &clean, &noise, 7, &cpu_device())).unwrap();
        assert_eq!(again.noisy, result.noisy, "the same seed gives the same noise");
        // The clean input's score comes from the same batched pass: its own reconstruction error.
        let reconstructed = values(model.reconstruct(mnist().test.batch(&[index], &cpu_device())));
        assert_close(result.clean_mse, explore::mse(&reconstructed, &clean) as f64, 1e-6);
    }
    // Noise sigma 0.5 leaves about 9.5 dB; 768 steps take every digit above it, by 3 dB on average
    // (the margins allow for flex's RNG being shared with the tests that run alongside).
    let mean = gains.iter().sum::<f32>() / gains.len() as f32;
    assert!(gains.iter().all(|&g| g > 1.0) && mean > 2.0, "PSNR gains in dB: {gains:?}");
}

#[test]
fn flops_per_sample_match_hand_counts() {
    // VAE 784-400-(20+20)-400-784: the multiply-adds of a dense layer are its weights, so they are
    // burn's parameter count less the biases (400 + 40 + 400 + 784).
    let vae = Preset::Vae.config();
    let layers = vae.layer_multiply_adds();
    assert_eq!(layers, vec![313_600, 16_000, 8_000, 313_600]);
    let parameters = vae.init(&cpu_device()).unwrap().num_params() as u64;
    assert_eq!(layers.iter().sum::<u64>(), parameters - (400 + 40 + 400 + 784));
    let flops = vae.flops_per_sample();
    assert_eq!(flops.forward, 1_302_400);
    // Forward, weight gradients, and input gradients of all but the first layer.
    assert_eq!(flops.training, 2 * (3 * 651_200 - 313_600));
    // Conv DAE [16, 32], code 32: 3x3 stride-2 maps 28 → 14 → 7 and back.
    let conv = Preset::ConvDae.config().layer_multiply_adds();
    let by_hand = [16 * 9 * 14 * 14, 16 * 32 * 9 * 7 * 7, 32 * 49 * 32, 32 * 32 * 49, 32 * 16 * 9 * 7 * 7, 16 * 9 * 14 * 14];
    assert_eq!(conv, by_hand.to_vec());
}

#[test]
fn data_parallel_replicas_stay_identical_and_train_as_one_trainer_does() {
    use pollster::block_on;
    let data = mnist().train.take(1000);
    let test = mnist().test.take(500);
    // The plain AE draws nothing at random, so a shared run and a lone one can be compared.
    let config = TrainingConfig::new().with_batch_size(100).with_epochs(2).with_readback_every(5).with_seed(3);
    let device = cpu_device();
    let mut alone = Trainer::new(&Preset::Ae.config(), config.clone(), &device, data.len()).unwrap();
    let start = block_on(weights::save(&alone.model(), "start")).unwrap();
    let replica = || {
        let model = weights::load(&start, &device.clone().autodiff()).unwrap().model;
        Trainer::resume(model, config.clone(), &device, data.len(), 0).unwrap()
    };
    let mut leader = replica();
    let mut replicas = Followers::new(vec![replica()], &data);
    let before = block_on(evaluate(&alone.model(), &test, 500)).unwrap().loss;
    // 15 steps: across an epoch's end, where both replicas reshuffle.
    for _ in 0..3 {
        block_on(leader.train_steps_with(&data, 5, &mut replicas)).unwrap();
        block_on(alone.train_steps(&data, 5)).unwrap();
    }
    assert_eq!(leader.step(), 15);
    // The follower applied the very sums the leader did: the same weights, bit for bit.
    let outputs = |trainer: &Trainer| values(trainer.model().reconstruct(test.batch(&(0..50).collect::<Vec<_>>(), &device)));
    assert!(outputs(&leader) == outputs(&replicas.trainers[0]), "the replicas' weights differ");
    // Both learned, to nearly the same point (Adam's first steps move each weight by about the
    // learning rate times the sign of its gradient, so rounding shows a little).
    let shared = block_on(evaluate(&leader.model(), &test, 500)).unwrap().loss;
    let single = block_on(evaluate(&alone.model(), &test, 500)).unwrap().loss;
    assert!(shared < 0.8 * before, "test loss {before} -> {shared}");
    assert!((shared - single).abs() < 0.01 * single, "shared run {shared}, one trainer {single}");

    // The shares' gradients, weighted by their sizes, sum to the whole batch's gradient (an uneven
    // split, 38 + 31 + 31 of 100, and with the follower's stepping).
    let mut whole = replica();
    let expected = block_on(whole.share_gradients(&data, 0, 1)).unwrap();
    let mut sum = vec![0f32; expected.len()];
    for part in 0..3 {
        let mut share = replica();
        aestudio::train::gradients::accumulate(&mut sum, &block_on(share.share_gradients(&data, part, 3)).unwrap()).unwrap();
    }
    let scale = expected.iter().fold(0f32, |m, g| m.max(g.abs()));
    let worst = expected.iter().zip(&sum).fold(0f32, |m, (e, s)| m.max((e - s).abs()));
    assert!(scale > 0.0 && worst < 1e-5 * scale, "sum of shares differs from the batch gradient by {worst} (scale {scale})");
}

#[test]
fn evaluation_reports_the_full_objective_and_its_parts() {
    use pollster::block_on;
    let device = cpu_device();
    let test = mnist().test.take(400);
    for preset in [Preset::SparseKl, Preset::Cae, Preset::Vae, Preset::Ae] {
        let model = preset.config().init(&device).unwrap();
        let eval = block_on(evaluate(&model, &test, 200)).unwrap();
        let objective = preset.config().objective;
        let expected = eval.reconstruction
            + eval.kl_per_sample.map_or(0.0, |kl| kl * 1.0)
            + eval.penalty.map_or(0.0, |penalty| penalty * objective.penalty_weight().unwrap());
        assert!((eval.loss - expected).abs() < 1e-4 * eval.loss.abs(), "{}: loss {} but parts sum to {expected}", preset.name(), eval.loss);
        assert_eq!(eval.penalty.is_some(), objective.penalty_weight().is_some(), "{}", preset.name());
        assert_eq!(eval.scale, objective.scale());
        // The per-pixel reconstruction of a per-pixel objective is its BCE per pixel.
        if eval.scale == aestudio::model::Scale::PerPixel {
            assert!((eval.reconstruction - eval.bce_per_pixel).abs() < 1e-5, "{}", preset.name());
        }
    }
}
