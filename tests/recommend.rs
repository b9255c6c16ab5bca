//! AutoRec and its data: the masked objective against hand values, the split's guarantees, the
//! refusals of malformed ratings, the baselines, a small I-AutoRec on real MovieLens 100K that
//! must beat the item-bias baseline, and I-AutoRec's fold-in of users it never saw.
#![cfg(not(target_arch = "wasm32"))] // native: the browser tests are tests/web.rs

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use aestudio::backend::cpu_device;
use aestudio::data::ratings::{MOVIELENS_1M, MOVIELENS_100K, Movie, Movies, Rating, RatingSplit, Ratings, RatingsFormat};
use aestudio::recommend::autorec::{autorec_objective, masked_squared_error};
use aestudio::recommend::baselines::{Baseline, Biases};
use aestudio::recommend::fold_in;
use aestudio::recommend::rows::{DEFAULT_RATING, clip_rating, rmse};
use aestudio::recommend::train::{predict, test_rmse};
use aestudio::recommend::visitor;
use aestudio::recommend::weights::{self, AutoRecHeader};
use aestudio::recommend::{AutoRecConfig, AutoRecTrainer, AutoRecTraining, Orientation, RatingRows};
use burn::prelude::*;
use common::tensor2;
use pollster::block_on;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

fn movielens_100k() -> Ratings {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/movielens/ml-100k");
    MOVIELENS_100K.load_ratings(&dir).expect("MovieLens 100K in data/movielens (run ./build.sh data)")
}

#[test]
fn both_movies_files_give_titles_and_genres() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/movielens");
    let read = |path: &str| std::fs::read(root.join(path)).expect("MovieLens in data/movielens (run ./build.sh data)");
    let ml1m = MOVIELENS_1M.parse_movies(&read("ml-1m/movies.dat")).unwrap().movies;
    // movies.dat has 3,883 lines; its first and last, as the file spells them.
    assert_eq!(ml1m.len(), 3_883);
    assert_eq!(ml1m[0], Movie { id: 1, title: "Toy Story (1995)".into(), genres: vec!["Animation", "Children's", "Comedy"] });
    assert_eq!(ml1m[3_882], Movie { id: 3952, title: "Contender, The (2000)".into(), genres: vec!["Drama", "Thriller"] });
    // u.item gives genres as 19 flags (Toy Story: Animation, Children's, Comedy) and is Latin-1.
    let ml100k = MOVIELENS_100K.parse_movies(&read("ml-100k/u.item")).unwrap().movies;
    assert_eq!(ml100k.len(), 1_682);
    assert_eq!(ml100k[0], Movie { id: 1, title: "Toy Story (1995)".into(), genres: vec!["Animation", "Children's", "Comedy"] });
    assert!(ml100k.iter().any(|movie| movie.title.contains('\u{e9}')), "a title with an e-acute, read as Latin-1");
    // A malformed line names its number; an unknown genre or a missing flag is malformed.
    for (text, format) in [("1::Toy Story::Comedy\n2::Heat\n", RatingsFormat::DoubleColon), ("1::A::Comedy|Cooking\n", RatingsFormat::DoubleColon), ("1|A|x|y|z|0|1\n", RatingsFormat::Tab)] {
        let err = Movies::parse(text.as_bytes(), format).unwrap_err().to_string();
        assert!(err.contains("movies line"), "{err}");
    }
    assert!(Movies::parse(b"1::Toy Story::Comedy\n2::Heat\n", RatingsFormat::DoubleColon).unwrap_err().to_string().contains("line 2"));
    // The checksum comes first: a movies file that is not the release's is refused.
    assert!(MOVIELENS_1M.parse_movies(b"1::Toy Story::Comedy\n").is_err());
}

fn rating(user: u32, item: u32, value: f32) -> Rating {
    Rating { user, item, value }
}

