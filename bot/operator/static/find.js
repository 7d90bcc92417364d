// The desk's Find panel: search every conversation (customers and transcripts), filter by
// status, channel, assignee, label and dates, list the recent and the resolved ones.
// Kept apart from console.js: it only needs what console.js exports on
// window.omnicanalOperator (its API client and conversation opener).

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const FIELDS = { q: "find-q", status: "find-status", channel: "find-channel",
  operator: "find-operator", label: "find-label", since: "find-since", until: "find-until" };
let searching = 0;

function text(tag, className, value) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (value != null) node.textContent = String(value);
  return node;
}

function query(overrides) {
  const params = new URLSearchParams();
  for (const [name, id] of Object.entries(FIELDS)) {
    const value = name in overrides ? overrides[name] : $(id).value.trim();
    if (value) params.set(name, value);
  }
  return params.toString();
}

const STATUS_LABEL = { bot: "Bot", queued: "Queued", human: "With a person", resolved: "Resolved" };

function result(item) {
  const { channelBadge, ago } = desk();
  const li = document.createElement("li");
  const link = text("a", "find-item item");
  const id = String(item.customer_id || "");
  link.href = `#/c/${encodeURIComponent(id)}`;
  link.dataset.customer = id;
  const top = text("div", "item-top");
  top.appendChild(text("span", "item-name", item.display_name || item.name || "Customer"));
  for (const channel of item.channels || [item.channel]) if (channel) top.appendChild(channelBadge(channel));
  link.appendChild(top);
  const line = item.match || item.last_text;
  if (line) link.appendChild(text("div", "item-last", line));
  const meta = text("div", "item-meta");
  const badge = text("span", "mode-badge small", STATUS_LABEL[item.status] || item.status || "");
  badge.dataset.mode = item.status === "resolved" ? "bot" : String(item.status || "");
  meta.appendChild(badge);
  if (item.last_operator) meta.appendChild(text("span", "item-operator", item.last_operator));
  if (item.updated_at != null) meta.appendChild(text("span", "item-when", ago(item.updated_at)));
  link.appendChild(meta);
  li.appendChild(link);
  return li;
}

async function search(overrides = {}) {
  const mine = ++searching;
  const list = $("find-results");
  try {
    const data = await desk().api("GET", `/search?${query(overrides)}`);
    if (mine !== searching) return; // a newer search answered first
    list.replaceChildren(...(data.items || []).map(result));
    $("find-empty").hidden = (data.items || []).length > 0;
  } catch (err) {
    if (mine !== searching) return;
    list.replaceChildren();
    $("find-empty").hidden = false;
    $("find-empty").textContent = err.message || "Search failed.";
  }
}

$("find-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("find-empty").textContent = "Nothing found.";
  search();
});
$("find-recent").addEventListener("click", () => {
  $("find-status").value = "";
  search({ q: "", status: "" });
});
$("find-resolved").addEventListener("click", () => {
  $("find-status").value = "resolved";
  search({ q: "", status: "resolved" });
});
