//! Clustering learned codes: k-means with k-means++ seeding and restarts, scored against the
//! labels by accuracy under the best one-to-one matching of clusters to labels (the Hungarian
//! algorithm, from the `pathfinding` crate) and by normalized mutual information.

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{AeResult, ensure};

/// A k-means solution.
#[derive(Clone, Debug)]
pub struct KMeans {
    /// `k × width` values, row by row.
    pub centroids: Vec<f64>,
    /// The cluster of each point.
    pub assignments: Vec<usize>,
    /// Sum of squared distances of the points to their centroids.
    pub inertia: f64,
}

fn squared_distance(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(&x, &c)| (x as f64 - c) * (x as f64 - c)).sum()
}

/// k-means on `points` (rows of `width`): k-means++ seeding, Lloyd's iterations until no point
/// changes cluster (at most `iterations`), the best of `restarts` runs by inertia.
pub fn kmeans(points: &[f32], width: usize, k: usize, restarts: usize, iterations: usize, seed: u64) -> AeResult<KMeans> {
    ensure(width > 0 && points.len().is_multiple_of(width), || "points must be whole rows".into())?;
    let n = points.len() / width;
    ensure(k >= 1 && k <= n, || format!("k must be 1 to the number of points ({n}), got {k}"))?;
    ensure(restarts >= 1 && iterations >= 1, || "restarts and iterations must be at least 1".into())?;
    let row = |i: usize| &points[i * width..(i + 1) * width];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut best: Option<KMeans> = None;
    for _ in 0..restarts {
        // k-means++: each next centre drawn with probability proportional to the squared distance
        // to the nearest centre chosen so far.
        let mut centroids: Vec<f64> = row(rng.random_range(0..n)).iter().map(|&v| v as f64).collect();
        let mut nearest: Vec<f64> = (0..n).map(|i| squared_distance(row(i), &centroids[..width])).collect();
        while centroids.len() < k * width {
            let total: f64 = nearest.iter().sum();
            let mut target = rng.random::<f64>() * total;
            let chosen = nearest.iter().position(|&d| {
                target -= d;
                target <= 0.0
            });
            let chosen = chosen.unwrap_or(n - 1);
            let start = centroids.len();
            centroids.extend(row(chosen).iter().map(|&v| v as f64));
            for (i, d) in nearest.iter_mut().enumerate() {
                *d = d.min(squared_distance(row(i), &centroids[start..]));
            }
        }
        let mut assignments = vec![usize::MAX; n];
        let mut inertia = 0.0;
        for _ in 0..iterations {
            let mut changed = false;
            inertia = 0.0;
            for (i, assignment) in assignments.iter_mut().enumerate() {
                let (cluster, distance) = (0..k)
                    .map(|c| (c, squared_distance(row(i), &centroids[c * width..(c + 1) * width])))
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .expect("k >= 1");
                changed |= *assignment != cluster;
                *assignment = cluster;
                inertia += distance;
            }
            if !changed {
                break;
            }
            let mut sums = vec![0.0; k * width];
            let mut counts = vec![0usize; k];
            for (i, &cluster) in assignments.iter().enumerate() {
                counts[cluster] += 1;
                for (s, &v) in sums[cluster * width..(cluster + 1) * width].iter_mut().zip(row(i)) {
                    *s += v as f64;
                }
            }
            for c in 0..k {
                // An emptied cluster keeps its centre.
                if counts[c] > 0 {
                    for j in 0..width {
                        centroids[c * width + j] = sums[c * width + j] / counts[c] as f64;
                    }
                }
            }
        }
        if best.as_ref().is_none_or(|b| inertia < b.inertia) {
            best = Some(KMeans { centroids, assignments, inertia });
        }
    }
    Ok(best.expect("restarts >= 1"))
}

/// Each row of `points` scaled to unit length (a zero row stays zero): k-means on these is
/// spherical k-means (Dhillon & Modha 2001), where a code's length (how strongly the encoder
/// responds) does not decide its cluster.
pub fn directions(points: &[f32], width: usize) -> Vec<f32> {
    let mut directions = points.to_vec();
    for row in directions.chunks_mut(width.max(1)) {
        let length = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if length > 0.0 {
            row.iter_mut().for_each(|v| *v /= length);
        }
    }
    directions
}

