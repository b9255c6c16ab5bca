// Small DOM helpers shared by the panels.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Shows `message` in the element `id`, or hides it when there is none. */
export function show(id, message) {
  $(id).textContent = message ?? '';
  $(id).hidden = !message;
}

/** The `q` quantile of `values` (nearest rank). */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
