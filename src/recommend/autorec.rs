//! AutoRec (Sedhain, Menon, Sanner and Xie 2015): an autoencoder of a partially observed rating
//! vector, trained on the observed entries only. I-AutoRec reconstructs each movie's vector of
//! ratings over users; U-AutoRec each user's vector over movies.

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use serde::{Deserialize, Serialize};

use crate::error::{AeResult, ensure};
use crate::nn::dense::dense;

/// Which vectors the autoencoder reconstructs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// I-AutoRec: one vector per movie, over users.
    Item,
    /// U-AutoRec: one vector per user, over movies.
    User,
}

/// Configuration of an [`AutoRec`].
#[derive(Config, Debug, PartialEq)]
pub struct AutoRecConfig {
    pub orientation: Orientation,
    /// Users and movies of the rating matrix.
    pub users: usize,
    pub items: usize,
    /// Hidden units (sigmoid); the paper's is 500.
    #[config(default = 500)]
    pub hidden: usize,
}

impl AutoRecConfig {
    /// Length of one reconstructed vector (users for I-AutoRec, movies for U-AutoRec).
    pub fn width(&self) -> usize {
        match self.orientation {
            Orientation::Item => self.users,
            Orientation::User => self.items,
        }
    }

    /// How many vectors there are (movies for I-AutoRec, users for U-AutoRec).
    pub fn rows(&self) -> usize {
        match self.orientation {
            Orientation::Item => self.items,
            Orientation::User => self.users,
        }
    }

    /// Refuses sizes that cannot make a model (or would not fit a browser's memory).
    pub fn validate(&self) -> AeResult<()> {
        ensure(self.users >= 1 && self.items >= 1, || "the rating matrix needs at least one user and one movie".into())?;
        ensure((1..=4096).contains(&self.hidden), || format!("hidden units must be in 1..=4096, got {}", self.hidden))?;
        ensure(self.width() * self.hidden <= 64 << 20, || {
            format!("{} x {} weights per layer is too large", self.width(), self.hidden)
        })
    }

    /// A fresh model on `device`, with burn's default (PyTorch-like) initialization.
    pub fn init(&self, device: &Device) -> AeResult<AutoRec> {
        self.validate()?;
        Ok(AutoRec {
            encoder: LinearConfig::new(self.width(), self.hidden).init(device),
            decoder: LinearConfig::new(self.hidden, self.width()).init(device),
            item_codes: None,
        })
    }
}

/// `h(r) = W sigmoid(V r + mu) + b`: a sigmoid hidden layer and an identity output.
#[derive(Module, Debug)]
pub struct AutoRec {
    pub encoder: Linear,
    pub decoder: Linear,
    /// I-AutoRec only, and only in a model made to recommend (never while training): each movie's
    /// hidden code of its training ratings, `sigmoid(V r_i + mu)`, on which a new visitor is
    /// folded in (see [`crate::recommend::fold_in`]).
    ///
    /// # Shapes
    /// - `[items, hidden]`
    pub item_codes: Option<Param<Tensor<2>>>,
}

impl AutoRec {
    /// Reconstructs rating vectors whose unobserved entries are zeros.
    ///
    /// # Shapes
    /// - ratings: `[batch, width]`
    /// - output: `[batch, width]`
    pub fn forward(&self, ratings: Tensor<2>) -> Tensor<2> {
        dense(&self.decoder, self.encode(ratings), false)
    }

    /// The hidden codes of rating vectors, `sigmoid(V r + mu)`. The product visits only the
    /// observed ratings (`nn::dense` on the CPU: a row is over 95% zeros).
    ///
    /// # Shapes
    /// - ratings: `[batch, width]`
    /// - output: `[batch, hidden]`
    pub fn encode(&self, ratings: Tensor<2>) -> Tensor<2> {
        sigmoid(dense(&self.encoder, ratings, false))
    }

    /// The running mean of `count` models' weights (`self` their mean) with `latest` added: the
    /// average of the iterates of Polyak and Ruppert, which settles where Adam's last steps
    /// jitter around the optimum.
    pub fn averaged_with(&self, latest: &AutoRec, count: usize) -> AutoRec {
        let keep = count as f64 / (count + 1) as f64;
        let mix2 = |mean: &Param<Tensor<2>>, new: &Param<Tensor<2>>| {
            Param::from_tensor(mean.val().mul_scalar(keep) + new.val().mul_scalar(1.0 - keep))
        };
        let mix1 = |mean: &Option<Param<Tensor<1>>>, new: &Option<Param<Tensor<1>>>| match (mean, new) {
            (Some(mean), Some(new)) => Some(Param::from_tensor(mean.val().mul_scalar(keep) + new.val().mul_scalar(1.0 - keep))),
            _ => None,
        };
        let layer = |mean: &Linear, new: &Linear| Linear { weight: mix2(&mean.weight, &new.weight), bias: mix1(&mean.bias, &new.bias) };
        AutoRec { encoder: layer(&self.encoder, &latest.encoder), decoder: layer(&self.decoder, &latest.decoder), item_codes: None }
    }

    /// `||W||^2 + ||V||^2`: the two weight matrices' squared norms (biases are not decayed).
    ///
    /// # Shapes
    /// - output: `[1]`
    pub fn weights_squared_norm(&self) -> Tensor<1> {
        self.encoder.weight.val().powi_scalar(2).sum() + self.decoder.weight.val().powi_scalar(2).sum()
    }
}

/// AutoRec's data term: the squared error summed over the observed entries only, so an
/// unobserved entry gives no gradient.
///
/// # Shapes
/// - predicted, ratings, observed (1 where a rating exists, else 0): `[batch, width]`
/// - output: `[1]`
pub fn masked_squared_error(predicted: Tensor<2>, ratings: Tensor<2>, observed: Tensor<2>) -> Tensor<1> {
    ((predicted - ratings) * observed).powi_scalar(2).sum()
}

/// The paper's objective on one batch of `batch_rows` out of `rows` vectors: the data term plus
/// that batch's share of `lambda / 2 (||W||^2 + ||V||^2)`, so that one epoch sums to the paper's
/// full objective.
pub fn autorec_objective(model: &AutoRec, ratings: Tensor<2>, observed: Tensor<2>, lambda: f64, batch_share: f64) -> Tensor<1> {
    let predicted = model.forward(ratings.clone());
    masked_squared_error(predicted, ratings, observed) + model.weights_squared_norm().mul_scalar(lambda / 2.0 * batch_share)
}
