//! What a model minimizes for one input: each term of its objective with its value, its weight
//! and their total, so that the page writes the sum out without knowing the objectives'
//! arithmetic (which [`Objective::terms`] defines and this mirrors, term for term).

use burn::prelude::*;
use serde::Serialize;

use super::explore::{images_tensor, read_floats};
use crate::data::ImageShape;
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

/// [`InputTerms`] of `clean` (one image of the model's shape) under the model's own objective.
pub async fn input_terms(model: &Autoencoder, clean: &[f32], corruption: &Corruption, seed: u64, device: &Device) -> AeResult<InputTerms> {
    let values = model.config().image.values();
    ensure(clean.len() == values, || format!("an image has {values} values, got {}", clean.len()))?;
    corruption.validate()?;
    let clean_row = images_tensor(clean, values, device)?;
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
    /// What multiplies it in the objective (`1/784` for a per-pixel reconstruction of MNIST).
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
    /// All of the above as one equation (TeX): each value braced under its symbol, times its
    /// weight, summed to the total.
    pub tex: String,
}

const RECONSTRUCTION: &str = r"\ell";
const KL: &str = r"\mathrm{KL}";
const FEATURES: &str = r"\text{feature distance}";

/// `terms` of one input under `objective` (of a model of `image`s), as the sum the objective is.
pub fn objective_sum(objective: &Objective, image: ImageShape, terms: &InputTerms) -> ObjectiveSum {
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
            let reconstruction = term(RECONSTRUCTION, 1.0 / objective.scale().divisor(image.values()), Some(terms.reconstruction));
            let penalty = objective.penalty_weight().map(|weight| term(penalty_symbol(objective), weight, terms.penalty));
            std::iter::once(reconstruction).chain(penalty).collect()
        }
    };
    let tex = written_out(&summed, terms.objective, unit, aside.as_ref());
    ObjectiveSum { terms: summed, total: terms.objective, unit, aside, tex }
}

/// `weight × value + … = total unit`, in TeX (see [`ObjectiveSum::tex`]).
fn written_out(terms: &[WeightedTerm], total: f32, unit: &str, aside: Option<&WeightedTerm>) -> String {
    let braced = |term: &WeightedTerm| format!(r"\underbrace{{{}}}_{{{}}}", tex_number(term.value.map(f64::from)), term.symbol);
    let sum: Vec<String> = terms.iter().map(|term| weight_factor(term.weight) + &braced(term)).collect();
    let mut tex = format!("{} = {}", sum.join(" + "), tex_number(Some(f64::from(total))));
    if !unit.is_empty() {
        tex += &format!(r"\ \text{{{unit}}}");
    }
    if let Some(aside) = aside {
        tex += &format!(r";\ \text{{not trained: }} {} = {}", aside.symbol, tex_number(aside.value.map(f64::from)));
    }
    tex
}

/// A value with three significant figures, at most two decimals from 1 up and one from 100 up;
/// a dash where there is none (a term one input cannot give).
fn tex_number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => {
            let size = value.abs();
            let decimals = if size >= 100.0 {
                1
            } else if size >= 1.0 || size == 0.0 {
                2
            } else {
                (2.0 - size.log10().floor()) as usize
            };
            format!("{value:.decimals$}")
        }
        _ => r"\text{–}".to_string(),
    }
}

/// What a term's value is multiplied by, in TeX: nothing for 1; the inverse of a whole number
/// that is no short decimal (the per-pixel 1/784) as that fraction; any other weight as a number.
fn weight_factor(weight: f64) -> String {
    let over = (1.0 / weight).round();
    let short_decimal = format!("{weight:.3e}").parse::<f64>() == Ok(weight);
    if weight == 1.0 {
        String::new()
    } else if !short_decimal && over > 1.0 && (1.0 / weight - over).abs() < 1e-6 {
        format!(r"\tfrac{{1}}{{{over}}}\,")
    } else {
        format!(r"{} \times ", tex_number(Some(weight)))
    }
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