#[test]
fn masked_error_counts_observed_entries_and_gives_unobserved_ones_no_gradient() {
    let device = cpu_device().autodiff();
    let predicted = Tensor::<2>::from_data(TensorData::new(vec![3.5f32, 1.0, 4.0, 2.0], [2, 2]), &device).require_grad();
    let ratings = tensor2(&[&[4.0, 0.0], &[5.0, 0.0]]).to_device(&device);
    let observed = tensor2(&[&[1.0, 0.0], &[1.0, 0.0]]).to_device(&device);
    let loss = masked_squared_error(predicted.clone(), ratings, observed);
    // (3.5 - 4)^2 + (4 - 5)^2; the unobserved 1.0 and 2.0 count for nothing.
    assert!((loss.clone().into_scalar::<f32>() - 1.25).abs() < 1e-6);
    let gradients = loss.backward();
    let gradient: Vec<f32> = predicted.grad(&gradients).expect("a gradient").into_data().try_to_vec::<f32>().unwrap();
    // d/dp (p - r)^2 = 2 (p - r) where observed, exactly 0 elsewhere.
    assert_eq!(gradient, vec![-1.0, 0.0, -2.0, 0.0]);
}

#[test]
fn the_objective_adds_the_batch_share_of_the_weight_decay() {
    let device = cpu_device();
    let model = AutoRecConfig::new(Orientation::Item, 3, 2).with_hidden(4).init(&device).unwrap();
    let ratings = tensor2(&[&[5.0, 0.0, 3.0]]);
    let observed = tensor2(&[&[1.0, 0.0, 1.0]]);
    let squared_norm: f32 = [model.encoder.weight.val(), model.decoder.weight.val()]
        .into_iter()
        .map(|w| w.into_data().try_to_vec::<f32>().unwrap().iter().map(|v| v * v).sum::<f32>())
        .sum();
    let data_term = masked_squared_error(model.forward(ratings.clone()), ratings.clone(), observed.clone()).into_scalar::<f32>();
    let objective = autorec_objective(&model, ratings, observed, 2.0, 0.5).into_scalar::<f32>();
    // lambda / 2 * share * ||W||^2 = 2 / 2 * 0.5 * norm.
    assert!((objective - data_term - 0.5 * squared_norm).abs() < 1e-4, "{objective} vs {data_term} + {}", 0.5 * squared_norm);
}

#[test]
fn the_split_is_seeded_disjoint_and_a_tenth() {
    let ratings = movielens_100k();
    assert_eq!((ratings.entries.len(), ratings.users(), ratings.items()), (100_000, 943, 1682));
    let split = ratings.split(0.1, 7).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (90_000, 10_000));
    let pairs = |part: &[Rating]| part.iter().map(|r| (r.user, r.item)).collect::<HashSet<_>>();
    let (train, test) = (pairs(&split.train), pairs(&split.test));
    assert_eq!(train.len() + test.len(), 100_000, "every rating lands in exactly one part");
    assert!(train.is_disjoint(&test));
    assert_eq!(ratings.split(0.1, 7).unwrap().test, split.test, "the same seed gives the same split");
    assert_ne!(ratings.split(0.1, 8).unwrap().test, split.test, "another seed gives another split");
    assert!(ratings.split(1.0, 7).is_err());
}

#[test]
fn malformed_ratings_are_refused_with_the_line() {
    let refused = |text: &str| Ratings::parse(text.as_bytes(), RatingsFormat::DoubleColon).unwrap_err().to_string();
    assert!(refused("1::2::5::0\n1::3::6::0\n").contains("line 2"), "a rating of 6");
    assert!(refused("1::2::0::0\n").contains("rating 0"));
    assert!(refused("1::2::4.5::0\n").contains("whole number"));
    assert!(refused("1::2::5\n").contains("malformed"));
    assert!(refused("1::x::5::0\n").contains("line 1"));
    assert!(refused("").contains("no ratings"));
    let bad_checksum = MOVIELENS_100K.parse_ratings(b"1\t2\t5\t0\n").unwrap_err().to_string();
    assert!(bad_checksum.contains("checksum"), "{bad_checksum}");
    let parsed = Ratings::parse(b"10::7::5::0\n3::7::1::0\n", RatingsFormat::DoubleColon).unwrap();
    assert_eq!((parsed.user_ids.clone(), parsed.item_ids.clone()), (vec![3, 10], vec![7]));
    assert_eq!(parsed.entries[0], rating(1, 0, 5.0), "ids become dense indices in ascending order");
}

