//! What a model minimizes for one input: each term of its objective with its value, its weight
//! and their total, so that the page writes the sum out without knowing the objectives'
//! arithmetic (which [`Objective::terms`] defines and this mirrors, term for term).

use burn::prelude::*;
use serde::Serialize;

use super::explore::{images_tensor, read_floats};
use crate::data::PIXELS;
use crate::error::{AeResult, ensure};
use crate::model::{Autoencoder, Objective, Scale};
use crate::nn::noise::Corruption;
use crate::nn::random::with_batch_rows;

/// The training objective's terms for one input, as the model minimizes them: the reconstruction
/// of `clean` from its corrupted version (the corruption drawn from generators seeded by `seed`,
/// as [`super::explore::denoise`] draws it), and the objective's KL or penalty.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InputTerms {
    /// The reconstruction loss summed over the pixels (nats for a Bernoulli decoder).
    pub reconstruction: f32,
    /// KL(q(z|x) ‖ prior) in nats, summed over the code units (variational objectives).
    pub kl: Option<f32>,
    /// The penalty before its weight (sparse, contractive, adversarial, MMD objectives).
    pub penalty: Option<f32>,
    /// The objective's value for this input, in its unit ([`crate::model::Scale`]).
    pub objective: f32,
}

/// [`InputTerms`] of `clean` (784 pixels) under the model's own objective.
pub async fn input_terms(model: &Autoencoder, clean: &[f32], corruption: &Corruption, seed: u64, device: &Device) -> AeResult<InputTerms> {
    ensure(clean.len() == PIXELS, || format!("an image has {PIXELS} pixels, got {}", clean.len()))?;
    corruption.validate()?;
    let clean_row = images_tensor(clean, device)?;
    // The corruption is the first draw, as in `denoise`, so both see the same noise; a VAE's
    // sample of its code is the second.
    let terms = with_batch_rows(seed, 0..1, 1, || model.loss(corruption.apply(clean_row.clone()), clean_row));
    let first = |values: Vec<f32>| values.first().copied().unwrap_or(f32::NAN);
    Ok(InputTerms {
        reconstruction: first(read_floats(terms.reconstruction).await?),
        kl: match terms.kl { Some(kl) => Some(first(read_floats(kl).await?)), None => None },
        penalty: match terms.penalty { Some(penalty) => Some(first(read_floats(penalty).await?)), None => None },
        objective: first(read_floats(terms.objective).await?),
    })
}

/// One term of an objective for one input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightedTerm {
    /// Its symbol, in TeX.
    pub symbol: &'static str,
    /// What multiplies it in the objective (`1/784` for a per-pixel reconstruction).
    pub weight: f64,
    /// Its value before the weight; `None` where one input cannot give it (a labelled critic).
    pub value: Option<f32>,
}

/// An objective for one input, written out: `sum of weight x value = total`, in `unit`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveSum {
    pub terms: Vec<WeightedTerm>,
    pub total: f32,
    /// "nats", "per pixel", a note ("the encoder's loss"), or empty (per sample).
    pub unit: &'static str,
    /// A figure shown beside the sum but not part of it (BiGAN's reconstruction, never trained).
    pub aside: Option<WeightedTerm>,
}

const RECONSTRUCTION: &str = r"\ell";
const KL: &str = r"\mathrm{KL}";
const FEATURES: &str = r"\text{feature distance}";

/// `terms` of one input under `objective`, as the sum the objective is.
pub fn objective_sum(objective: &Objective, terms: &InputTerms) -> ObjectiveSum {
    let term = |symbol, weight, value| WeightedTerm { symbol, weight, value };
    let unit = match (objective, objective.scale()) {
        (Objective::Variational { .. }, _) => "nats",
        (Objective::VaeGan { .. }, _) => "the encoder's loss",
        (_, Scale::PerPixel) => "per pixel",
        (_, Scale::PerSample) => "",
    };
    let mut aside = None;
    let summed = match *objective {
        Objective::Variational { beta } => vec![term(r"-\log p(x\mid z)", 1.0, Some(terms.reconstruction)), term(KL, beta, terms.kl)],
        Objective::FeatureConsistent { beta } => vec![term(FEATURES, 1.0, terms.penalty), term(KL, beta, terms.kl)],
        Objective::VaeGan { .. } => vec![term(KL, 1.0, terms.kl), term(FEATURES, 1.0, terms.penalty)],
        Objective::Bidirectional => {
            aside = Some(term(r"\|x - G(E(x))\|^2", 1.0, Some(terms.reconstruction)));
            vec![term(r"\text{fooling the critic}", 1.0, terms.penalty)]
        }
        _ => {
            let reconstruction = term(RECONSTRUCTION, 1.0 / objective.scale().divisor(), Some(terms.reconstruction));
            let penalty = objective.penalty_weight().map(|weight| term(penalty_symbol(objective), weight, terms.penalty));
            std::iter::once(reconstruction).chain(penalty).collect()
        }
    };
    ObjectiveSum { terms: summed, total: terms.objective, unit, aside }
}

fn penalty_symbol(objective: &Objective) -> &'static str {
    match objective {
        Objective::SparseL1 { .. } => r"\textstyle\sum_j |h_j|",
        Objective::SparseKl { .. } => r"\textstyle\sum_j \mathrm{KL}(\rho\|\hat\rho_j)",
        Objective::Contractive { .. } => r"\|J_f\|_F^2",
        Objective::Adversarial { .. } => r"-\log D",
        Objective::Mmd { .. } => r"\mathrm{MMD}",
        _ => r"\text{penalty}",
    }
}
