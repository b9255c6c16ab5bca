//! MovieLens ratings: parsing (checksums verified, every line checked), dense user and item
//! indices, the seeded random split of AutoRec's protocol, and the movie titles.
//!
//! Like the image datasets, the same code reads files on disk (the command line) and bytes the
//! browser fetched (the page), so a corrupted or malformed file fails the same way everywhere.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::DataFile;
use crate::data::datasets::verify_md5;
use crate::error::{AeError, AeResult};

/// The lowest and highest rating MovieLens allows (whole stars).
pub const RATING_RANGE: (f32, f32) = (1.0, 5.0);

/// How a ratings file separates its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingsFormat {
    /// `UserID::MovieID::Rating::Timestamp` (MovieLens 1M).
    DoubleColon,
    /// `user id \t item id \t rating \t timestamp` (MovieLens 100K).
    Tab,
}

/// A MovieLens release: its ratings and movies files and their checksums.
#[derive(Clone, Copy, Debug)]
pub struct RatingsFiles {
    pub name: &'static str,
    pub ratings: DataFile,
    pub movies: DataFile,
    pub format: RatingsFormat,
}

/// MovieLens 1M (GroupLens): 1,000,209 ratings of 3,706 movies by 6,040 users.
pub const MOVIELENS_1M: RatingsFiles = RatingsFiles {
    name: "ml-1m",
    ratings: DataFile { name: "ratings.dat", md5: "a89aa3591bc97d6d4e0c89459ff39362" },
    movies: DataFile { name: "movies.dat", md5: "ef9fd9ff8d1b33faf73e2122c371e910" },
    format: RatingsFormat::DoubleColon,
};

/// MovieLens 100K (GroupLens): 100,000 ratings of 1,682 movies by 943 users.
pub const MOVIELENS_100K: RatingsFiles = RatingsFiles {
    name: "ml-100k",
    ratings: DataFile { name: "u.data", md5: "6e47046882bad158b0efbb84cd5cb987" },
    movies: DataFile { name: "u.item", md5: "c9e7f390115d79079537301d5204f3f7" },
    format: RatingsFormat::Tab,
};

impl RatingsFiles {
    /// Both releases the project reads.
    pub const ALL: [RatingsFiles; 2] = [MOVIELENS_1M, MOVIELENS_100K];

    /// The release called `name` ("ml-1m" or "ml-100k").
    pub fn by_name(name: &str) -> AeResult<RatingsFiles> {
        Self::ALL.into_iter().find(|files| files.name == name).ok_or_else(|| {
            AeError::InvalidConfig(format!("unknown ratings dataset '{name}', expected ml-1m or ml-100k"))
        })
    }

    /// The ratings from the bytes of the ratings file, checksum verified.
    pub fn parse_ratings(&self, bytes: &[u8]) -> AeResult<Ratings> {
        verify_md5(self.ratings, bytes)?;
        Ratings::parse(bytes, self.format)
    }

    /// Reads and parses the ratings file from `dir`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load_ratings(&self, dir: &std::path::Path) -> AeResult<Ratings> {
        let path = dir.join(self.ratings.name);
        let bytes = std::fs::read(&path).map_err(|err| {
            AeError::Data(format!("cannot read {}: {err} (run `./build.sh data` to fetch it)", path.display()))
        })?;
        self.parse_ratings(&bytes)
    }

    /// The movie titles from the bytes of the movies file, checksum verified.
    pub fn parse_movies(&self, bytes: &[u8]) -> AeResult<Movies> {
        verify_md5(self.movies, bytes)?;
        Movies::parse(bytes, self.format)
    }
}

/// One rating, by dense user and item indices (`0..users`, `0..items`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub value: f32,
}

/// Every rating of a release, with the original ids behind the dense indices.
#[derive(Clone, Debug)]
pub struct Ratings {
    pub entries: Vec<Rating>,
    /// The file's user id of each dense user index, ascending.
    pub user_ids: Vec<u32>,
    /// The file's movie id of each dense item index, ascending.
    pub item_ids: Vec<u32>,
}

/// A line's fields, or why the line is malformed.
fn fields(line: &str, format: RatingsFormat) -> Option<(u32, u32, f32)> {
    let mut parts: Vec<&str> = match format {
        RatingsFormat::DoubleColon => line.split("::").collect(),
        RatingsFormat::Tab => line.split('\t').collect(),
    };
    if parts.len() != 4 {
        return None;
    }
    parts.truncate(3);
    Some((parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?))
}

/// Dense indices for `ids` (ascending order of id) and the map from id to index.
fn dense_indices(mut ids: Vec<u32>) -> (Vec<u32>, HashMap<u32, u32>) {
    ids.sort_unstable();
    ids.dedup();
    let index = ids.iter().enumerate().map(|(position, &id)| (id, position as u32)).collect();
    (ids, index)
}

