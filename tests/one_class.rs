//! The two anomaly protocols tell apart what they should: a 1 is the easiest digit to
//! reconstruct, so held out of training it is no anomaly (AUROC below chance), while a model of
//! 1s alone flags every other digit.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use aestudio::model::{Architecture, Objective};
use aestudio::uses::anomaly::{Protocol, class_pca_auroc, one_class_run};
use common::mnist;

#[test]
fn one_class_and_held_out_protocols_swap_normal_and_anomalous() {
    let splits = mnist();
    let one_class = class_pca_auroc(splits, 1, Protocol::OneClass, 16).unwrap();
    let held_out = class_pca_auroc(splits, 1, Protocol::HeldOut, 16).unwrap();
    assert!(one_class > 0.95, "PCA of 1s alone flags the other digits: AUROC {one_class}");
    assert!(held_out < 0.5, "a 1 held out of nine digits is no anomaly: AUROC {held_out}");
    assert!(class_pca_auroc(splits, 10, Protocol::OneClass, 16).is_err(), "there is no class 10");
}

#[test]
fn a_run_on_some_classes_sees_only_their_images_on_every_replica() {
    use aestudio::backend::cpu_device;
    use aestudio::model::{Architecture, Preset};
    use aestudio::train::{Trainer, TrainingConfig};
    use pollster::block_on;
    let data = mnist().train.take(600);
    let device = cpu_device();
    let config = Preset::Dae.config().with_architecture(Architecture::Mlp { hidden: vec![16] });
    let training = TrainingConfig::new().with_batch_size(20).with_epochs(1).with_classes(Some(vec![3, 7]));
    let wanted = (0..data.len()).filter(|&i| [3, 7].contains(&data.label(i))).count();
    let mut trainer = Trainer::new(&config, training.clone(), &device, data.len()).unwrap();
    trainer.restrict_to_classes(&data).unwrap();
    assert_eq!(trainer.steps_per_epoch(), wanted.div_ceil(20), "an epoch is the 3s' and 7s' images ({wanted})");
    // The leader with a follower, both restricted alike, walk the same order to the epoch's end.
    let mut follower = Trainer::new(&config, training.clone(), &device, data.len()).unwrap();
    follower.restrict_to_classes(&data).unwrap();
    let mut replicas = common::Followers::new(vec![follower], &data);
    let progress = block_on(trainer.train_steps_with(&data, 1000, &mut replicas)).unwrap();
    assert!(progress.finished && trainer.step() == wanted.div_ceil(20));
    assert_eq!(replicas.trainers[0].step(), trainer.step());
    // No class 10; none at all; more images to a batch than the classes have: refused.
    for (classes, batch) in [(vec![10], 20), (vec![], 20), (vec![3], 500)] {
        let training = TrainingConfig::new().with_batch_size(batch).with_classes(Some(classes));
        let refused = Trainer::new(&config, training, &device, data.len()).and_then(|mut t| t.restrict_to_classes(&data));
        assert!(refused.is_err());
    }
}

#[test]
fn scores_split_into_the_normal_classes_and_the_rest() {
    use aestudio::uses::anomaly::split_by_class;
    let (normal, others) = split_by_class(&[0.1, 0.2, 0.3, 0.4], &[1, 7, 1, 3], &[1, 3]).unwrap();
    assert_eq!((normal, others), (vec![0.1, 0.3, 0.4], vec![0.2]));
    assert!(split_by_class(&[0.1], &[1], &[10]).is_err(), "there is no class 10");
    assert!(split_by_class(&[0.1], &[1], &[]).is_err(), "no normal class");
    assert!(split_by_class(&[0.1, 0.2], &[1], &[1]).is_err(), "a score without its label");
}

#[test]
fn the_pages_one_class_run_trains_a_small_denoiser_on_the_picked_classes() {
    let (model, training) = one_class_run(&[3, 7], 5).unwrap();
    assert_eq!(model.architecture, Architecture::Mlp { hidden: vec![256] });
    assert!(matches!(model.objective, Objective::Reconstruction), "{:?}", model.objective);
    assert_eq!((training.epochs, training.batch_size, training.learning_rate, training.seed), (5, 128, 1e-3, 1));
    assert_eq!(training.classes, Some(vec![3, 7]));
    assert!(training.validate(60_000).is_ok() && model.validate().is_ok());
    for (classes, epochs, reason) in [(&[][..], 5, "one to nine"), (&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9][..], 5, "one to nine"), (&[10][..], 5, "0 to 9"), (&[1][..], 0, "1 to 50"), (&[1][..], 51, "1 to 50")] {
        let err = one_class_run(classes, epochs).unwrap_err().to_string();
        assert!(err.contains(reason), "{classes:?} {epochs}: {err}");
    }
}
