//! Products whose left operand is mostly zeros: an MNIST digit is 81% blank pixels and a row of
//! MovieLens ratings 95% unrated, so the first layer's forward product `x·W` and its weight
//! gradient `xᵀ·g` spend most of a dense `gemm` multiplying by zero. Here those products visit
//! only the nonzeros: the same sums in another order (equal to `gemm`'s up to rounding). Any dense
//! layer's input is counted; a hidden layer after a ReLU (about half its units off in the VAE)
//! takes this path only when its batch falls under the threshold.

/// Below this share of nonzeros the sparse product is used. Where it beats `gemm` was measured on
/// the VAE's first layer (64 x 784 by 784 x 400, docs/benchmarks.md): in wasm up to more than 50% nonzeros
/// (an MNIST batch has 19%); natively, against `gemm`'s AVX2 kernels, only up to about 18% (a
/// MovieLens row has under 5%). `gemm`'s AVX-512 kernels, enabled since, move that point lower on
/// processors that have them; it was not measured again. A NaN counts as nonzero, so that a
/// diverging input still poisons the output.
const SPARSE_BELOW: f64 = if cfg!(target_arch = "wasm32") { 0.5 } else { 0.15 };

/// The widest panel of output columns summed in registers: 16 floats (four 128-bit registers)
/// in wasm, where V8 spilled the sums of wider panels (16 ran 1.2-1.3x faster than 32 or 64);
/// 32 natively, where 32 ran faster than 16.
const PANEL: usize = if cfg!(target_arch = "wasm32") { 16 } else { 32 };

/// The nonzeros of a matrix, row by row (compressed sparse rows).
pub(crate) struct SparseRows {
    /// Where each row's nonzeros start in `columns` and `values`, and where the last one ends.
    starts: Vec<usize>,
    /// The matrix's number of columns.
    width: usize,
    columns: Vec<u32>,
    values: Vec<f32>,
}

impl SparseRows {
    /// The nonzeros of the row-major matrix `values` of `[rows, columns]`, when they are fewer
    /// than [`SPARSE_BELOW`] of its values (a count first, which costs far less than building).
    pub(crate) fn if_sparse(values: &[f32], [rows, columns]: [usize; 2]) -> Option<Self> {
        assert_eq!(values.len(), rows * columns, "a matrix has rows x columns values");
        let nonzeros = values.iter().filter(|value| **value != 0.0).count();
        if nonzeros as f64 >= SPARSE_BELOW * values.len() as f64 {
            return None;
        }
        // Every value is written and the count moves past the nonzero ones: no branch to
        // mispredict on a digit's ragged strokes (hence the one slot of slack).
        let (mut indices, mut kept) = (vec![0; nonzeros + 1], vec![0.0; nonzeros + 1]);
        let mut starts = Vec::with_capacity(rows + 1);
        let mut count = 0;
        starts.push(0);
        for row in values.chunks_exact(columns.max(1)).take(rows) {
            for (column, &value) in row.iter().enumerate() {
                indices[count] = column as u32;
                kept[count] = value;
                count += (value != 0.0) as usize;
            }
            starts.push(count);
        }
        indices.truncate(count);
        kept.truncate(count);
        Some(SparseRows { starts, width: columns, columns: indices, values: kept })
    }

    /// The nonzeros of the transpose: one row per column of this matrix, each listing that
    /// column's nonzeros in the order of the rows (a counting sort of the nonzeros).
    pub(crate) fn transposed(&self) -> Self {
        let columns = self.width;
        let mut starts = vec![0; columns + 1];
        self.columns.iter().for_each(|&column| starts[column as usize + 1] += 1);
        for column in 0..columns {
            starts[column + 1] += starts[column];
        }
        let mut next = starts[..columns].to_vec();
        let (mut indices, mut nonzeros) = (vec![0; self.values.len()], vec![0.0; self.values.len()]);
        for row in 0..self.rows() {
            for (column, value) in self.row(row) {
                indices[next[column]] = row as u32;
                nonzeros[next[column]] = value;
                next[column] += 1;
            }
        }
        SparseRows { starts, width: self.rows(), columns: indices, values: nonzeros }
    }

    fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    fn row(&self, row: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = self.starts[row]..self.starts[row + 1];
        self.columns[range.clone()].iter().zip(&self.values[range]).map(|(&column, &value)| (column as usize, value))
    }
}

/// `out += a · b`, with `a` sparse `[m, k]`, `b` row-major `[k, n]` and `out` row-major `[m, n]`.
///
/// The output is computed a panel of columns at a time, over every row, so that the panel of `b`
/// the nonzeros read (k x [`PANEL`] floats) stays in the cache, and the last columns in narrower
/// panels.
pub(crate) fn multiply_sparse(out: &mut [f32], a: &SparseRows, b: &[f32], n: usize) {
    assert!(a.width * n <= b.len() && out.len() >= a.rows() * n, "matrix shapes do not chain");
    let mut start = panels::<PANEL>(out, a, b, n, 0);
    start = panels::<16>(out, a, b, n, start);
    start = panels::<8>(out, a, b, n, start);
    panels::<1>(out, a, b, n, start);
}

/// The output's columns from `start` on, `WIDTH` at a time, as far as whole panels go; returns
/// where they stopped.
fn panels<const WIDTH: usize>(out: &mut [f32], a: &SparseRows, b: &[f32], n: usize, mut start: usize) -> usize {
    let panel_of = |column: usize, start: usize| -> &[f32; WIDTH] { b[column * n + start..][..WIDTH].try_into().expect("a panel") };
    while start + WIDTH <= n {
        for row in 0..a.rows() {
            let sums: &mut [f32; WIDTH] = (&mut out[row * n + start..][..WIDTH]).try_into().expect("a panel");
            let mut local = *sums;
            let range = a.starts[row]..a.starts[row + 1];
            let (columns, values) = (&a.columns[range.clone()], &a.values[range]);
            // Two nonzeros a turn: two independent products for each sum before it is added to.
            for (pair, weights) in columns.chunks_exact(2).zip(values.chunks_exact(2)) {
                let (first, second) = (panel_of(pair[0] as usize, start), panel_of(pair[1] as usize, start));
                for ((sum, &x), &y) in local.iter_mut().zip(first).zip(second) {
                    *sum += weights[0] * x + weights[1] * y;
                }
            }
            if let (Some(&column), Some(&value)) = (columns.last(), values.last())
                && columns.len() % 2 == 1
            {
                local.iter_mut().zip(panel_of(column as usize, start)).for_each(|(sum, &entry)| *sum += value * entry);
            }
            *sums = local;
        }
        start += WIDTH;
    }
    start
}