#[test]
fn biases_match_a_hand_computation() {
    // Mean 3; movie 0 rated 5 and 4 (residuals 2, 1), movie 1 rated 1 and 2 (residuals -2, -1).
    let train = vec![rating(0, 0, 5.0), rating(1, 0, 4.0), rating(0, 1, 1.0), rating(1, 1, 2.0)];
    let split = RatingSplit { train, test: vec![], users: 2, items: 2 };
    let items = Biases::fit(&split, 1.0, false);
    assert_eq!(items.mean, 3.0);
    // Shrunk by one pseudo-rating: (2 + 1) / (2 + 1) = 1 and (-2 - 1) / 3 = -1.
    assert!((items.item[0] - 1.0).abs() < 1e-6 && (items.item[1] + 1.0).abs() < 1e-6);
    assert_eq!(items.predict(1, 0), 4.0);
    assert_eq!(items.predict_all(&[rating(0, 0, 0.0)]), vec![4.0]);
}

#[test]
fn an_unseen_user_gets_the_default_rating() {
    let device = cpu_device();
    let train = vec![rating(0, 0, 5.0), rating(0, 1, 4.0), rating(1, 0, 2.0)];
    let rows = RatingRows::new(&train, Orientation::Item, 3, 3);
    let model = AutoRecConfig::new(Orientation::Item, 3, 3).with_hidden(2).init(&device).unwrap();
    // User 2 and movie 2 have no training rating.
    let asked = [rating(2, 0, 1.0), rating(0, 2, 1.0), rating(1, 1, 1.0)];
    let predictions = pollster::block_on(predict(&model, &rows, &asked, &device)).unwrap();
    assert_eq!(&predictions[..2], &[DEFAULT_RATING, DEFAULT_RATING]);
    assert!((1.0..=5.0).contains(&predictions[2]), "a known pair is predicted, clipped to 1..5");
}

#[test]
fn a_small_i_autorec_on_movielens_100k_beats_the_item_biases() {
    let device = cpu_device();
    let split = movielens_100k().split(0.1, 1).unwrap();
    let config = AutoRecConfig::new(Orientation::Item, split.users, split.items).with_hidden(100);
    let mut trainer = AutoRecTrainer::new(&config, AutoRecTraining::new().with_epochs(8).with_lambda(1.0), &split, &device).unwrap();
    let mut objectives = Vec::new();
    while !trainer.finished() {
        objectives.push(pollster::block_on(trainer.train_epoch()).unwrap());
    }
    assert!(objectives.last().unwrap() < &(0.8 * objectives[0]), "the objective falls: {objectives:?}");
    let autorec = pollster::block_on(test_rmse(&trainer.model(), trainer.rows(), &split.test, &device)).unwrap();
    let item_biases = rmse(&Biases::fit(&split, 25.0, false).predict_all(&split.test), &split.test);
    assert!(autorec < item_biases - 0.05, "I-AutoRec {autorec} against item biases {item_biases}");
}

/// Followers of a data-parallel AutoRec run, in the same process, and the leader's own share when
/// a single follower completes the sum (as the page's replica does).
struct AutoRecFollowers(Vec<AutoRecTrainer>, Option<Vec<f32>>);

