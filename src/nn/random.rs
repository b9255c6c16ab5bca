//! Random draws that do not depend on how a batch is shared between replicas.
//!
//! A data-parallel step splits a batch between workers; if each drew its noise, its VAE samples
//! or its prior samples from its own random stream, the summed gradient would not be the one a
//! single trainer computes on the whole batch, only one like it. So while the trainer computes a
//! gradient ([`with_batch_rows`]), every draw of a `[rows, columns]` tensor is made row by row,
//! each row from a generator seeded by the step's seed, the draw's number within the computation
//! and the row's index in the batch: the share of rows `a..b` draws exactly what the whole batch
//! draws at those rows, whatever the split. A tensor of `k` times the share's rows (two halves
//! concatenated, say) counts its rows as `k` blocks of the batch. Anything else, and every draw
//! outside a training step (sampling, evaluation, the live views), uses the device's generator.

use std::cell::RefCell;
use std::ops::Range;

use burn::prelude::*;
use burn::tensor::Distribution;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The rows of a batch a gradient is being computed for, and how many draws it has made.
struct BatchRows {
    seed: u64,
    /// The share's rows, as indices into the batch.
    rows: Range<usize>,
    batch_len: usize,
    draws: u64,
}

thread_local! {
    static BATCH_ROWS: RefCell<Option<BatchRows>> = const { RefCell::new(None) };
}

/// Runs `compute` with every 2-D draw made row by row for rows `rows` of a batch of `batch_len`,
/// from generators seeded by `seed` (one per step and network update).
pub fn with_batch_rows<T>(seed: u64, rows: Range<usize>, batch_len: usize, compute: impl FnOnce() -> T) -> T {
    BATCH_ROWS.with(|cell| *cell.borrow_mut() = Some(BatchRows { seed, rows, batch_len, draws: 0 }));
    // Cleared even if `compute` panics, so that no later draw uses a finished step's rows.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            BATCH_ROWS.with(|cell| *cell.borrow_mut() = None);
        }
    }
    let _clear = Clear;
    compute()
}

/// SplitMix64's finalizer: nearby inputs give unrelated seeds.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// A `[rows, columns]` tensor drawn from `distribution`: row by row inside
/// [`with_batch_rows`] when `rows` is a multiple of the share's rows, else from the device.
pub fn random(shape: [usize; 2], distribution: Distribution, device: &Device) -> Tensor<2> {
    let [rows, columns] = shape;
    let values = BATCH_ROWS.with(|cell| {
        let mut state = cell.borrow_mut();
        let step = state.as_mut().filter(|step| !step.rows.is_empty() && rows % step.rows.len() == 0)?;
        step.draws += 1;
        let share = step.rows.len();
        let mut values = Vec::with_capacity(rows * columns);
        for row in 0..rows {
            let (block, within) = (row / share, row % share);
            let index = (block * step.batch_len + step.rows.start + within) as u64;
            let mut generator = StdRng::seed_from_u64(mix(step.seed ^ mix(step.draws) ^ mix(index.wrapping_add(0x5851_F42D_4C95_7F2D))));
            // One sampler per row: `TensorData::random` builds one per element (the same draws,
            // at about 7% of a conv DAE's step for its masking noise).
            let mut sampler = distribution.sampler::<_, f32>(&mut generator);
            values.extend((0..columns).map(|_| sampler.sample()));
        }
        Some(values)
    });
    match values {
        Some(values) => Tensor::from_data(TensorData::new(values, shape), device),
        None => Tensor::random(shape, distribution, device),
    }
}

/// [`random`] in the shape of `like`.
pub fn random_like(like: &Tensor<2>, distribution: Distribution) -> Tensor<2> {
    random(like.dims(), distribution, &like.device())
}
