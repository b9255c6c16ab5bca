// The survey's equations, typeset by KaTeX: the fixed ones of each panel (elements with a
// `data-tex` attribute), and those the core writes (each objective's own, and its terms filled in
// with the values the model gives one input).
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
