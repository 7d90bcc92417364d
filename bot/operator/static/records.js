// A customer's data on request, from the profile panel, for supervisors only: "Export
// data" downloads everything held about them as one JSON document; "Erase customer"
// erases them on every channel once their short id is typed (the server checks it too).
// The same functions serve the business API (bot/privacy.py); the audit record names
// the supervisor. Operators never see the panel, and the server answers them 403.

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const SHORT = 6; // bot/operator/views.py short_id
let current = null;

const shortId = (id) => String(id || "").slice(0, SHORT);

function resetErase() {
  $("erase-form").hidden = true;
  $("erase-confirm").value = "";
  $("erase-submit").disabled = true;
}

document.addEventListener("omnicanal:conversation", (event) => {
  const conv = event.detail || {};
  const changed = !current || current.customer_id !== conv.customer_id;
  current = conv;
  $("conv-erased").hidden = true;
  const allowed = desk().isSupervisor() && Boolean(conv.customer_id);
  $("records-panel").hidden = !allowed;
  if (!allowed) return;
  const id = encodeURIComponent(String(conv.customer_id));
  $("records-export").href = `/operator/api/customers/${id}/export`;
  $("records-export").setAttribute("download", `customer-${shortId(conv.customer_id)}.json`);
  if (changed) resetErase();
});

$("records-erase").addEventListener("click", () => {
  if (!current) return;
  $("erase-short").textContent = shortId(current.customer_id);
  $("erase-form").hidden = false;
  $("erase-confirm").focus();
});

$("erase-confirm").addEventListener("input", () => {
  $("erase-submit").disabled = !current || $("erase-confirm").value.trim() !== shortId(current.customer_id);
});

$("erase-cancel").addEventListener("click", resetErase);

$("erase-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!current || $("erase-submit").disabled) return;
  const id = String(current.customer_id);
  $("erase-submit").disabled = true;
  try {
    const answer = await desk().api("POST", `/customers/${encodeURIComponent(id)}/erase`,
      { confirm: $("erase-confirm").value.trim() });
    const removed = (answer && answer.erased) || {};
    current = null;
    resetErase();
    $("records-panel").hidden = true;
    desk().closeConversation();
    history.replaceState(null, "", location.pathname + location.search);
    const note = $("conv-erased");
    note.textContent = `Customer ${shortId(id)} was erased (${removed.keys || 0} records, ` +
      `${removed.identities || 0} identities). Only an audit record without personal data is kept.`;
    note.hidden = false;
    note.dataset.customer = id;
    desk().toast("Customer erased.", "info");
    desk().refreshQueue();
    desk().refreshMine();
  } catch (err) {
    $("erase-submit").disabled = false;
    desk().toast(err.message || "The erasure failed.");
  }
});
