//! The other replicas of a data-parallel run, as the leader sees them, and how a batch is shared
//! between the leader and them.

use std::ops::Range;

use crate::error::AeResult;

/// The other replicas of a data-parallel run, as the leader (replica 0) sees them; in the page
/// each is a web worker with its own [`crate::train::Trainer`] (see
/// [`crate::train::Trainer::share_gradients`]). A step has one exchange per phase of the model's
/// schedule (one per network update), each for that phase's network.
#[allow(async_fn_in_trait)]
pub trait Replicas {
    /// How many replicas there are besides the leader.
    fn count(&self) -> usize;
    /// Asks every replica to compute its share of the current network update (replica `i` takes
    /// share `i`), unless they were already asked: the leader asks as soon as it has handed over
    /// the last sum, and again when the update begins.
    fn start_shares(&mut self);
    /// Their shares' flat gradients.
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>>;
    /// Hands them the summed gradient to apply.
    fn apply(&mut self, sum: &[f32]);
    /// With a single replica, hands it the leader's own share before the leader collects the
    /// replica's, and returns true: the replica adds its share to the leader's as the leader adds
    /// it to its own (`a + b` is `b + a`, bit for bit), so both apply the same sum at the same
    /// time, one message sooner than `apply` would bring it, and no `apply` follows. With more
    /// replicas (each would need every share) it sends nothing and returns false.
    fn offer_own(&mut self, _own: &[f32]) -> bool {
        false
    }
    /// Whether the run should end its call before the next step and hand its cores back (in the
    /// page, the visitor draws and the live view wants them); asked before every step.
    fn yield_now(&self) -> bool {
        false
    }
}

/// The sum a single replica completes from the leader's own share (see [`Replicas::offer_own`]):
/// the leader's values plus the replica's, element by element, as the leader adds the replica's
/// share to its own, so both hold the same bits.
pub fn completed_sum(mut leader_share: Vec<f32>, own: &[f32]) -> AeResult<Vec<f32>> {
    crate::train::gradients::accumulate(&mut leader_share, own)?;
    Ok(leader_share)
}

/// No replicas: a trainer alone.
pub struct NoReplicas;

impl Replicas for NoReplicas {
    fn count(&self) -> usize {
        0
    }
    fn start_shares(&mut self) {}
    async fn collect(&mut self) -> AeResult<Vec<Vec<f32>>> {
        Ok(Vec::new())
    }
    fn apply(&mut self, _sum: &[f32]) {}
}

/// The leader's share of a batch against each replica's. A replica waits on the message that
/// brings the sum and on the one that takes its share back; the leader sums and copies the sum
/// out. Since a replica is asked for its next share as soon as the sum is sent, equal shares do
/// as well as any (in the page, 4 alternating rounds: 0.98-1.10x the 5:4 split used before).
const LEADER_WEIGHT: usize = 1;
const REPLICA_WEIGHT: usize = 1;

/// Share `part` of `parts` of a batch, contiguous: part 0 (the leader) weighs `LEADER_WEIGHT`,
/// the others `REPLICA_WEIGHT`.
pub(crate) fn share_of(batch: Range<usize>, part: usize, parts: usize) -> Range<usize> {
    let total = LEADER_WEIGHT + REPLICA_WEIGHT * (parts - 1);
    let boundary = |part: usize| {
        let weight = if part == 0 { 0 } else { LEADER_WEIGHT + REPLICA_WEIGHT * (part - 1) };
        batch.start + batch.len() * weight / total
    };
    boundary(part)..boundary(part + 1)
}
