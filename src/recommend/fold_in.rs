//! I-AutoRec for someone it never saw. I-AutoRec reconstructs each movie's ratings over the
//! training users, `h(r_i) = W sigmoid(V r_i + mu) + b`, so a user is a column of the input and
//! a row `(w_u, b_u)` of the output layer: their predicted rating of movie `i` is
//! `w_u . c_i + b_u`, where `c_i = sigmoid(V r_i + mu)` is the movie's hidden code. A new
//! visitor adds a column whose input weights touch only the codes of the movies they rated (so
//! they are left at zero: fitting them would let a movie's code copy the visitor's own rating)
//! and an output row, which the model's own objective fits in closed form with everything else
//! fixed: ridge regression of the visitor's ratings on the rated movies' codes. The weight decay
//! pulls the row towards the average training user's instead of towards zero, so a visitor
//! with one rating starts as the average user shifted by it.

use burn::module::Param;
use burn::prelude::*;
use nalgebra::{DMatrix, DVector};

use crate::error::{AeError, AeResult};
use crate::recommend::autorec::{AutoRec, Orientation};
use crate::recommend::rows::RatingRows;
use crate::uses::explore::read_floats;

/// The code of every movie's training ratings, `sigmoid(V r_i + mu)`, encoded in chunks.
///
/// # Shapes
/// - output: `[items, hidden]`
pub fn item_codes(model: &AutoRec, rows: &RatingRows, device: &Device) -> AeResult<Tensor<2>> {
    const CHUNK: usize = 256;
    if rows.orientation() != Orientation::Item {
        return Err(AeError::InvalidConfig("only an I-AutoRec has movie codes: its rows are movies".into()));
    }
    let all: Vec<usize> = (0..rows.len()).collect();
    let codes = all.chunks(CHUNK).map(|chunk| model.encode(rows.ratings(chunk, device))).collect();
    Ok(Tensor::cat(codes, 0))
}

/// `model` (an I-AutoRec) carrying the codes of its training ratings, ready to fold in visitors.
pub fn with_item_codes(model: AutoRec, rows: &RatingRows, device: &Device) -> AeResult<AutoRec> {
    let codes = item_codes(&model, rows, device)?;
    Ok(AutoRec { item_codes: Some(Param::from_tensor(codes)), ..model })
}

/// The rating a visitor who gave `stars[k]` to movie index `items[k]` would give every movie,
/// by an I-AutoRec trained with weight decay `lambda`, unclipped.
pub async fn predict_visitor(model: &AutoRec, items: &[usize], stars: &[f32], lambda: f64) -> AeResult<Vec<f32>> {
    let codes = model.item_codes.as_ref().map(Param::val).ok_or_else(|| {
        AeError::InvalidConfig("this I-AutoRec carries no movie codes, so it cannot fold in a visitor; save it again with this version".into())
    })?;
    let [movie_count, hidden] = codes.dims();
    let device = codes.device();
    let (mean_row, mean_bias) = average_user(model).await?;
    let rated = Tensor::<1, Int>::from_data(TensorData::new(items.iter().map(|&i| i as i64).collect::<Vec<_>>(), [items.len()]), &device);
    let rated_codes = read_floats(codes.clone().select(0, rated)).await?;
    let (row_shift, bias_shift) = ridge_shift(&rated_codes, hidden, stars, &mean_row, mean_bias, lambda);
    let row: Vec<f32> = mean_row.iter().zip(&row_shift).map(|(mean, shift)| (mean + shift) as f32).collect();
    let row = Tensor::<2>::from_data(TensorData::new(row, [hidden, 1]), &device);
    let predicted = read_floats(codes.matmul(row).reshape([movie_count])).await?;
    let bias = (mean_bias + bias_shift) as f32;
    Ok(predicted.into_iter().map(|value| value + bias).collect())
}

/// The mean of the output layer's rows and biases over the training users: the prior a
/// visitor's row is shrunk towards.
async fn average_user(model: &AutoRec) -> AeResult<(Vec<f64>, f64)> {
    // burn's Linear weight is `[hidden, users]`: a user's row of the paper's W is a column here.
    let mean_row = read_floats(model.decoder.weight.val().mean_dim(1).flatten::<1>(0, 1)).await?;
    let mean_bias = match &model.decoder.bias {
        Some(bias) => read_floats(bias.val().mean()).await?[0],
        None => 0.0,
    };
    Ok((mean_row.into_iter().map(f64::from).collect(), f64::from(mean_bias)))
}

/// The shift `(dw, db)` from the average user's row `(mean_row, mean_bias)` that minimizes
/// `sum_k (stars_k - (mean_row + dw) . c_k - (mean_bias + db))^2 + lambda/2 (|dw|^2 + db^2)`
/// over the rated movies' codes `c_k` (`rated_codes`, row-major `[rated, hidden]`). Solved in
/// its dual, one equation per rating: `(X X^T + lambda/2 I) a = residuals`, `(dw, db) = X^T a`
/// with `X = [c_k, 1]`, a system as small as the visitor's ratings.
pub fn ridge_shift(rated_codes: &[f32], hidden: usize, stars: &[f32], mean_row: &[f64], mean_bias: f64, lambda: f64) -> (Vec<f64>, f64) {
    let count = stars.len();
    let features = DMatrix::from_fn(count, hidden + 1, |k, j| if j < hidden { f64::from(rated_codes[k * hidden + j]) } else { 1.0 });
    let prior = DVector::from_iterator(hidden + 1, mean_row.iter().copied().chain([mean_bias]));
    let residuals = DVector::from_iterator(count, stars.iter().map(|&s| f64::from(s))) - &features * &prior;
    let gram = &features * features.transpose() + DMatrix::identity(count, count) * (lambda / 2.0);
    // Positive definite for any lambda > 0; with lambda 0 and repeated codes, no shift.
    let dual = gram.cholesky().map_or_else(|| DVector::zeros(count), |factor| factor.solve(&residuals));
    let shift = features.transpose() * dual;
    (shift.rows(0, hidden).iter().copied().collect(), shift[hidden])
}