impl aestudio::train::Replicas for AutoRecFollowers {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn start_shares(&mut self) {}
    async fn collect(&mut self) -> aestudio::error::AeResult<Vec<Vec<f32>>> {
        let parts = self.0.len() + 1;
        let mut shares = Vec::new();
        for (index, trainer) in self.0.iter_mut().enumerate() {
            let share = trainer.share_gradients(index + 1, parts).await?;
            if let Some(leader_share) = self.1.take() {
                trainer.apply_gradients(aestudio::train::replicas::completed_sum(leader_share, &share)?)?;
            }
            shares.push(share);
        }
        Ok(shares)
    }
    fn offer_own(&mut self, own: &[f32]) -> bool {
        self.1 = (self.0.len() == 1).then(|| own.to_vec());
        self.1.is_some()
    }
    fn apply(&mut self, sum: &[f32]) {
        self.0.iter_mut().for_each(|trainer| trainer.apply_gradients(sum.to_vec()).unwrap());
    }
}

fn weights_of(trainer: &AutoRecTrainer) -> Vec<f32> {
    let model = trainer.model();
    [model.encoder.weight.val(), model.decoder.weight.val()]
        .into_iter()
        .flat_map(|w| w.into_data().try_to_vec::<f32>().unwrap())
        .collect()
}

#[test]
fn one_two_and_three_replicas_train_the_same_autorec() {
    let device = cpu_device();
    let ratings = movielens_100k();
    let split = RatingSplit { train: ratings.entries[..20_000].to_vec(), test: vec![], users: ratings.users(), items: ratings.items() };
    for orientation in [Orientation::Item, Orientation::User] {
        let config = AutoRecConfig::new(orientation, split.users, split.items).with_hidden(16);
        let training = AutoRecTraining::new().with_batch_size(100).with_epochs(2).with_lambda(10.0);
        // Every replica starts from the first one's weights, through the weight file, as in the page.
        let header = AutoRecHeader::new(config.clone(), &ratings, &split);
        let start = block_on(AutoRecTrainer::new(&config, training.clone(), &split, &device).unwrap().export(&header, "start")).unwrap();
        let trainer = || {
            let model = weights::load(&start, &device.clone().autodiff()).unwrap().model;
            AutoRecTrainer::resume(model, &config, training.clone(), &split, &device, 0).unwrap()
        };
        let steps = trainer().steps_per_epoch() + 3;
        let mut alone = trainer();
        block_on(alone.train_steps_with(usize::MAX, &mut aestudio::train::NoReplicas)).unwrap();
        block_on(alone.train_steps_with(3, &mut aestudio::train::NoReplicas)).unwrap();
        for followers in [1, 2] {
            let mut leader = trainer();
            let mut others = AutoRecFollowers((0..followers).map(|_| trainer()).collect(), None);
            let first = block_on(leader.train_steps_with(usize::MAX, &mut others)).unwrap();
            assert!(first.epoch_finished && first.epoch_objective.is_some());
            block_on(leader.train_steps_with(3, &mut others)).unwrap();
            assert_eq!(leader.epoch() * leader.steps_per_epoch() + 3, steps);
            let reference = weights_of(&leader);
            for follower in &others.0 {
                assert!(weights_of(follower) == reference, "{orientation:?}: a follower's weights differ from the leader's");
            }
            let largest = reference.iter().zip(weights_of(&alone)).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(largest < 1e-4, "{orientation:?}, {} replicas: weights differ from one trainer's by {largest}", followers + 1);
        }
    }
}

