//! The loss and its gradient per element, branch-free so that a loop over them vectorizes
//! (SSE/AVX natively, `simd128` in wasm), with `exp` and `log1p` for the one range each needs.

/// `e^t` for `t <= 0` (to within 2 ulp; 0 below -87 comes out as about 1.6e-38). The range is
/// reduced by powers of two, `t = k·ln 2 + r` with `|r| <= ln 2 / 2`, and `e^r` is the degree-7
/// Taylor polynomial (its first omitted term is below 6e-9 relative); `2^k` is written into the
/// exponent bits.
#[inline(always)]
pub(super) fn exp_nonpositive(t: f32) -> f32 {
    // 1.5·2²³: adding it rounds to an integer, which then sits in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    const LN2_HIGH: f32 = 0.693_145_75; // ln 2 in two parts: k·LN2_HIGH is exact for |k| < 2⁹
    const LN2_LOW: f32 = 1.428_606_8e-6;
    let t = t.max(-87.0);
    let shifted = t * std::f32::consts::LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = (t - k * LN2_HIGH) - k * LN2_LOW;
    let mut p = 1.0 / 5040.0;
    for coefficient in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = p * r + coefficient;
    }
    // The low bits of `shifted` hold k (two's complement, k >= -126): biased, it is 2^k's exponent.
    let two_to_k = f32::from_bits(shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127) << 23);
    p * two_to_k
}

/// `ln(1 + e)` for `0 <= e <= 1`, as `2·atanh(s)` with `s = e / (2 + e) <= 1/3`: the odd series
/// `2s·(1 + s²/3 + … + s¹⁴/15)` stops below 2e-9 relative, and small `e` loses nothing to `1 + e`.
#[inline(always)]
pub(super) fn log1p_unit(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let t = s * s;
    let mut p = 1.0 / 15.0;
    for coefficient in [1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0, 1.0] {
        p = p * t + coefficient;
    }
    2.0 * s * p
}

/// `max(x, 0) - x·z + ln(1 + e^(-|x|))`: the binary cross-entropy of target `z` and logit `x`.
#[inline(always)]
pub(super) fn bce_with_logits(x: f32, z: f32) -> f32 {
    x.max(0.0) - x * z + log1p_unit(exp_nonpositive(-x.abs()))
}

/// `(σ(x) - z)·g`, with `σ(x)` as `1/(1 + e)` or `e/(1 + e)` for `e = e^(-|x|)`, so it never
/// overflows.
#[inline(always)]
pub(super) fn bce_logits_gradient(x: f32, z: f32, g: f32) -> f32 {
    let e = exp_nonpositive(-x.abs());
    let numerator = if x >= 0.0 { 1.0 } else { e };
    (numerator / (1.0 + e) - z) * g
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error against f64's functions over a grid that includes both ends of each range.
    #[test]
    fn exp_and_log1p_within_a_few_ulp() {
        for i in 0..=100_000 {
            let t = -87.0 * i as f32 / 100_000.0;
            let exact = (t as f64).exp();
            assert!(((exp_nonpositive(t) as f64 - exact) / exact).abs() < 2.5e-7, "exp({t})");
            let e = i as f32 / 100_000.0;
            let exact = (e as f64).ln_1p();
            let error = if e == 0.0 { log1p_unit(e) as f64 } else { (log1p_unit(e) as f64 - exact) / exact };
            assert!(error.abs() < 2.5e-7, "log1p({e})");
        }
        assert!(exp_nonpositive(-1000.0) < 2e-38 && exp_nonpositive(-1000.0) >= 0.0);
    }
}
