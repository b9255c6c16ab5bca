//! What several native test files share: followers of a data-parallel run in the same process.

use aestudio::data::Dataset;
use aestudio::error::AeResult;
use aestudio::train::{Replicas, Trainer};

/// Followers of a data-parallel run, in the same process (the page runs each in a worker): follower
/// `i` computes share `i + 1` of each network update.
pub struct Followers<'a> {
    pub trainers: Vec<Trainer>,
    pub data: &'a Dataset,
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
            shares.push(trainer.share_gradients(self.data, index + 1, parts).await?);
        }
        Ok(shares)
    }
    fn apply(&mut self, sum: &[f32]) {
        self.trainers.iter_mut().for_each(|trainer| trainer.apply_gradients(sum).unwrap());
    }
}