#[test]
fn a_visitor_is_folded_in_and_bad_ratings_are_refused() {
    let device = cpu_device();
    let ratings = movielens_100k();
    let split = ratings.split(0.1, 1).unwrap();
    let config = AutoRecConfig::new(Orientation::User, split.users, split.items).with_hidden(32);
    let mut trainer = AutoRecTrainer::new(&config, AutoRecTraining::new().with_epochs(3), &split, &device).unwrap();
    while !trainer.finished() {
        block_on(trainer.train_epoch()).unwrap();
    }
    let header = AutoRecHeader::new(config.clone(), &ratings, &split);
    // Through the weight file, as the page's live worker gets it.
    let loaded = weights::load(&block_on(trainer.export(&header, "test")).unwrap(), &device).unwrap();
    assert_eq!(loaded.header, header);
    let recommend = |ids: &[u32], stars: &[f32], min_ratings: u32| {
        block_on(visitor::recommend(&loaded.model, &loaded.header, ids, stars, 10, min_ratings, &device))
    };
    // Star Wars, The Empire Strikes Back, Return of the Jedi (MovieLens 100K ids).
    let liked = [50, 172, 181];
    let top = recommend(&liked, &[5.0, 5.0, 4.0], 50).unwrap();
    assert_eq!(top.len(), 10);
    assert!(top.iter().all(|r| !liked.contains(&r.movie_id)), "rated movies are not recommended");
    assert!(top.windows(2).all(|pair| pair[0].predicted >= pair[1].predicted), "ranked by predicted rating");
    assert!(top.iter().all(|r| (1.0..=5.0).contains(&r.predicted)));
    let rare: HashSet<u32> = (0..split.items).filter(|&i| header.item_rating_counts[i] < 50).map(|i| header.item_ids[i]).collect();
    assert!(top.iter().all(|r| !rare.contains(&r.movie_id)), "movies with fewer than 50 training ratings are skipped");
    let refused = |ids: &[u32], stars: &[f32]| recommend(ids, stars, 0).unwrap_err().to_string();
    assert!(refused(&[50, 99_999], &[5.0, 4.0]).contains("99999"), "an unknown movie id");
    assert!(refused(&[50], &[6.0]).contains("1 to 5"), "a rating of 6");
    assert!(refused(&[50, 50], &[5.0, 4.0]).contains("twice"));
    let item_model = AutoRecConfig::new(Orientation::Item, split.users, split.items).with_hidden(4);
    let item_header = AutoRecHeader::new(item_model.clone(), &ratings, &split);
    let error = block_on(visitor::recommend(&item_model.init(&device).unwrap(), &item_header, &liked, &[5.0, 5.0, 4.0], 5, 0, &device)).unwrap_err();
    assert!(error.to_string().contains("no movie codes"), "an I-AutoRec without its movies' codes: {error}");
}

#[test]
fn the_running_mean_of_models_is_their_elementwise_mean() {
    let device = cpu_device();
    let config = AutoRecConfig::new(Orientation::User, 3, 4).with_hidden(2);
    let models: Vec<_> = (0..3).map(|_| config.init(&device).unwrap()).collect();
    let values = |model: &aestudio::recommend::AutoRec| {
        let mut all = model.encoder.weight.val().into_data().try_to_vec::<f32>().unwrap();
        all.extend(model.decoder.bias.as_ref().unwrap().val().into_data().try_to_vec::<f32>().unwrap());
        all
    };
    let each: Vec<Vec<f32>> = models.iter().map(values).collect();
    assert_ne!(each[0], each[1], "three differently initialized models");
    let mean = models[0].averaged_with(&models[1], 1).averaged_with(&models[2], 2);
    for (k, value) in values(&mean).into_iter().enumerate() {
        let expected = (each[0][k] + each[1][k] + each[2][k]) / 3.0;
        assert!((value - expected).abs() < 1e-6, "value {k}: {value} against {expected}");
    }
}

