//! Matrix products on the host, on our own buffers: the `gemm` crate that `flex` multiplies with
//! (SIMD in wasm too), called directly so that no product goes through a tensor's allocation
//! (`flex` zeroes a fresh output and copies it into an aligned buffer before writing it).

/// A borrowed row-major matrix, read as stored or as its transpose.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    values: &'a [f32],
    /// Rows and columns as stored.
    stored: [usize; 2],
    transposed: bool,
}

impl<'a> View<'a> {
    pub(crate) fn new(values: &'a [f32], stored: [usize; 2]) -> Self {
        View { values, stored, transposed: false }
    }

    pub(crate) fn transposed(values: &'a [f32], stored: [usize; 2]) -> Self {
        View { values, stored, transposed: true }
    }

    /// Rows and columns as read.
    fn dims(&self) -> [usize; 2] {
        if self.transposed { [self.stored[1], self.stored[0]] } else { self.stored }
    }

    /// Row and column strides as read.
    fn strides(&self) -> [isize; 2] {
        let row = self.stored[1] as isize;
        if self.transposed { [1, row] } else { [row, 1] }
    }
}

/// One thread, as the rest of a step; `--features threads` lets `gemm` use rayon as `flex` does.
#[cfg(feature = "threads")]
const PARALLELISM: gemm::Parallelism = gemm::Parallelism::Rayon(0);
#[cfg(not(feature = "threads"))]
const PARALLELISM: gemm::Parallelism = gemm::Parallelism::None;

/// `out = a · b`, or `out += a · b` when `accumulate`, with `out` row-major `[rows of a, columns of b]`.
pub(crate) fn multiply(out: &mut [f32], a: View, b: View, accumulate: bool) {
    let ([m, k], [k_b, n]) = (a.dims(), b.dims());
    assert!(k == k_b && a.values.len() >= m * k && b.values.len() >= k * n && out.len() >= m * n, "matrix shapes do not chain");
    let ([a_rs, a_cs], [b_rs, b_cs]) = (a.strides(), b.strides());
    // SAFETY: the assertion keeps every element the strides reach inside its slice, and `out` is a
    // unique borrow that neither input aliases.
    unsafe {
        gemm::gemm(
            m, n, k,
            out.as_mut_ptr(), 1, n as isize, accumulate,
            a.values.as_ptr(), a_cs, a_rs,
            b.values.as_ptr(), b_cs, b_rs,
            1.0, 1.0, false, false, false,
            PARALLELISM,
        );
    }
}
