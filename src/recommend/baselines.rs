//! The baselines every recommender is measured against: the global mean, item biases, user and
//! item biases, and biased matrix factorization (Koren, Bell and Volinsky 2009) trained by SGD.
//! All are small enough to fit on the host in seconds.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::data::ratings::{Rating, RatingSplit};
use crate::recommend::rows::clip_rating;

/// A fitted baseline: predicts any (user, movie) pair.
pub trait Baseline {
    fn predict(&self, user: u32, item: u32) -> f32;

    /// Predictions for `ratings`, clipped to 1..5.
    fn predict_all(&self, ratings: &[Rating]) -> Vec<f32> {
        ratings.iter().map(|r| clip_rating(self.predict(r.user, r.item))).collect()
    }
}

/// The mean training rating.
pub fn global_mean(train: &[Rating]) -> f32 {
    (train.iter().map(|r| f64::from(r.value)).sum::<f64>() / train.len().max(1) as f64) as f32
}

/// `mean + b_user + b_item`, the biases shrunk towards zero by `shrinkage` pseudo-ratings and
/// fitted by alternating exact minimization (a few sweeps converge).
#[derive(Clone, Debug)]
pub struct Biases {
    pub mean: f32,
    pub user: Vec<f32>,
    pub item: Vec<f32>,
}

impl Biases {
    /// Item biases only (`user` stays zero) when `with_users` is false.
    pub fn fit(split: &RatingSplit, shrinkage: f32, with_users: bool) -> Biases {
        let mean = global_mean(&split.train);
        let mut biases = Biases { mean, user: vec![0.0; split.users], item: vec![0.0; split.items] };
        let sweeps = if with_users { 10 } else { 1 };
        for _ in 0..sweeps {
            biases.item = biases.refit(split.items, &split.train, shrinkage, |r| r.item, |b, r| b.user[r.user as usize]);
            if with_users {
                biases.user = biases.refit(split.users, &split.train, shrinkage, |r| r.user, |b, r| b.item[r.item as usize]);
            }
        }
        biases
    }

    /// The shrunk mean residual per group, the other biases held.
    fn refit(&self, groups: usize, train: &[Rating], shrinkage: f32, group: impl Fn(&Rating) -> u32, other: impl Fn(&Biases, &Rating) -> f32) -> Vec<f32> {
        let mut sums = vec![(0.0f64, 0.0f64); groups];
        for rating in train {
            let sum = &mut sums[group(rating) as usize];
            sum.0 += f64::from(rating.value - self.mean - other(self, rating));
            sum.1 += 1.0;
        }
        sums.into_iter().map(|(residual, count)| (residual / (count + f64::from(shrinkage))) as f32).collect()
    }
}

impl Baseline for Biases {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.mean + self.user[user as usize] + self.item[item as usize]
    }
}

/// Settings of biased matrix factorization.
#[derive(Clone, Copy, Debug)]
pub struct FactorizationSettings {
    pub factors: usize,
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty on factors and biases.
    pub regularization: f32,
    pub seed: u64,
}

impl Default for FactorizationSettings {
    /// Settings in the range the Netflix-prize literature uses for MovieLens.
    fn default() -> Self {
        FactorizationSettings { factors: 50, epochs: 40, learning_rate: 0.01, regularization: 0.05, seed: 1 }
    }
}

/// `mean + b_u + b_i + p_u . q_i`, trained by SGD over shuffled ratings.
#[derive(Clone, Debug)]
pub struct Factorization {
    biases: Biases,
    users: Vec<f32>,
    items: Vec<f32>,
    factors: usize,
}

impl Factorization {
    pub fn fit(split: &RatingSplit, settings: FactorizationSettings) -> Factorization {
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let k = settings.factors;
        let mut small = |n: usize| (0..n).map(|_| (rng.random::<f32>() - 0.5) * 0.1).collect::<Vec<f32>>();
        let mut model = Factorization {
            biases: Biases { mean: global_mean(&split.train), user: vec![0.0; split.users], item: vec![0.0; split.items] },
            users: small(split.users * k),
            items: small(split.items * k),
            factors: k,
        };
        let mut order: Vec<usize> = (0..split.train.len()).collect();
        for _ in 0..settings.epochs {
            order.shuffle(&mut rng);
            for &position in &order {
                model.sgd_step(&split.train[position], settings.learning_rate, settings.regularization);
            }
        }
        model
    }

    fn sgd_step(&mut self, rating: &Rating, learning_rate: f32, regularization: f32) {
        let (u, i) = (rating.user as usize, rating.item as usize);
        let error = rating.value - self.predict(rating.user, rating.item);
        self.biases.user[u] += learning_rate * (error - regularization * self.biases.user[u]);
        self.biases.item[i] += learning_rate * (error - regularization * self.biases.item[i]);
        let k = self.factors;
        let (p, q) = (&mut self.users[u * k..(u + 1) * k], &mut self.items[i * k..(i + 1) * k]);
        for (pu, qi) in p.iter_mut().zip(q.iter_mut()) {
            let (old_pu, old_qi) = (*pu, *qi);
            *pu += learning_rate * (error * old_qi - regularization * old_pu);
            *qi += learning_rate * (error * old_pu - regularization * old_qi);
        }
    }
}

impl Baseline for Factorization {
    fn predict(&self, user: u32, item: u32) -> f32 {
        let (u, i, k) = (user as usize, item as usize, self.factors);
        let dot: f32 = self.users[u * k..(u + 1) * k].iter().zip(&self.items[i * k..(i + 1) * k]).map(|(a, b)| a * b).sum();
        self.biases.predict(user, item) + dot
    }
}