#[test]
fn the_fold_in_shift_matches_a_hand_computation() {
    // One rating of 4 stars on a movie of code 0.5; the average user's row 1, bias 3; lambda 2.
    // Residual 4 - (1 x 0.5 + 3) = 0.5; X = [0.5, 1]; X X^T + lambda/2 = 0.25 + 1 + 1 = 2.25;
    // dual 0.5 / 2.25 = 2/9; the shift is X^T times it: (1/9, 2/9).
    let (row, bias) = fold_in::ridge_shift(&[0.5], 1, &[4.0], &[1.0], 3.0, 2.0);
    assert!((row[0] - 1.0 / 9.0).abs() < 1e-12 && (bias - 2.0 / 9.0).abs() < 1e-12, "{row:?} {bias}");
    // Without weight decay, two ratings on three free parameters are fitted exactly.
    let codes = [0.2f32, 0.9, 0.7, 0.1];
    let (row, bias) = fold_in::ridge_shift(&codes, 2, &[5.0, 1.0], &[0.0, 0.0], 3.0, 1e-9);
    for (k, stars) in [5.0, 1.0].into_iter().enumerate() {
        let predicted = row[0] * f64::from(codes[2 * k]) + row[1] * f64::from(codes[2 * k + 1]) + 3.0 + bias;
        assert!((predicted - stars).abs() < 1e-6, "movie {k}: {predicted} for {stars} stars");
    }
}

#[test]
fn i_autorec_folds_in_users_it_never_saw_better_than_item_biases() {
    let device = cpu_device();
    let ratings = movielens_100k();
    // Every tenth user is new: none of their ratings trains the model. Each new user gives 80%
    // of their ratings (in a seeded random order) and is asked the other 20%.
    let is_new = |user: u32| user.is_multiple_of(10);
    let train: Vec<Rating> = ratings.entries.iter().filter(|r| !is_new(r.user)).copied().collect();
    let split = RatingSplit { train, test: Vec::new(), users: ratings.users(), items: ratings.items() };
    let config = AutoRecConfig::new(Orientation::Item, split.users, split.items).with_hidden(100);
    let lambda = 20.0;
    let mut trainer = AutoRecTrainer::new(&config, AutoRecTraining::new().with_epochs(10).with_lambda(lambda), &split, &device).unwrap();
    while !trainer.finished() {
        block_on(trainer.train_epoch()).unwrap();
    }
    // Through the weight file, as the page's live worker gets it.
    let header = AutoRecHeader::new(config, &ratings, &split);
    let loaded = weights::load(&block_on(trainer.export_recommender(&header, "test")).unwrap(), &device).unwrap();
    assert_eq!(loaded.header.fold_in_lambda, Some(lambda));
    let mut users: Vec<Vec<Rating>> = vec![Vec::new(); ratings.users()];
    for rating in ratings.entries.iter().filter(|r| is_new(r.user)) {
        users[rating.user as usize].push(*rating);
    }
    let (mut asked, mut predicted, mut own_means) = (Vec::new(), Vec::new(), Vec::new());
    for (user, mut own) in users.into_iter().enumerate().filter(|(_, own)| !own.is_empty()) {
        own.shuffle(&mut StdRng::seed_from_u64(user as u64));
        let (given, rest) = own.split_at(own.len() * 4 / 5);
        let items: Vec<usize> = given.iter().map(|r| r.item as usize).collect();
        let stars: Vec<f32> = given.iter().map(|r| r.value).collect();
        let all = block_on(fold_in::predict_visitor(&loaded.model, &items, &stars, lambda)).unwrap();
        predicted.extend(rest.iter().map(|r| clip_rating(all[r.item as usize])));
        own_means.extend(rest.iter().map(|_| stars.iter().sum::<f32>() / stars.len() as f32));
        asked.extend_from_slice(rest);
    }
    let folded = rmse(&predicted, &asked);
    let item_biases = rmse(&Biases::fit(&split, 25.0, false).predict_all(&asked), &asked);
    assert!(asked.len() > 1500, "{} asked ratings", asked.len());
    // A visitor who gives only 5 stars: predictions above 5 are ranked before they are clipped,
    // not tied at 5 and left in the order of the ids.
    let liked = [50, 172, 181, 174, 98, 64];
    let top = block_on(visitor::recommend(&loaded.model, &loaded.header, &liked, &[5.0; 6], 10, 0, &device)).unwrap();
    assert!(top.iter().filter(|r| r.predicted == 5.0).count() >= 2, "{top:?}");
    let index = |id: u32| header.item_ids.iter().position(|&known| known == id).unwrap();
    let liked: Vec<usize> = liked.into_iter().map(index).collect();
    let raw = block_on(fold_in::predict_visitor(&loaded.model, &liked, &[5.0; 6], lambda)).unwrap();
    let ranked: Vec<f32> = top.iter().map(|r| raw[index(r.movie_id)]).collect();
    assert!(ranked.windows(2).all(|pair| pair[0] >= pair[1]), "ranked by the unclipped prediction: {ranked:?}");
    let own_mean = rmse(&own_means, &asked);
    // The figures docs/results/recommendation.md quotes (`--nocapture`).
    println!("new users: {} asked ratings, RMSE folded in {folded:.4}, item biases {item_biases:.4}, own mean {own_mean:.4}", asked.len());
    assert!(folded < item_biases - 0.05 && folded < own_mean - 0.05, "folded in {folded}, item biases {item_biases}, own mean {own_mean}");
}

