//! What several native test files share: real MNIST, literal tensors, and followers of a
//! data-parallel run in the same process.

// Each test binary includes this module and uses a part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use aestudio::backend::cpu_device;
use aestudio::data::{Dataset, MNIST, Splits};
use aestudio::model::AutoencoderConfig;
use aestudio::error::AeResult;
use aestudio::train::{Replicas, Trainer, TrainingConfig};
use burn::prelude::*;

/// A tensor's values, flat.
pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

/// Asserts `actual` is within `tolerance` of `expected`.
pub fn assert_close(actual: f32, expected: f64, tolerance: f64) {
    assert!((actual as f64 - expected).abs() <= tolerance, "{actual} is not within {tolerance} of {expected}");
}

/// Asserts that `config` is refused when its model is built, with `needle` in the reason.
pub fn assert_refused(config: AutoencoderConfig, needle: &str) {
    let err = config.init(&cpu_device()).err().expect("refused").to_string();
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
}

/// A short schedule for tests that train: batch 64, seed 11, a readback every 4 steps.
pub fn small_training(epochs: usize) -> TrainingConfig {
    TrainingConfig::new().with_batch_size(64).with_epochs(epochs).with_readback_every(4).with_seed(11)
}

/// Real MNIST from `data/mnist`, loaded once per test binary.
pub fn mnist() -> &'static Splits {
    static DATA: OnceLock<Splits> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
        Splits::load_dir(&MNIST, &dir).expect("real MNIST in data/mnist (run ./build.sh data)")
    })
}

/// A `[rows, columns]` tensor on the CPU from literal rows.
pub fn tensor2(rows: &[&[f32]]) -> Tensor<2> {
    let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), rows[0].len()]), &cpu_device())
}


/// Followers of a data-parallel run, in the same process (the page runs each in a worker): follower
/// `i` computes share `i + 1` of each network update. A single follower completes the sum itself
/// from the leader's own share, as the page's replica does (see `Replicas::offer_own`).
pub struct Followers<'a> {
    pub trainers: Vec<Trainer>,
    pub data: &'a Dataset,
    /// The leader's share, offered before `collect`, when there is one follower.
    pub leader_share: Option<Vec<f32>>,
}

impl<'a> Followers<'a> {
    pub fn new(trainers: Vec<Trainer>, data: &'a Dataset) -> Self {
        Followers { trainers, data, leader_share: None }
    }
}

impl Replicas for Followers<'_> {
    fn count(&self) -> usize {
        self.trainers.len()
    }
    fn start_shares(&mut self) {}
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>> {
        let parts = self.trainers.len() + 1;
        let mut shares = Vec::new();
        for (index, trainer) in self.trainers.iter_mut().enumerate() {
            let share = trainer.share_gradients(self.data, index + 1, parts).await?;
            if let Some(leader_share) = self.leader_share.take() {
                trainer.apply_gradients(aestudio::train::replicas::completed_sum(leader_share, &share)?)?;
            }
            shares.push(share);
        }
        Ok(shares)
    }
    fn offer_own(&mut self, own: &[f32]) -> bool {
        self.leader_share = (self.trainers.len() == 1).then(|| own.to_vec());
        self.leader_share.is_some()
    }
    fn apply(&mut self, sum: &[f32]) {
        self.trainers.iter_mut().for_each(|trainer| trainer.apply_gradients(sum.to_vec()).unwrap());
    }
}

/// Runs the CLI with `args`; its `result` lines, parsed, after checking that it succeeded.
pub fn run_cli(args: &[&str]) -> Vec<serde_json::Value> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aestudio")).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "aestudio {args:?} failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    stdout.lines().filter_map(|line| line.strip_prefix("result ")).map(|json| serde_json::from_str(json).unwrap()).collect()
}
