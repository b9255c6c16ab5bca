//! The leader's side of data-parallel training in the page: the replica workers, as the trainer's
//! [`Replicas`].

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::ReplicaPool;
use crate::AeError;
use crate::train::Replicas;

/// The pool, and the buffers the replicas' shares came in: the sum goes back in them, so no
/// step allocates a JS buffer (2.6 MB for the VAE) on either side.
pub(super) struct JsReplicas(pub(super) ReplicaPool, pub(super) Vec<Float32Array>);

impl Replicas for JsReplicas {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn start_shares(&mut self) {
        self.0.start_shares();
    }
    async fn collect(&mut self) -> crate::error::AeResult<Vec<Vec<f32>>> {
        let shares = JsFuture::from(self.0.collect())
            .await
            .map_err(|err| AeError::Backend(format!("a replica worker failed: {}", err.as_string().unwrap_or_else(|| format!("{err:?}")))))?;
        let shares: js_sys::Array = shares.dyn_into().map_err(|_| AeError::Backend("replicas answered without an array".into()))?;
        self.1 = shares
            .iter()
            .map(|share| share.dyn_into::<Float32Array>().map_err(|_| AeError::Backend("a replica's gradient is not a Float32Array".into())))
            .collect::<Result<_, _>>()?;
        Ok(self.1.iter().map(Float32Array::to_vec).collect())
    }
    fn apply(&mut self, sum: &[f32]) {
        let sums = js_sys::Array::new();
        // The buffers the shares came in; new ones after a batch the leader did not share (its
        // objective's penalty is a statistic of the whole batch).
        let mut buffers = std::mem::take(&mut self.1).into_iter();
        for _ in 0..self.count() {
            sums.push(&gradient_into(sum, buffers.next()));
        }
        self.0.apply(sums);
    }
    fn offer_own(&mut self, own: &[f32]) -> bool {
        if self.count() != 1 {
            return false;
        }
        // In the buffer the replica's last share came in, which it takes for its next share.
        self.0.complete(gradient_into(own, self.1.pop()));
        true
    }
    fn yield_now(&self) -> bool {
        self.0.yielding()
    }
}


/// A replica's flat gradient in `reuse` when that has the right length (the buffer the last sum
/// came in), else in a new array: no step allocates on either side.
pub(super) fn gradient_into(gradient: &[f32], reuse: Option<Float32Array>) -> Float32Array {
    match reuse {
        Some(buffer) if buffer.length() as usize == gradient.len() => {
            buffer.copy_from(gradient);
            buffer
        }
        _ => Float32Array::from(gradient),
    }
}
