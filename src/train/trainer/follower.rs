//! A follower's side of a data-parallel step (the page's replica workers; the leader's side is
//! `Trainer::train_steps_with`): the gradient of its share of each network update, and the
//! summed gradient applied.

use std::ops::Range;

use super::Trainer;
use crate::data::Dataset;
use crate::error::{AeResult, ensure};
use crate::train::gradients;
use crate::train::replicas::share_of;

impl Trainer {
    /// A follower's part of a data-parallel step: the gradient of share `part` (of `parts`) of
    /// the current step's batch for the schedule's next network update, flat (see
    /// [`gradients::flatten`]). The leader sums the shares and hands the sum to
    /// [`Trainer::apply_gradients`]. A follower moves through the same shuffled order and
    /// schedule as its leader, so both must have been set up with the same configurations.
    pub async fn share_gradients(&mut self, data: &Dataset, part: usize, parts: usize) -> AeResult<Vec<f32>> {
        ensure(part < parts, || format!("share {part} of {parts} does not exist"))?;
        self.check_data(data)?;
        let batch = self.take_batch();
        let network = self.schedule[self.phase];
        let own = self.gradients_of((network, self.phase), data, batch.clone(), share_of(batch, part, parts), false);
        gradients::flatten(&self.model, network, own).await
    }

    /// A follower's update with a summed flat gradient (the last part of each network update of
    /// a data-parallel step); after the schedule's last update the step is done.
    pub fn apply_gradients(&mut self, sum: Vec<f32>) -> AeResult<()> {
        // A batch the leader did not share (see `step_with`) is taken here.
        self.take_batch();
        let network = self.schedule[self.phase];
        self.apply_flat(network, sum)?;
        self.phase += 1;
        if self.phase == self.schedule.len() {
            self.phase = 0;
            self.current_batch = None;
            // After the update, as the leader does: the step's batch came from the old order.
            self.wrap_epoch();
        }
        Ok(())
    }

    /// A follower's batch of the current step: the next one of the order at the step's first use.
    fn take_batch(&mut self) -> Range<usize> {
        if self.current_batch.is_none() {
            self.current_batch = Some(self.next_batch());
        }
        self.current_batch.clone().expect("taken above")
    }
}
