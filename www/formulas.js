// The survey's equations, typeset by KaTeX: the fixed ones of each panel (elements with a
// `data-tex` attribute), each objective's own, and an objective's terms filled in with the values
// the model gives one input.
import katex from './vendor/katex/katex.mjs';

// A display equation does not break across lines; on a phone, equations are set inline, where
// KaTeX breaks them after a relation or an operator, so that none is wider than the screen.
const narrow = matchMedia('(max-width: 600px)');

/** Typesets `tex` into `element` (a block when `display`, on a screen wide enough). */
export function typeset(element, tex, display = false) {
  katex.render(tex, element, { throwOnError: false, displayMode: display && !narrow.matches });
}

/** Typesets every element with a `data-tex` attribute (blocks for `div`s). */
export function typesetPage(root = document) {
  for (const element of root.querySelectorAll('[data-tex]')) typeset(element, element.dataset.tex, element.tagName === 'DIV');
}

const KL = String.raw`\mathrm{KL}\big(q(z\mid x)\,\|\,\mathcal N(0, I)\big)`;
const LOSS = String.raw`\ell\big(x, g(f(\tilde x))\big)`;

/** Each objective kind (Rust's `Objective`, serde names): what it is, and what it minimizes. */
const OBJECTIVES = {
  reconstruction: {
    idea: 'An encoder f and a decoder g learn to give the input back through a narrow code; a denoising one sees a corrupted x̃ and must give back the clean x.',
    tex: String.raw`\min_{f,g}\ ${LOSS}`,
  },
  variational: {
    idea: 'The VAE: the encoder gives a Gaussian posterior q(z|x), the decoder a likelihood p(x|z); training maximizes the evidence lower bound (ELBO). β > 1 is the β-VAE: a code closer to the prior, traded for reconstruction.',
    tex: String.raw`-\mathrm{ELBO} = \mathbb E_{q(z\mid x)}\big[-\log p(x\mid z)\big] + \beta\,${KL}`,
  },
  sparse_l1: {
    idea: 'A sparse autoencoder: few code units may be active for any one input, by an L1 penalty on the code h = f(x).',
    tex: String.raw`${LOSS} + \lambda \sum_j |h_j|`,
  },
  sparse_kl: {
    idea: 'A sparse autoencoder, KL form: each unit’s mean activation over the batch, ρ̂ⱼ, is held near a small target ρ.',
    tex: String.raw`${LOSS} + \lambda \sum_j \mathrm{KL}(\rho\,\|\,\hat\rho_j),\quad \hat\rho_j = \tfrac1m \textstyle\sum_i h_j(x_i)`,
  },
  contractive: {
    idea: 'A contractive autoencoder: the code must change little when the input does, by a penalty on the encoder’s Jacobian.',
    tex: String.raw`${LOSS} + \lambda\,\big\|J_f(x)\big\|_F^2 = ${LOSS} + \lambda \sum_{j,i} \Big(\frac{\partial h_j}{\partial x_i}\Big)^2`,
  },
  adversarial: {
    idea: 'An adversarial autoencoder: a critic D learns to tell codes from samples of the prior p(z); the encoder learns to fool it while the decoder reconstructs.',
    tex: String.raw`${LOSS} + w\,\big(-\log D(f(x))\big),\quad \max_D\ \mathbb E_{z\sim p}\log D(z) + \mathbb E_x \log\big(1 - D(f(x))\big)`,
  },
  mmd: {
    idea: 'A Wasserstein autoencoder, MMD form: the batch’s codes are matched to as many prior samples by the maximum mean discrepancy.',
    tex: String.raw`${LOSS} + \lambda\,\mathrm{MMD}_k\big(\{f(x_i)\}, \{z_i \sim \mathcal N(0, I)\}\big),\quad k(a, b) = \frac{C}{C + \|a - b\|^2}`,
  },
  bidirectional: {
    idea: 'A bidirectional GAN (BiGAN, ALI): no reconstruction term at all; a critic sees (image, code) pairs, and encoder and generator learn to fool it, which makes E invert G.',
    tex: String.raw`\min_{E, G}\max_D\ \mathbb E_x \log D\big(x, E(x)\big) + \mathbb E_{z} \log\big(1 - D(G(z), z)\big)`,
  },
  vae_gan: {
    idea: 'VAE-GAN: the reconstruction is measured in the hidden features Dis_l of an image critic, whose game the decoder also plays.',
    tex: String.raw`${KL} + \tfrac12\big\|\mathrm{Dis}_l(x) - \mathrm{Dis}_l(\hat x)\big\|^2 + \mathcal L_{\mathrm{GAN}}`,
  },
  feature_consistent: {
    idea: 'The deep-feature-consistent VAE: the reconstruction is measured in a fixed classifier’s feature maps Φ_l, not in pixels.',
    tex: String.raw`\tfrac12 \sum_l \big\|\Phi_l(x) - \Phi_l(\hat x)\big\|^2 + \beta\,${KL}`,
  },
};

/**
 * The idea and the equation of `objective` (Rust's, with its settings): its kind's, and for a
 * clustering AAE trained with views, the views' consistency term too.
 */
export function objectiveAccount(objective) {
  const account = OBJECTIVES[objective?.kind];
  const consistency = objective?.prior?.kind === 'clusters' ? objective.prior.consistency ?? 0 : 0;
  if (!account || !(consistency > 0)) return account ?? null;
  return {
    idea: `${account.idea} Its code is a cluster y (a softmax q(y|x)) beside a style; while training, a view t(x) of each image (turned, zoomed and shifted a little) is pulled into the image's cluster, the batch's assignments first evened out over the clusters.`,
    tex: String.raw`${LOSS} + w\,\big(-\log D(f(x))\big) + c\,\mathrm{KL}\big(\mathrm{even}(q(y\mid x))\,\|\,q(y\mid t(x))\big)`,
  };
}

// A term the model cannot give for one input (a labelled prior's critic needs the label) shows as a dash.
const number = (value) => (value == null || !Number.isFinite(value) ? String.raw`\text{–}` : Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3));
const term = ({ symbol, value }) => String.raw`\underbrace{${number(value)}}_{${symbol}}`;
// A weight of 1 is left out; one that is not a short decimal but the inverse of a whole number
// (the per-pixel 1/784) is written as that fraction; any other as a number.
const weighted = (item) => {
  const { weight } = item;
  const over = Math.round(1 / weight);
  const fraction = Number(weight.toPrecision(4)) !== weight && over > 1 && Math.abs(1 / weight - over) < 1e-6;
  const factor = weight === 1 ? '' : fraction ? String.raw`\tfrac{1}{${over}}\,` : String.raw`${number(weight)} \times `;
  return factor + term(item);
};

/** The core's written-out objective for one input (`uses::terms::ObjectiveSum`), in TeX. */
export function filledObjective({ terms, total, unit, aside }) {
  const sum = `${terms.map(weighted).join(' + ')} = ${number(total)}${unit ? String.raw`\ \text{${unit}}` : ''}`;
  return aside ? String.raw`${sum};\ \text{not trained: } ${aside.symbol} = ${number(aside.value)}` : sum;
}
