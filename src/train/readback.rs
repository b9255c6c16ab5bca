//! What a run sums on the device between two readbacks (one readback stalls a GPU pipeline, so
//! not every step), and what it learns from each: the losses, and whether an adversarial game has
//! collapsed (a critic pinned at 0 or 1 accuracy, or codes shrunk to a point).

use burn::prelude::*;

use crate::error::AeResult;
use crate::model::CriticTerms;
use crate::uses::explore::read_floats;

/// Sums on the device since the last readback.
#[derive(Default)]
pub(crate) struct Pending {
    objective: Option<Tensor<1>>,
    pub(crate) objective_steps: usize,
    /// `[3]`: the critic's loss, accuracy and the codes' spread, summed over its updates.
    critic: Option<Tensor<1>>,
    critic_updates: usize,
}

/// Means since the last readback.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Readback {
    pub(crate) objective: f32,
    /// The objective's sum (for the epoch's mean) and how many steps it covers.
    pub(crate) objective_sum: f32,
    pub(crate) steps: usize,
    pub(crate) critic: Option<CriticReport>,
}

/// A critic's means since the last readback.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticReport {
    pub loss: f32,
    /// Share of prior samples and codes the critic told apart.
    pub accuracy: f32,
    /// The codes' standard deviation over a batch, averaged over dimensions.
    pub code_spread: f32,
}

fn add(sum: &mut Option<Tensor<1>>, value: Tensor<1>) {
    *sum = Some(match sum.take() {
        Some(total) => total + value,
        None => value,
    });
}

impl Pending {
    /// One autoencoder update's objective.
    pub(crate) fn add_objective(&mut self, objective: Tensor<1>) {
        add(&mut self.objective, objective);
        self.objective_steps += 1;
    }

    /// One critic update's terms.
    pub(crate) fn add_critic(&mut self, terms: CriticTerms) {
        add(&mut self.critic, Tensor::cat(vec![terms.loss.detach(), terms.accuracy, terms.spread], 0));
        self.critic_updates += 1;
    }

    /// Reads every sum back at once; `None` when nothing was summed.
    pub(crate) async fn read(self) -> AeResult<Option<Readback>> {
        let Some(objective) = self.objective else { return Ok(None) };
        let sums = match self.critic {
            Some(critic) => read_floats(Tensor::cat(vec![objective, critic], 0)).await?,
            None => read_floats(objective).await?,
        };
        let updates = self.critic_updates.max(1) as f32;
        let critic = (sums.len() == 4).then(|| CriticReport { loss: sums[1] / updates, accuracy: sums[2] / updates, code_spread: sums[3] / updates });
        let steps = self.objective_steps;
        Ok(Some(Readback { objective: sums[0] / steps as f32, objective_sum: sums[0], steps, critic }))
    }
}

impl Readback {
    /// The first value that is not finite, if any.
    pub(crate) fn non_finite(&self) -> Option<f32> {
        let critic = self.critic.map_or([0.0; 3], |c| [c.loss, c.accuracy, c.code_spread]);
        std::iter::once(self.objective).chain(critic).find(|value| !value.is_finite())
    }
}

/// Watches an adversarial run: the critic always right or always wrong, or the codes shrunk to a
/// point, for [`CollapseWatch::PATIENCE_STEPS`] steps in a row, is a collapse.
#[derive(Default)]
pub(crate) struct CollapseWatch {
    pinned_steps: usize,
    shrunk_steps: usize,
}

impl CollapseWatch {
    /// Steps a symptom must last: long enough that the start of a run (when a fresh critic
    /// wins easily) does not count.
    pub(crate) const PATIENCE_STEPS: usize = 2000;
    /// A critic right on at least this share of a batch (or wrong on it) is pinned.
    const PINNED: f32 = 0.995;
    /// Codes whose spread is below this have collapsed.
    const SHRUNK: f32 = 1e-3;

    /// Takes a readback; says what collapsed once a symptom has lasted long enough.
    pub(crate) fn observe(&mut self, readback: &Readback) -> Option<String> {
        let report = readback.critic?;
        let pinned = report.accuracy >= Self::PINNED || report.accuracy <= 1.0 - Self::PINNED;
        self.pinned_steps = if pinned { self.pinned_steps + readback.steps } else { 0 };
        self.shrunk_steps = if report.code_spread < Self::SHRUNK { self.shrunk_steps + readback.steps } else { 0 };
        if self.pinned_steps >= Self::PATIENCE_STEPS {
            return Some(format!("the critic's accuracy stayed at {:.3} for {} steps", report.accuracy, self.pinned_steps));
        }
        (self.shrunk_steps >= Self::PATIENCE_STEPS)
            .then(|| format!("the codes' spread stayed at {:.2e} (collapsed to a point) for {} steps", report.code_spread, self.shrunk_steps))
    }

    /// A symptom is present now (the weights before it began are the good ones to keep).
    pub(crate) fn symptomatic(&self) -> bool {
        self.pinned_steps > 0 || self.shrunk_steps > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readback(accuracy: f32, code_spread: f32, steps: usize) -> Readback {
        Readback { objective: 0.1, objective_sum: 0.1 * steps as f32, steps, critic: Some(CriticReport { loss: 0.7, accuracy, code_spread }) }
    }

    #[test]
    fn a_pinned_critic_or_shrunk_codes_collapse_only_after_their_patience() {
        let mut watch = CollapseWatch::default();
        let steps = 100;
        for _ in 0..CollapseWatch::PATIENCE_STEPS / steps - 1 {
            assert_eq!(watch.observe(&readback(1.0, 0.8, steps)), None);
        }
        assert!(watch.symptomatic());
        assert!(watch.observe(&readback(0.999, 0.8, steps)).is_some_and(|why| why.contains("accuracy")));
        // A critic that recovers in between starts the count again.
        let mut watch = CollapseWatch::default();
        for round in 0..3 * CollapseWatch::PATIENCE_STEPS / steps {
            let accuracy = if round % 10 == 9 { 0.7 } else { 0.0 };
            assert_eq!(watch.observe(&readback(accuracy, 0.8, steps)), None, "round {round}");
        }
        let mut watch = CollapseWatch::default();
        let outcome = (0..CollapseWatch::PATIENCE_STEPS / steps).filter_map(|_| watch.observe(&readback(0.6, 1e-5, steps))).next();
        assert!(outcome.is_some_and(|why| why.contains("collapsed to a point")));
        // A model without a critic is never watched.
        let plain = Readback { critic: None, ..readback(0.5, 1.0, steps) };
        assert_eq!(CollapseWatch::default().observe(&plain), None);
    }
}
