//! Recommendations for someone the model never saw: U-AutoRec folds a new user in with one
//! forward pass of their ratings (the paper's model takes any user's vector of ratings over the
//! movies), and the movies they have not rated are ranked by the predicted rating.

use std::collections::HashMap;

use burn::prelude::*;

use crate::data::ratings::check_rating;
use crate::error::{AeError, AeResult};
use crate::recommend::autorec::{AutoRec, Orientation};
use crate::recommend::rows::clip_rating;
use crate::recommend::weights::AutoRecHeader;
use crate::uses::explore::read_floats;

/// One recommended movie and the rating the model predicts for it (camelCase for JavaScript).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub movie_id: u32,
    pub predicted: f32,
}

/// The `count` unrated movies with the highest predicted ratings for a visitor who gave
/// `stars[i]` to `movie_ids[i]`, among the movies with at least `min_ratings` training ratings
/// (the header's counts; a rarely rated movie's prediction is noisy). Refuses an I-AutoRec (its
/// inputs are the training users), an unknown movie id, a rating outside 1..5, or a movie rated twice.
pub async fn recommend(
    model: &AutoRec,
    header: &AutoRecHeader,
    movie_ids: &[u32],
    stars: &[f32],
    count: usize,
    min_ratings: u32,
    device: &Device,
) -> AeResult<Vec<Recommendation>> {
    if header.config.orientation != Orientation::User {
        return Err(AeError::InvalidConfig(
            "an I-AutoRec reconstructs movies over its training users, so it cannot fold in a new visitor; load a U-AutoRec".into(),
        ));
    }
    let vector = visitor_vector(header, movie_ids, stars)?;
    let width = vector.len();
    let input = Tensor::<2>::from_data(TensorData::new(vector.clone(), [1, width]), device);
    let predicted = read_floats(model.forward(input)).await?;
    let mut ranked: Vec<Recommendation> = (0..width)
        .filter(|&item| vector[item] == 0.0 && header.item_rating_counts.get(item).is_none_or(|&n| n >= min_ratings))
        .map(|item| Recommendation { movie_id: header.item_ids[item], predicted: clip_rating(predicted[item]) })
        .collect();
    ranked.sort_by(|a, b| b.predicted.total_cmp(&a.predicted).then(a.movie_id.cmp(&b.movie_id)));
    ranked.truncate(count);
    Ok(ranked)
}

/// The visitor's ratings as a vector over the model's movies (0 where unrated).
fn visitor_vector(header: &AutoRecHeader, movie_ids: &[u32], stars: &[f32]) -> AeResult<Vec<f32>> {
    if movie_ids.len() != stars.len() {
        return Err(AeError::InvalidConfig(format!("{} movies but {} ratings", movie_ids.len(), stars.len())));
    }
    let index: HashMap<u32, usize> = header.item_ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut vector = vec![0.0f32; header.item_ids.len()];
    for (&movie_id, &value) in movie_ids.iter().zip(stars) {
        let item = *index.get(&movie_id).ok_or_else(|| AeError::InvalidConfig(format!("movie id {movie_id} is not a movie this model knows")))?;
        check_rating(value).map_err(|reason| AeError::InvalidConfig(format!("movie {movie_id}: {reason}")))?;
        if vector[item] != 0.0 {
            return Err(AeError::InvalidConfig(format!("movie {movie_id} is rated twice")));
        }
        vector[item] = value;
    }
    Ok(vector)
}