impl Ratings {
    /// Parses a ratings file, refusing a malformed line or a rating outside 1..5 with its line number.
    pub fn parse(bytes: &[u8], format: RatingsFormat) -> AeResult<Ratings> {
        let text = std::str::from_utf8(bytes).map_err(|err| AeError::Data(format!("the ratings file is not text: {err}")))?;
        let mut raw = Vec::new();
        for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.is_empty()) {
            let (user, item, value) = fields(line, format).ok_or_else(|| {
                AeError::Data(format!("ratings line {}: malformed ({line:?}); expected user, movie, rating, timestamp", number + 1))
            })?;
            check_rating(value).map_err(|reason| AeError::Data(format!("ratings line {}: {reason}", number + 1)))?;
            raw.push((user, item, value));
        }
        if raw.is_empty() {
            return Err(AeError::Data("the ratings file holds no ratings".into()));
        }
        let (user_ids, user_index) = dense_indices(raw.iter().map(|r| r.0).collect());
        let (item_ids, item_index) = dense_indices(raw.iter().map(|r| r.1).collect());
        let entries = raw
            .into_iter()
            .map(|(user, item, value)| Rating { user: user_index[&user], item: item_index[&item], value })
            .collect();
        Ok(Ratings { entries, user_ids, item_ids })
    }

    pub fn users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn items(&self) -> usize {
        self.item_ids.len()
    }

    /// AutoRec's protocol: a seeded random share `test_share` of the ratings for testing, the
    /// rest for training; no rating is in both.
    pub fn split(&self, test_share: f64, seed: u64) -> AeResult<RatingSplit> {
        if !(test_share > 0.0 && test_share < 1.0) {
            return Err(AeError::InvalidConfig(format!("the test share must be in (0, 1), got {test_share}")));
        }
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        let test_len = ((self.entries.len() as f64) * test_share).round() as usize;
        let pick = |positions: &[usize]| positions.iter().map(|&p| self.entries[p]).collect();
        Ok(RatingSplit {
            test: pick(&order[..test_len]),
            train: pick(&order[test_len..]),
            users: self.users(),
            items: self.items(),
        })
    }
}

/// Refuses a rating that is not a whole number of stars from 1 to 5.
pub fn check_rating(value: f32) -> Result<(), String> {
    let (low, high) = RATING_RANGE;
    if value.is_finite() && value >= low && value <= high && value.fract() == 0.0 {
        Ok(())
    } else {
        Err(format!("rating {value} is not a whole number of stars from 1 to 5"))
    }
}

/// Training and test ratings over the same users and items.
#[derive(Clone, Debug)]
pub struct RatingSplit {
    pub train: Vec<Rating>,
    pub test: Vec<Rating>,
    pub users: usize,
    pub items: usize,
}

impl RatingSplit {
    /// A seeded random share `validation_share` of the training ratings as the test part of a
    /// new split, the rest for training: settings are then chosen without looking at the test set.
    pub fn holdout(&self, validation_share: f64, seed: u64) -> AeResult<RatingSplit> {
        let training = Ratings { entries: self.train.clone(), user_ids: Vec::new(), item_ids: Vec::new() };
        let mut split = training.split(validation_share, seed)?;
        (split.users, split.items) = (self.users, self.items);
        Ok(split)
    }
}

/// One movie of a movies file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Movie {
    /// The id the ratings file uses.
    pub id: u32,
    pub title: String,
    pub genres: Vec<&'static str>,
}

/// MovieLens 100K's genres, in the order of `u.item`'s 19 flags (`u.genre`).
const GENRES_100K: [&str; 19] = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
];

/// The movies of a movies file, in the file's order.
#[derive(Clone, Debug, Default)]
pub struct Movies {
    pub movies: Vec<Movie>,
}

impl Movies {
    /// Parses `movies.dat` (`MovieID::Title::Genre|Genre`) or `u.item` (`id|title|date|video
    /// date|url|` and 19 genre flags); both are Latin-1, so each byte is one character.
    pub fn parse(bytes: &[u8], format: RatingsFormat) -> AeResult<Movies> {
        let text: String = bytes.iter().map(|&byte| byte as char).collect();
        let movies = text.lines().enumerate().filter(|(_, line)| !line.is_empty()).map(|(number, line)| {
            parse_movie(line, format).ok_or_else(|| AeError::Data(format!("movies line {}: malformed ({line:?})", number + 1)))
        });
        Ok(Movies { movies: movies.collect::<AeResult<_>>()? })
    }
}

fn parse_movie(line: &str, format: RatingsFormat) -> Option<Movie> {
    let (id, title, genres) = match format {
        RatingsFormat::DoubleColon => {
            let [id, title, genres] = line.splitn(3, "::").collect::<Vec<_>>().try_into().ok()?;
            let known = |name: &str| GENRES_100K.iter().copied().find(|&genre| genre == name);
            (id, title, genres.split('|').map(known).collect::<Option<Vec<_>>>()?)
        }
        RatingsFormat::Tab => {
            let fields: Vec<&str> = line.split('|').collect();
            let flags = fields.get(5..)?;
            if flags.len() != GENRES_100K.len() || flags.iter().any(|flag| !matches!(*flag, "0" | "1")) {
                return None;
            }
            (fields[0], fields[1], GENRES_100K.iter().zip(flags).filter(|(_, flag)| **flag == "1").map(|(genre, _)| *genre).collect())
        }
    };
    Some(Movie { id: id.parse().ok()?, title: title.to_string(), genres })
}
