//! Recommendations for someone the model never saw: U-AutoRec folds a new user in with one
//! forward pass of their ratings (the paper's model takes any user's vector of ratings over the
//! movies), I-AutoRec by fitting the visitor's own output row (see [`crate::recommend::fold_in`]);
//! the movies they have not rated are ranked by the predicted rating.

use std::collections::HashMap;

use burn::prelude::*;

use crate::data::ratings::check_rating;
use crate::error::{AeError, AeResult};
use crate::recommend::autorec::{AutoRec, Orientation};
use crate::recommend::fold_in::predict_visitor;
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
/// (the header's counts; a rarely rated movie's prediction is noisy). Refuses an I-AutoRec without
/// its movies' codes, an unknown movie id, a rating outside 1..5, or a movie rated twice.
pub async fn recommend(
    model: &AutoRec,
    header: &AutoRecHeader,
    movie_ids: &[u32],
    stars: &[f32],
    count: usize,
    min_ratings: u32,
    device: &Device,
) -> AeResult<Vec<Recommendation>> {
    let vector = visitor_vector(header, movie_ids, stars)?;
    let width = vector.len();
    let predicted = match (header.config.orientation, header.fold_in_lambda) {
        (Orientation::User, _) => {
            let input = Tensor::<2>::from_data(TensorData::new(vector.clone(), [1, width]), device);
            read_floats(model.forward(input)).await?
        }
        (Orientation::Item, Some(lambda)) => {
            let rated: Vec<usize> = (0..width).filter(|&item| vector[item] != 0.0).collect();
            let stars: Vec<f32> = rated.iter().map(|&item| vector[item]).collect();
            predict_visitor(model, &rated, &stars, lambda).await?
        }
        (Orientation::Item, None) => {
            return Err(AeError::InvalidConfig(
                "this I-AutoRec file carries no movie codes, so it cannot fold in a new visitor; save it again with this version".into(),
            ));
        }
    };
    let mut ranked: Vec<usize> = (0..width)
        .filter(|&item| vector[item] == 0.0 && header.item_rating_counts.get(item).is_none_or(|&n| n >= min_ratings))
        .collect();
    // Ranked before clipping: a visitor who gives only 5 stars sees many predictions above 5,
    // and clipped they would tie and fall back to the order of the ids.
    ranked.sort_by(|&a, &b| predicted[b].total_cmp(&predicted[a]).then(a.cmp(&b)));
    ranked.truncate(count);
    Ok(ranked.into_iter().map(|item| Recommendation { movie_id: header.item_ids[item], predicted: clip_rating(predicted[item]) }).collect())
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
