//! The posterior factors: the total correlation estimate against the closed form of correlated
//! Gaussians, and per-unit KL and active units on posteriors built by hand.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

use aestudio::uses::factors::{factors_of, total_correlation};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn standard_normal(rng: &mut StdRng) -> f64 {
    (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt() * (std::f64::consts::TAU * rng.random::<f64>()).cos()
}

/// `n` posteriors `N(mu_i, v I)` in 2-D whose means have variance `s` and correlation `rho`: the
/// aggregate posterior is then close to `N(0, [[s + v, rho·s], [rho·s, s + v]])`.
fn posteriors(n: usize, s: f64, rho: f64, v: f64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(21);
    let mut means = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let (a, b) = (standard_normal(&mut rng), standard_normal(&mut rng));
        means.push(s.sqrt() * a);
        means.push(s.sqrt() * (rho * a + (1.0 - rho * rho).sqrt() * b));
    }
    (means, vec![v.ln(); 2 * n])
}

#[test]
fn total_correlation_meets_the_gaussian_closed_form() {
    // Aggregate correlation 0.8 * 0.75 / (0.75 + 0.25) = 0.6: TC = -ln(1 - 0.36) / 2 = 0.223.
    let (means, log_vars) = posteriors(2000, 0.75, 0.8, 0.25);
    let correlated = total_correlation(&means, &log_vars, 2, 3);
    let exact = -0.5 * (1.0f64 - 0.36).ln();
    assert!((correlated - exact).abs() < 0.04, "TC {correlated} against {exact}");
    let (means, log_vars) = posteriors(2000, 0.75, 0.0, 0.25);
    let independent = total_correlation(&means, &log_vars, 2, 3);
    assert!(independent.abs() < 0.03, "independent units: TC {independent}");
}

#[test]
fn unit_kl_and_activity_tell_a_used_unit_from_a_collapsed_one() {
    // Unit 0 carries the image (means spread, small variance); unit 1 is the prior itself.
    let (mut means, mut log_vars) = (Vec::new(), Vec::new());
    for i in 0..100 {
        means.extend([(i as f64 - 49.5) / 30.0, 0.0]);
        log_vars.extend([(0.1f64).ln(), 0.0]);
    }
    let factors = factors_of(&means, &log_vars, 2);
    let spread = means.iter().step_by(2).map(|m| m * m).sum::<f64>() / 100.0;
    let expected = 0.5 * (spread + 0.1 - 0.1f64.ln() - 1.0);
    assert!((factors.unit_kl[0] - expected).abs() < 1e-9 && factors.unit_kl[1].abs() < 1e-12, "{:?}", factors.unit_kl);
    assert!((factors.kl - expected).abs() < 1e-9, "the KL term is the units' sum: {}", factors.kl);
    assert_eq!(factors.active_units, 1);
    assert_eq!(factors.correlation, vec![1.0, 0.0, 0.0, 0.0], "a constant unit correlates with nothing");
}