#[test]
fn a_weight_file_of_another_model_is_refused() {
    let device = cpu_device();
    let ratings = movielens_100k();
    let split = ratings.split(0.1, 1).unwrap();
    let config = AutoRecConfig::new(Orientation::User, split.users, split.items).with_hidden(8);
    let header = AutoRecHeader::new(config.clone(), &ratings, &split);
    let bytes = block_on(weights::save(&config.init(&device).unwrap(), &header, "test")).unwrap();
    // The same tensors under a header that promises 9 hidden units (an edit of the same length).
    // The configuration is a JSON string inside the JSON header, so its quotes are escaped.
    let (needle, replacement) = (br#"hidden\":8"#.as_slice(), br#"hidden\":9"#.as_slice());
    let at = bytes.windows(needle.len()).position(|w| w == needle).expect("the header names the hidden units");
    let mut edited = bytes.clone();
    edited[at..at + needle.len()].copy_from_slice(replacement);
    let error = weights::load(&edited, &device).unwrap_err().to_string();
    assert!(error.contains("shape"), "{error}");
    let image_model = block_on(aestudio::model::weights::save(&aestudio::model::Preset::Vae.config().init(&device).unwrap(), "x")).unwrap();
    assert!(weights::load(&image_model, &device).unwrap_err().to_string().contains("aestudio-autorec"));
}

#[test]
fn an_f16_file_is_half_the_size_and_predicts_the_same() {
    use aestudio::model::weights::Precision;
    let device = cpu_device();
    let ratings = movielens_100k();
    let split = ratings.split(0.1, 1).unwrap();
    let config = AutoRecConfig::new(Orientation::User, split.users, split.items).with_hidden(16);
    let mut trainer = AutoRecTrainer::new(&config, AutoRecTraining::new().with_epochs(2), &split, &device).unwrap();
    while !trainer.finished() {
        block_on(trainer.train_epoch()).unwrap();
    }
    let header = AutoRecHeader::new(config, &ratings, &split);
    let full = block_on(weights::save(&trainer.model(), &header, "f32")).unwrap();
    let half = block_on(weights::save_as(&trainer.model(), &header, "f16", Precision::F16)).unwrap();
    let tensors = |bytes: &[u8]| safetensors::SafeTensors::deserialize(bytes).unwrap().tensors().iter().map(|(_, v)| v.data().len()).sum::<usize>();
    assert_eq!(2 * tensors(&half), tensors(&full), "f16 values take half the bytes");
    let predict = |bytes: &[u8]| {
        let loaded = weights::load(bytes, &device).unwrap();
        block_on(predict(&loaded.model, trainer.rows(), &split.test[..2000], &device)).unwrap()
    };
    let largest = predict(&full).iter().zip(predict(&half)).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(largest > 0.0 && largest < 0.01, "f16 weights move a prediction by {largest} stars");
}
