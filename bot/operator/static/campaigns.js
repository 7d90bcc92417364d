// The Campaigns page, for supervisors (bot/operator/campaigns_view.py): every campaign
// with its live progress (polled every 3 s while open), and a form that estimates the
// audience, previews the message as each enabled channel renders it (the server runs the
// sender's renderer, so the preview cannot drift from what is sent) and creates it. The
// form itself (every condition, errors next to their fields) is campaign_form.js.
import { el, reasons } from "./dom.js";
import { clearErrors, definition, fillForm, onSegmentChange, segment, showErrors } from "./campaign_form.js";

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
const FIGURES = ["audience", "sent", "delivered", "read", "replied", "opted_out", "conversions"];
const MOVES = { scheduled: ["pause", "cancel"], running: ["pause", "cancel"], paused: ["resume", "cancel"] };
let timer = null;
let loading = 0;

const problem = (err, fallback) => (err && err.data && err.data.message) || (err && err.message) || fallback;

function row(campaign) {
  const tr = el("tr", "cp-row");
  tr.dataset.id = campaign.id;
  tr.dataset.status = campaign.status;
  tr.appendChild(el("td", "cp-name", campaign.name));
  tr.appendChild(el("td", "cp-status", campaign.status));
  for (const figure of FIGURES) tr.appendChild(el("td", `cp-${figure.replaceAll("_", "-")}`, campaign[figure] || 0));
  const held = campaign.held ? `${campaign.held} held until resumed` : "";
  tr.appendChild(el("td", "cp-failed", [held, reasons(campaign.failed), reasons(campaign.skipped)].filter(Boolean).join("; ")));
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
    if (!$("cp-form").dataset.filled) {
      $("cp-form").dataset.filled = "1";
      fillForm(data || {});
    }
  } catch (err) {
    if (mine === loading) desk().toast(problem(err, "Could not load the campaigns."));
  }
}

/** The server's refusal next to the fields it names (else in the form's error line). */
function refused(err, fallback) {
  showErrors(err && err.data && err.data.fields, problem(err, fallback));
}

async function estimate() {
  const result = $("cp-estimate-result");
  try {
    const found = await desk().api("POST", "/campaigns/estimate", { segment: segment() });
    clearErrors();
    const skipped = reasons(found.skipped);
    result.textContent = `Reaches ${found.audience} of ${found.matched} matched` +
      (skipped ? ` (skipped: ${skipped})` : "");
    result.dataset.audience = String(found.audience);
  } catch (err) {
    result.textContent = "No estimate: see the errors above.";
    delete result.dataset.audience;
    refused(err, "The estimate failed.");
  }
}

/** The definition, or null after showing the errors the form found itself. */
function checkedDefinition() {
  const { definition: found, errors } = definition();
  if (Object.keys(errors).length) {
    showErrors(errors);
    return null;
  }
  return found;
}

function shown(channel, messages, outside) {
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
  if (outside) card.appendChild(el("p", "cp-preview-outside muted", `Outside its window: ${outside}`));
  return card;
}

async function preview() {
  const found = checkedDefinition();
  if (!found) return;
  try {
    const shownAs = await desk().api("POST", "/campaigns/preview", found);
    clearErrors();
    const outside = shownAs.outside_window || {};
    $("cp-previews").replaceChildren(...Object.entries(shownAs.locales).map(([locale, channels]) => {
      const group = el("div", "cp-preview-locale");
      group.dataset.locale = locale;
      group.appendChild(el("h3", "", locale));
      for (const [channel, messages] of Object.entries(channels)) {
        group.appendChild(shown(channel, messages, (outside[locale] || {})[channel]));
      }
      return group;
    }));
  } catch (err) {
    $("cp-previews").replaceChildren();
    refused(err, "The preview failed.");
  }
}

async function create() {
  const found = checkedDefinition();
  if (!found) return;
  $("cp-create").disabled = true;
  try {
    const created = await desk().api("POST", "/campaigns", found);
    clearErrors();
    desk().toast(`Campaign "${created.name}" created for ${created.audience} customer(s).`, "info");
  } catch (err) {
    refused(err, "The campaign was not created.");
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
onSegmentChange(estimate);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("campaigns").hidden) close();
});
