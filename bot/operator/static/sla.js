// Service-level clocks (handoff.sla): each queue and "mine" item whose targets still run
// shows the time left, turns to a warning past the configured share of the target, and
// to a "missed" marker after. The server sends the seconds left; the countdown runs here.

const LABEL = { waiting: "take", first_response: "reply" };
const TICK_MS = 1000;

function clockText(name, left) {
  const what = LABEL[name] || name;
  if (left <= 0) return `${what} target missed`;
  const m = Math.floor(left / 60);
  const s = Math.floor(left % 60);
  return `${what} in ${m}:${String(s).padStart(2, "0")}`;
}

function tick() {
  const now = Date.now();
  for (const badge of document.querySelectorAll(".sla-badge")) {
    const left = (Number(badge.dataset.due) - now) / 1000;
    const warnFrom = Number(badge.dataset.warn);
    const stateNow = left <= 0 ? "missed" : left <= warnFrom ? "warning" : "ok";
    badge.dataset.state = stateNow;
    badge.textContent = clockText(badge.dataset.target, left);
  }
}

function decorate(listId, items) {
  const list = document.getElementById(listId);
  if (!list || !Array.isArray(items)) return;
  const now = Date.now();
  for (const item of items) {
    const clocks = item && typeof item.sla === "object" && item.sla ? item.sla : {};
    const btn = list.querySelector(`.item[data-customer="${CSS.escape(String(item.customer_id))}"]`);
    const meta = btn && btn.querySelector(".item-meta");
    if (!meta) continue;
    for (const [name, clock] of Object.entries(clocks)) {
      if (!clock || typeof clock !== "object") continue;
      const badge = document.createElement("span");
      badge.className = "sla-badge";
      badge.dataset.target = name;
      badge.dataset.due = String(now + Number(clock.left_seconds) * 1000);
      badge.dataset.warn = String(Number(clock.warn_seconds) || 0);
      badge.title = `Target: ${Math.round(Number(clock.target_seconds) / 60)} min to ${LABEL[name] || name}`;
      meta.appendChild(badge);
    }
  }
  tick();
}

document.addEventListener("omnicanal:queue", (event) => decorate("queue", event.detail));
document.addEventListener("omnicanal:mine", (event) => decorate("mine", event.detail));
setInterval(tick, TICK_MS);