/// Merges the clusters of `assignments` (numbered `0..`) down to `k` by Ward's linkage: each time
/// the two whose union adds the least to the squared distances to the means,
/// `n_a·n_b / (n_a + n_b) · |mean_a − mean_b|²`. Returns each point's merged cluster, numbered
/// `0..k` in order of first appearance.
pub fn ward_merge(points: &[f32], width: usize, assignments: &[usize], k: usize) -> Vec<usize> {
    let segments = assignments.iter().max().map_or(0, |m| m + 1);
    let means = cluster_means(points, width, assignments, segments);
    let mut counts = vec![0usize; segments];
    assignments.iter().for_each(|&a| counts[a] += 1);
    // Live groups: (count, mean, the segments merged into it).
    let mut groups: Vec<(f64, Vec<f64>, Vec<usize>)> = (0..segments)
        .filter(|&s| counts[s] > 0)
        .map(|s| (counts[s] as f64, means[s * width..(s + 1) * width].to_vec(), vec![s]))
        .collect();
    while groups.len() > k.max(1) {
        let mut best = (f64::INFINITY, 0, 1);
        for a in 0..groups.len() {
            for b in a + 1..groups.len() {
                let distance: f64 = groups[a].1.iter().zip(&groups[b].1).map(|(x, y)| (x - y) * (x - y)).sum();
                let cost = groups[a].0 * groups[b].0 / (groups[a].0 + groups[b].0) * distance;
                if cost < best.0 {
                    best = (cost, a, b);
                }
            }
        }
        let (count_b, mean_b, members_b) = groups.remove(best.2);
        let (count_a, mean_a, members_a) = &mut groups[best.1];
        for (x, y) in mean_a.iter_mut().zip(&mean_b) {
            *x = (*x * *count_a + y * count_b) / (*count_a + count_b);
        }
        *count_a += count_b;
        members_a.extend(members_b);
    }
    let mut merged_of = vec![0usize; segments];
    for (group, (_, _, members)) in groups.iter().enumerate() {
        members.iter().for_each(|&s| merged_of[s] = group);
    }
    let mut renumber = vec![usize::MAX; groups.len()];
    let mut next = 0;
    assignments
        .iter()
        .map(|&a| {
            let group = merged_of[a];
            if renumber[group] == usize::MAX {
                renumber[group] = next;
                next += 1;
            }
            renumber[group]
        })
        .collect()
}

/// The mean of each cluster's rows of `points` (`k × width`, row by row); an empty cluster's
/// mean is zero.
pub fn cluster_means(points: &[f32], width: usize, assignments: &[usize], k: usize) -> Vec<f64> {
    let mut sums = vec![0.0; k * width];
    let mut counts = vec![0usize; k];
    for (row, &cluster) in points.chunks(width).zip(assignments) {
        counts[cluster] += 1;
        for (sum, &value) in sums[cluster * width..(cluster + 1) * width].iter_mut().zip(row) {
            *sum += value as f64;
        }
    }
    for (cluster, &count) in counts.iter().enumerate() {
        sums[cluster * width..(cluster + 1) * width].iter_mut().for_each(|sum| *sum /= count.max(1) as f64);
    }
    sums
}

/// `contingency[c][l]`: how many points of cluster `c` carry label `l`.
fn contingency(assignments: &[usize], labels: &[u8]) -> (Vec<Vec<usize>>, usize, usize) {
    let clusters = assignments.iter().max().map_or(0, |m| m + 1);
    let classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut table = vec![vec![0usize; classes]; clusters];
    for (&c, &l) in assignments.iter().zip(labels) {
        table[c][l as usize] += 1;
    }
    (table, clusters, classes)
}

/// Accuracy of a clustering under the best one-to-one matching of clusters to labels.
pub fn cluster_accuracy(assignments: &[usize], labels: &[u8]) -> AeResult<f64> {
    ensure(assignments.len() == labels.len() && !labels.is_empty(), || "one label per assignment".into())?;
    let (table, clusters, classes) = contingency(assignments, labels);
    let size = clusters.max(classes);
    let mut weights = Matrix::new(size, size, 0i64);
    for (c, counts) in table.iter().enumerate() {
        for (l, &count) in counts.iter().enumerate() {
            weights[(c, l)] = count as i64;
        }
    }
    let (matched, _) = kuhn_munkres(&weights);
    Ok(matched as f64 / labels.len() as f64)
}

/// Normalized mutual information of a clustering and the labels, `I(U; V) / mean(H(U), H(V))`
/// (the arithmetic normalization, scikit-learn's default): 1 for a relabelling of the classes,
/// near 0 for a clustering independent of them.
pub fn normalized_mutual_information(assignments: &[usize], labels: &[u8]) -> AeResult<f64> {
    ensure(assignments.len() == labels.len() && !labels.is_empty(), || "one label per assignment".into())?;
    let n = labels.len() as f64;
    let (table, _, _) = contingency(assignments, labels);
    let cluster_sizes: Vec<f64> = table.iter().map(|row| row.iter().sum::<usize>() as f64).collect();
    let class_sizes: Vec<f64> = (0..table.first().map_or(0, Vec::len)).map(|l| table.iter().map(|row| row[l]).sum::<usize>() as f64).collect();
    let entropy = |sizes: &[f64]| -sizes.iter().filter(|&&s| s > 0.0).map(|&s| (s / n) * (s / n).ln()).sum::<f64>();
    let mut mutual = 0.0;
    for (c, row) in table.iter().enumerate() {
        for (l, &count) in row.iter().enumerate() {
            if count > 0 {
                let joint = count as f64 / n;
                mutual += joint * (joint / ((cluster_sizes[c] / n) * (class_sizes[l] / n))).ln();
            }
        }
    }
    let normalizer = (entropy(&cluster_sizes) + entropy(&class_sizes)) / 2.0;
    Ok(if normalizer > 0.0 { (mutual / normalizer).clamp(0.0, 1.0) } else { 1.0 })
}

