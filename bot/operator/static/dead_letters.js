// The event webhooks' dead letters, for supervisors: events an endpoint refused until
// their retries ran out (bot/store/hooks.py). Listed on open, every few seconds while
// open, and after each replay; replay one, or every letter of one subscription. The
// server replays each letter at most once, however many supervisors click.

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
let timer = null;
let loading = 0;

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text == null ? "" : String(text);
  return td;
}

function row(letter) {
  const tr = document.createElement("tr");
  tr.className = "dl-row";
  tr.dataset.event = String(letter.event_id || "");
  tr.dataset.subscription = String(letter.subscription || "");
  tr.dataset.customer = String(letter.customer_id || "");
  tr.appendChild(cell(letter.subscription));
  tr.appendChild(cell(letter.type, "dl-type"));
  const who = cell("");
  const link = document.createElement("a");
  link.href = `#/c/${encodeURIComponent(String(letter.customer_id || ""))}`;
  link.textContent = String(letter.display_name || letter.customer_id || "");
  link.addEventListener("click", close);
  who.appendChild(link);
  tr.appendChild(who);
  tr.appendChild(cell(letter.error, "dl-error"));
  tr.appendChild(cell(letter.attempts, "dl-attempts"));
  tr.appendChild(cell(desk().ago(letter.died_at)));
  const action = cell("");
  const replay = document.createElement("button");
  replay.type = "button";
  replay.className = "btn btn-small dl-replay";
  replay.textContent = "Replay";
  replay.addEventListener("click", () => replayOne(letter, replay));
  action.appendChild(replay);
  tr.appendChild(action);
  return tr;
}

function fillSubscriptions(names) {
  const select = $("dl-subscription");
  const chosen = select.value;
  select.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = option.textContent = String(name);
    return option;
  }));
  if (names.includes(chosen)) select.value = chosen;
  $("dl-replay-all").disabled = names.length === 0;
}

function status(message) {
  $("dl-status").textContent = message || "";
  $("dl-status").hidden = !message;
}

async function load() {
  const mine = ++loading;
  try {
    const data = await desk().api("GET", "/dead-letters");
    if (mine !== loading) return;
    const items = (data && data.items) || [];
    fillSubscriptions((data && data.subscriptions) || []);
    $("dl-list").replaceChildren(...items.map(row));
    $("dl-count").textContent = String(items.length);
    status(items.length ? "" : "No dead letters: every event was delivered.");
  } catch (err) {
    if (mine !== loading) return;
    $("dl-list").replaceChildren();
    $("dl-count").textContent = "";
    fillSubscriptions([]);
    status(err.message || "Could not load the dead letters.");
  }
}

async function replayOne(letter, button) {
  button.disabled = true;
  try {
    await desk().api("POST", "/dead-letters/replay", {
      customer_id: letter.customer_id, subscription: letter.subscription, event_id: letter.event_id });
    desk().toast("Event queued for delivery again.", "info");
  } catch (err) {
    desk().toast(err.message || "The replay failed.");
  }
  load();
}

$("dl-replay-all").addEventListener("click", async () => {
  const subscription = $("dl-subscription").value;
  if (!subscription) return;
  $("dl-replay-all").disabled = true;
  try {
    const data = await desk().api("POST", "/dead-letters/replay-all", { subscription });
    desk().toast(`${(data && data.replayed) || 0} event(s) queued for delivery again.`, "info");
  } catch (err) {
    desk().toast(err.message || "The replay failed.");
  }
  load();
});

function open() {
  $("dead-letters").hidden = false;
  load();
  clearInterval(timer);
  timer = setInterval(load, REFRESH_MS);
}

function close() {
  $("dead-letters").hidden = true;
  clearInterval(timer);
  timer = null;
}

document.addEventListener("omnicanal:me", () => {
  const allowed = desk().isSupervisor();
  $("dead-letters-open").hidden = !allowed;
  if (!allowed) close();
});
$("dead-letters-open").addEventListener("click", open);
$("dl-close").addEventListener("click", close);
$("dl-refresh").addEventListener("click", load);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("dead-letters").hidden) close();
});
