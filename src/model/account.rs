//! What each objective is, in words and as an equation (TeX, for KaTeX): the account the page
//! shows beside the Train form and the model in use, kept next to the objective it describes so
//! that a new objective cannot reach the page without one.

use serde::Serialize;

use crate::model::objective::Objective;
use crate::model::prior::Prior;

/// An objective in words (`idea`) and as the equation it minimizes (`tex`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Account {
    pub idea: String,
    pub tex: String,
}

const KL: &str = r"\mathrm{KL}\big(q(z\mid x)\,\|\,\mathcal N(0, I)\big)";
const LOSS: &str = r"\ell\big(x, g(f(\tilde x))\big)";

impl Objective {
    /// The objective's idea and equation; a clustering AAE trained with views (a consistency
    /// weight above 0) adds the views' term.
    pub fn account(&self) -> Account {
        let (idea, tex) = self.kind_account();
        match self {
            Objective::Adversarial { prior: Prior::Clusters { consistency, .. }, .. } if *consistency > 0.0 => Account {
                idea: format!(
                    "{idea} Its code is a cluster y (a softmax q(y|x)) beside a style; while training, a view t(x) of each image \
                     (turned, zoomed and shifted a little) is pulled into the image's cluster, the batch's assignments first evened out \
                     over the clusters."
                ),
                tex: format!(r"{LOSS} + w\,\big(-\log D(f(x))\big) + c\,\mathrm{{KL}}\big(\mathrm{{even}}(q(y\mid x))\,\|\,q(y\mid t(x))\big)"),
            },
            _ => Account { idea: idea.to_string(), tex },
        }
    }

    fn kind_account(&self) -> (&'static str, String) {
        match self {
            Objective::Reconstruction => (
                "An encoder f and a decoder g learn to give the input back through a narrow code; a denoising one sees a corrupted x̃ \
                 and must give back the clean x.",
                format!(r"\min_{{f,g}}\ {LOSS}"),
            ),
            Objective::Variational { .. } => (
                "The VAE: the encoder gives a Gaussian posterior q(z|x), the decoder a likelihood p(x|z); training maximizes the \
                 evidence lower bound (ELBO). β > 1 is the β-VAE: a code closer to the prior, traded for reconstruction.",
                format!(r"-\mathrm{{ELBO}} = \mathbb E_{{q(z\mid x)}}\big[-\log p(x\mid z)\big] + \beta\,{KL}"),
            ),
            Objective::SparseL1 { .. } => (
                "A sparse autoencoder: few code units may be active for any one input, by an L1 penalty on the code h = f(x).",
                format!(r"{LOSS} + \lambda \sum_j |h_j|"),
            ),
            Objective::SparseKl { .. } => (
                "A sparse autoencoder, KL form: each unit’s mean activation over the batch, ρ̂ⱼ, is held near a small target ρ.",
                format!(r"{LOSS} + \lambda \sum_j \mathrm{{KL}}(\rho\,\|\,\hat\rho_j),\quad \hat\rho_j = \tfrac1m \textstyle\sum_i h_j(x_i)"),
            ),
            Objective::Contractive { .. } => (
                "A contractive autoencoder: the code must change little when the input does, by a penalty on the encoder’s Jacobian.",
                format!(r"{LOSS} + \lambda\,\big\|J_f(x)\big\|_F^2 = {LOSS} + \lambda \sum_{{j,i}} \Big(\frac{{\partial h_j}}{{\partial x_i}}\Big)^2"),
            ),
            Objective::Adversarial { .. } => (
                "An adversarial autoencoder: a critic D learns to tell codes from samples of the prior p(z); the encoder learns to \
                 fool it while the decoder reconstructs.",
                format!(r"{LOSS} + w\,\big(-\log D(f(x))\big),\quad \max_D\ \mathbb E_{{z\sim p}}\log D(z) + \mathbb E_x \log\big(1 - D(f(x))\big)"),
            ),
            Objective::Mmd { .. } => (
                "A Wasserstein autoencoder, MMD form: the batch’s codes are matched to as many prior samples by the maximum mean \
                 discrepancy.",
                format!(
                    r"{LOSS} + \lambda\,\mathrm{{MMD}}_k\big(\{{f(x_i)\}}, \{{z_i \sim \mathcal N(0, I)\}}\big),\quad k(a, b) = \frac{{C}}{{C + \|a - b\|^2}}"
                ),
            ),
            Objective::Bidirectional => (
                "A bidirectional GAN (BiGAN, ALI): no reconstruction term at all; a critic sees (image, code) pairs, and encoder and \
                 generator learn to fool it, which makes E invert G.",
                r"\min_{E, G}\max_D\ \mathbb E_x \log D\big(x, E(x)\big) + \mathbb E_{z} \log\big(1 - D(G(z), z)\big)".to_string(),
            ),
            Objective::VaeGan { .. } => (
                "VAE-GAN: the reconstruction is measured in the hidden features Dis_l of an image critic, whose game the decoder also \
                 plays.",
                format!(r"{KL} + \tfrac12\big\|\mathrm{{Dis}}_l(x) - \mathrm{{Dis}}_l(\hat x)\big\|^2 + \mathcal L_{{\mathrm{{GAN}}}}"),
            ),
            Objective::FeatureConsistent { .. } => (
                "The deep-feature-consistent VAE: the reconstruction is measured in a fixed classifier’s feature maps Φ_l, not in \
                 pixels.",
                format!(r"\tfrac12 \sum_l \big\|\Phi_l(x) - \Phi_l(\hat x)\big\|^2 + \beta\,{KL}"),
            ),
        }
    }
}