/// Both scores of a clustering against the labels: (matched accuracy, NMI).
pub fn accuracy_and_nmi(assignments: &[usize], labels: &[u8]) -> AeResult<(f64, f64)> {
    Ok((cluster_accuracy(assignments, labels)?, normalized_mutual_information(assignments, labels)?))
}

/// The cluster of each row of a clustering model's codes: the argmax of its first `clusters`
/// values (the categorical part; see [`crate::model::Prior::Clusters`]).
pub fn categorical_assignments(codes: &[f32], width: usize, clusters: usize) -> AeResult<Vec<usize>> {
    ensure(clusters >= 1 && clusters <= width && codes.len().is_multiple_of(width), || {
        format!("codes of width {width} with {clusters} clusters in front must be whole rows")
    })?;
    let argmax = |row: &[f32]| (0..clusters).fold(0, |best, c| if row[c] > row[best] { c } else { best });
    Ok(codes.chunks_exact(width).map(argmax).collect())
}

/// How a cluster is given a class, for scoring a clustering as a classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterLabelling {
    /// Makhzani et al.'s protocol: each cluster takes the label of the one labelled image with
    /// the highest probability of belonging to it.
    MostConfident,
    /// Each cluster takes its labelled images' most frequent label (many-to-one).
    Majority,
}

/// The class of each of `clusters` clusters, from labelled images' codes (rows of `width`, the
/// categorical part first) under `labelling`; a cluster no image falls in (or, for the most
/// confident image, an empty set) gets class 0, which then only costs accuracy.
pub fn cluster_classes(codes: &[f32], width: usize, clusters: usize, labels: &[u8], labelling: ClusterLabelling) -> AeResult<Vec<u8>> {
    let assignments = categorical_assignments(codes, width, clusters)?;
    ensure(assignments.len() == labels.len(), || "one label per code".into())?;
    Ok(match labelling {
        ClusterLabelling::MostConfident => (0..clusters)
            .map(|c| {
                let probability = |i: &usize| codes[i * width + c];
                let best = (0..labels.len()).max_by(|a, b| probability(a).total_cmp(&probability(b)));
                best.map_or(0, |i| labels[i])
            })
            .collect(),
        ClusterLabelling::Majority => {
            let mut counts = vec![[0usize; 256]; clusters];
            for (&c, &l) in assignments.iter().zip(labels) {
                counts[c][l as usize] += 1;
            }
            let most_frequent = |row: &[usize; 256]| (0..256).fold(0, |best, l| if row[l] > row[best] { l } else { best }) as u8;
            counts.iter().map(most_frequent).collect()
        }
    })
}

/// The share of images whose cluster's class (`classes`, from [`cluster_classes`]) is their
/// label.
pub fn labelled_cluster_accuracy(assignments: &[usize], classes: &[u8], labels: &[u8]) -> AeResult<f64> {
    ensure(assignments.len() == labels.len() && !labels.is_empty(), || "one label per assignment".into())?;
    ensure(assignments.iter().all(|&c| c < classes.len()), || "an assignment to a cluster without a class".into())?;
    let right = assignments.iter().zip(labels).filter(|&(&c, &l)| classes[c] == l).count();
    Ok(right as f64 / labels.len() as f64)
}

/// A clustering model's own clusters (the argmax of the categorical code) scored as a
/// classifier: how many clusters the `test` codes use, their accuracy with each cluster given a
/// class from the `labelled` codes under `labelling`, and their NMI. Codes are rows of `width`
/// with the categorical part first.
pub fn categorical_scores(labelled: (&[f32], &[u8]), test: (&[f32], &[u8]), width: usize, clusters: usize, labelling: ClusterLabelling) -> AeResult<CategoricalScores> {
    let (test_codes, test_labels) = test;
    let assignments = categorical_assignments(test_codes, width, clusters)?;
    let used = assignments.iter().collect::<std::collections::BTreeSet<_>>().len();
    let classes = cluster_classes(labelled.0, width, clusters, labelled.1, labelling)?;
    let accuracy = labelled_cluster_accuracy(&assignments, &classes, test_labels)?;
    Ok(CategoricalScores { used, accuracy, nmi: normalized_mutual_information(&assignments, test_labels)? })
}

/// What [`categorical_scores`] finds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct CategoricalScores {
    /// Clusters holding at least one test image.
    pub used: usize,
    pub accuracy: f64,
    pub nmi: f64,
}

