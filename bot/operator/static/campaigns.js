// The Campaigns page, for supervisors (bot/operator/campaigns_view.py): every campaign
// with its live progress (polled every 3 s while open), and a form that estimates the
// audience, previews the message as each enabled channel renders it (the server runs the
// sender's renderer, so the preview cannot drift from what is sent) and creates it.

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
const FIGURES = ["audience", "sent", "delivered", "read", "replied", "opted_out", "conversions"];
const MOVES = { scheduled: ["pause", "cancel"], running: ["pause", "cancel"], paused: ["resume", "cancel"] };
let timer = null;
let loading = 0;

const words = (value) => value.split(",").map((w) => w.trim()).filter(Boolean);
const problem = (err, fallback) => (err && err.data && err.data.message) || (err && err.message) || fallback;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

function reasons(counted) {
  return Object.entries(counted || {}).map(([reason, n]) => `${n} ${reason.replaceAll("_", " ")}`).join(", ");
}

function row(campaign) {
  const tr = el("tr", "cp-row");
  tr.dataset.id = campaign.id;
  tr.dataset.status = campaign.status;
  tr.appendChild(el("td", "cp-name", campaign.name));
  tr.appendChild(el("td", "cp-status", campaign.status));
  for (const figure of FIGURES) tr.appendChild(el("td", `cp-${figure.replaceAll("_", "-")}`, campaign[figure] || 0));
  tr.appendChild(el("td", "cp-failed", [reasons(campaign.failed), reasons(campaign.skipped)].filter(Boolean).join("; ")));
  const actions = el("td", "cp-actions");
  for (const action of MOVES[campaign.status] || []) {
    const button = el("button", `btn btn-small cp-${action}`, action[0].toUpperCase() + action.slice(1));
    button.type = "button";
    button.addEventListener("click", () => move(campaign.id, action, button));
    actions.appendChild(button);
  }
  tr.appendChild(actions);
  return tr;
}

function fillChoices(flows) {
  for (const select of document.querySelectorAll(".cp-choice-flow")) {
    const chosen = select.value;
    select.replaceChildren(el("option", "", "(no flow)"), ...flows.map((f) => el("option", "", f)));
    select.firstChild.value = "";
    select.value = flows.includes(chosen) ? chosen : "";
  }
}

function fillChannels(channels) {
  const box = $("cp-channels");
  if (box.dataset.filled === channels.join(",")) return;
  box.dataset.filled = channels.join(",");
  box.replaceChildren(...channels.map((channel) => {
    const label = el("label", "cp-channel");
    const input = el("input");
    input.type = "checkbox";
    input.value = channel;
    label.append(input, ` ${channel}`);
    return label;
  }));
}

async function load() {
  const mine = ++loading;
  try {
    const data = await desk().api("GET", "/campaigns");
    if (mine !== loading) return;
    const items = (data && data.campaigns) || [];
    $("cp-list").replaceChildren(...items.map(row));
    $("cp-empty").hidden = items.length > 0;
    fillChannels((data && data.channels) || []);
    if (!$("cp-form").dataset.flows) {
      $("cp-form").dataset.flows = "1";
      fillChoices((data && data.flows) || []);
    }
  } catch (err) {
    if (mine === loading) desk().toast(problem(err, "Could not load the campaigns."));
  }
}

function definition() {
  const text = {};
  for (const n of [1, 2]) {
    const locale = $(`cp-locale-${n}`).value.trim();
    const body = $(`cp-text-${n}`).value.trim();
    if (locale && body) text[locale] = body;
  }
  const choices = [];
  for (const line of document.querySelectorAll(".cp-choice")) {
    const title = line.querySelector(".cp-choice-title").value.trim();
    if (!title) continue;
    const flow = line.querySelector(".cp-choice-flow").value;
    const titles = {};
    for (const locale of Object.keys(text)) titles[locale] = title;
    choices.push({ title: titles, ...(flow ? { flow } : {}) });
  }
  const segment = { consent: $("cp-consent").value.trim() || "marketing", tags: words($("cp-tags").value),
    locales: words($("cp-locales").value),
    channels: [...document.querySelectorAll("#cp-channels input:checked")].map((i) => i.value) };
  const start = $("cp-start").value;
  return { name: $("cp-name").value.trim(), text, choices, segment,
    ...(start ? { start_at: new Date(start).toISOString() } : {}) };
}

async function estimate() {
  try {
    const found = await desk().api("POST", "/campaigns/estimate", { segment: definition().segment });
    const skipped = reasons(found.skipped);
    $("cp-estimate-result").textContent = `Reaches ${found.audience} of ${found.matched} matched` +
      (skipped ? ` (skipped: ${skipped})` : "");
    $("cp-estimate-result").dataset.audience = String(found.audience);
  } catch (err) {
    $("cp-estimate-result").textContent = problem(err, "The estimate failed.");
  }
}

function shown(channel, messages) {
  const card = el("div", "cp-preview");
  card.dataset.channel = channel;
  card.appendChild(el("h4", "", channel));
  for (const message of messages) {
    card.appendChild(el("pre", "cp-preview-text", message.text));
    if (message.buttons.length) {
      const buttons = el("div", "cp-preview-buttons");
      for (const title of message.buttons) buttons.appendChild(el("span", "cp-preview-button", title));
      card.appendChild(buttons);
    }
  }
  return card;
}

async function preview() {
  try {
    const found = await desk().api("POST", "/campaigns/preview", definition());
    $("cp-previews").replaceChildren(...Object.entries(found.locales).map(([locale, channels]) => {
      const group = el("div", "cp-preview-locale");
      group.dataset.locale = locale;
      group.appendChild(el("h3", "", locale));
      for (const [channel, messages] of Object.entries(channels)) group.appendChild(shown(channel, messages));
      return group;
    }));
  } catch (err) {
    $("cp-previews").replaceChildren(el("p", "empty", problem(err, "The preview failed.")));
  }
}

async function create() {
  $("cp-create").disabled = true;
  try {
    const created = await desk().api("POST", "/campaigns", definition());
    desk().toast(`Campaign "${created.name}" created for ${created.audience} customer(s).`, "info");
  } catch (err) {
    desk().toast(problem(err, "The campaign was not created."));
  }
  $("cp-create").disabled = false;
  load();
}

async function move(id, action, button) {
  button.disabled = true;
  try {
    await desk().api("POST", `/campaigns/${encodeURIComponent(id)}/${action}`);
  } catch (err) {
    desk().toast(problem(err, `Could not ${action} the campaign.`));
  }
  load();
}

function open() {
  $("campaigns").hidden = false;
  load();
  clearInterval(timer);
  timer = setInterval(load, REFRESH_MS);
}

function close() {
  $("campaigns").hidden = true;
  clearInterval(timer);
  timer = null;
}

document.addEventListener("omnicanal:me", () => {
  const allowed = desk().isSupervisor();
  $("campaigns-open").hidden = !allowed;
  if (!allowed) close();
});
$("campaigns-open").addEventListener("click", open);
$("cp-close").addEventListener("click", close);
$("cp-estimate").addEventListener("click", estimate);
$("cp-preview").addEventListener("click", preview);
$("cp-create").addEventListener("click", create);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("campaigns").hidden) close();
});
