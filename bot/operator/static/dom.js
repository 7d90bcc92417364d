// Small DOM helpers every console page's module imports, so each builds its nodes the
// same way (text always through textContent: nothing a customer wrote becomes markup).

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

// "3 no consent, 1 unreachable" from {no_consent: 3, unreachable: 1} (a campaign's skips
// or failures by reason).
export function reasons(counted) {
  return Object.entries(counted || {}).map(([reason, n]) => `${n} ${reason.replaceAll("_", " ")}`).join(", ");
}
