//! The training ratings as the sparse vectors an AutoRec reconstructs, and batches of them as
//! dense tensors (ratings, with zeros where none is observed, and the mask of observed entries).

use burn::prelude::*;

use crate::data::ratings::{RATING_RANGE, Rating};
use crate::recommend::autorec::Orientation;

/// The rating the paper predicts for a user or a movie with no training rating.
pub const DEFAULT_RATING: f32 = 3.0;

/// Sparse rating vectors, one per row (movie for I-AutoRec, user for U-AutoRec).
#[derive(Clone, Debug)]
pub struct RatingRows {
    orientation: Orientation,
    /// Each row's observed `(column, rating)` pairs.
    rows: Vec<Vec<(u32, f32)>>,
    /// Whether each column (user for I-AutoRec) has any rating.
    column_seen: Vec<bool>,
}

impl RatingRows {
    /// Gathers `ratings` over `users` x `items` into rows of the orientation.
    pub fn new(ratings: &[Rating], orientation: Orientation, users: usize, items: usize) -> RatingRows {
        let (row_count, width) = match orientation {
            Orientation::Item => (items, users),
            Orientation::User => (users, items),
        };
        let mut rows = vec![Vec::new(); row_count];
        let mut column_seen = vec![false; width];
        for rating in ratings {
            let (row, column) = RatingRows::place(orientation, rating);
            rows[row].push((column as u32, rating.value));
            column_seen[column] = true;
        }
        RatingRows { orientation, rows, column_seen }
    }

    /// The row and column of `rating` in a matrix of `orientation`.
    pub fn place(orientation: Orientation, rating: &Rating) -> (usize, usize) {
        match orientation {
            Orientation::Item => (rating.item as usize, rating.user as usize),
            Orientation::User => (rating.user as usize, rating.item as usize),
        }
    }

    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Length of each row.
    pub fn width(&self) -> usize {
        self.column_seen.len()
    }

    /// Observed ratings in all rows.
    pub fn observed(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Observed ratings in the rows `picked`.
    pub fn observed_in(&self, picked: &[usize]) -> usize {
        picked.iter().map(|&row| self.rows[row].len()).sum()
    }

    /// Whether the model can say anything about `rating`: its row and its column were both seen
    /// in training (else the paper's default rating stands).
    pub fn knows(&self, rating: &Rating) -> bool {
        let (row, column) = RatingRows::place(self.orientation, rating);
        !self.rows[row].is_empty() && self.column_seen[column]
    }

    /// The rows `picked` as dense tensors: the ratings (0 where none) and the observed mask.
    ///
    /// # Shapes
    /// - output: `([picked.len(), width], [picked.len(), width])`
    pub fn batch(&self, picked: &[usize], device: &Device) -> (Tensor<2>, Tensor<2>) {
        (self.dense(picked, |value| value, device), self.dense(picked, |_| 1.0, device))
    }

    /// The rows `picked` as the model's input alone (0 where no rating), for predictions.
    ///
    /// # Shapes
    /// - output: `[picked.len(), width]`
    pub fn ratings(&self, picked: &[usize], device: &Device) -> Tensor<2> {
        self.dense(picked, |value| value, device)
    }

    /// `[picked.len(), width]`: `entry(rating)` where a rating is observed, else 0.
    fn dense(&self, picked: &[usize], entry: impl Fn(f32) -> f32, device: &Device) -> Tensor<2> {
        let width = self.width();
        let mut values = vec![0.0f32; picked.len() * width];
        for (position, &row) in picked.iter().enumerate() {
            for &(column, value) in &self.rows[row] {
                values[position * width + column as usize] = entry(value);
            }
        }
        Tensor::from_data(TensorData::new(values, [picked.len(), width]), device)
    }
}

/// A prediction clipped to the rating scale, as the paper scores them.
pub fn clip_rating(value: f32) -> f32 {
    value.clamp(RATING_RANGE.0, RATING_RANGE.1)
}

/// Root mean squared error of `predictions` against `ratings`.
pub fn rmse(predictions: &[f32], ratings: &[Rating]) -> f32 {
    assert_eq!(predictions.len(), ratings.len(), "one prediction per rating");
    let sum: f64 = predictions.iter().zip(ratings).map(|(p, r)| f64::from(p - r.value).powi(2)).sum();
    (sum / ratings.len().max(1) as f64).sqrt() as f32
}
