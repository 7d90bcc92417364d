// "typing…" under the transcript while the customer of the open conversation types, and
// on their item in the lists: shown for ~5 s after each typing frame (the web chat sends
// one every 2 s while the visitor types; Telegram and WhatsApp do not report typing).

const desk = () => window.omnicanalOperator;
const line = document.getElementById("typing-line");
const SHOWN_MS = 5000;
const until = new Map(); // customer id → when "typing…" ends
const seenAt = new Map(); // customer id → their last message seen in the transcript
let timer = null;

function render() {
  const now = Date.now();
  for (const [id, end] of until) if (end <= now) until.delete(id);
  const open = desk().state.openId;
  const typing = Boolean(open) && until.has(open);
  line.hidden = !typing;
  line.textContent = typing ? `${document.getElementById("conv-name").textContent || "The customer"} is typing…` : "";
  for (const item of document.querySelectorAll(".item[data-customer]")) {
    item.classList.toggle("typing", until.has(item.dataset.customer));
  }
  clearTimeout(timer);
  if (until.size) timer = setTimeout(render, Math.min(...until.values()) - now + 50);
}

document.addEventListener("omnicanal:live", (event) => {
  const frame = event.detail || {};
  if (frame.type !== "typing" || !frame.customer_id) return;
  until.set(String(frame.customer_id), Date.now() + SHOWN_MS);
  render();
});

// A message arrived (or another conversation opened): the line follows what is open.
document.addEventListener("omnicanal:conversation", (event) => {
  const conv = event.detail || {};
  const id = String(conv.customer_id);
  const entries = Array.isArray(conv.transcript) ? conv.transcript : [];
  const last = entries.filter((e) => e && e.author === "customer").pop();
  const at = last ? Number(last.at) || 0 : 0;
  if (seenAt.has(id) && at > seenAt.get(id)) until.delete(id); // what they typed is here
  seenAt.set(id, at);
  render();
});
document.addEventListener("omnicanal:queue", render);
document.addEventListener("omnicanal:mine", render);
