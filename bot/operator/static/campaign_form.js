// The Campaigns page's form (campaigns.js drives it): every segment condition and sending
// option the campaigns API takes (bot/config/campaigns.py: CampaignDefinition), read into
// one definition, and the server's errors shown next to the field each names. The
// choices of the selects (flows, profile fields, channels with approved templates) come
// from the server's listing, so the form cannot offer what the server would refuse.
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const words = (value) => value.split(",").map((w) => w.trim()).filter(Boolean);

function options(select, values, empty) {
  const chosen = select.value;
  select.replaceChildren(el("option", "", empty), ...values.map((v) => el("option", "", v)));
  select.firstChild.value = "";
  select.value = values.includes(chosen) ? chosen : "";
}

function templateRow(channel) {
  const row = el("fieldset", "cp-template");
  row.dataset.channel = channel;
  row.dataset.field = `templates.${channel}`;
  row.appendChild(el("legend", "", `${channel}: approved template, outside its window`));
  for (const [part, label, hint] of [["name", "Template name", "spring_sale"],
    ["languages", "Languages", "en=en_US, es=es_ES"], ["parameters", "Parameters", "first_name"]]) {
    const wrap = el("label", "", label);
    const input = el("input", `cp-template-${part}`);
    input.placeholder = hint;
    wrap.appendChild(input);
    row.appendChild(wrap);
  }
  return row;
}

/** The selects' choices, from GET /operator/api/campaigns (once: they do not change). */
export function fillForm(data) {
  const flows = data.flows || [];
  for (const select of document.querySelectorAll(".cp-choice-flow")) options(select, flows, "(no flow)");
  options($("cp-unfinished-flow"), flows, "(any: no condition)");
  for (const select of document.querySelectorAll(".cp-profile-field")) options(select, data.profile_fields || [], "(field)");
  $("cp-templates").replaceChildren(...(data.template_channels || []).map(templateRow));
}

function when(id) {
  const value = $(id).value;
  return value ? new Date(value).toISOString() : null;
}

/** The segment as the form says it (conditions left empty are not sent). */
export function segment() {
  const found = { consent: $("cp-consent").value.trim() || "marketing", tags: words($("cp-tags").value),
    locales: words($("cp-locales").value),
    channels: [...document.querySelectorAll("#cp-channels input:checked")].map((i) => i.value) };
  const after = when("cp-seen-after");
  const before = when("cp-seen-before");
  if (after) found.last_seen_after = after;
  if (before) found.last_seen_before = before;
  const profile = {};
  for (const line of document.querySelectorAll(".cp-profile")) {
    const name = line.querySelector(".cp-profile-field").value;
    if (name) profile[name] = line.querySelector(".cp-profile-value").value.trim();
  }
  if (Object.keys(profile).length) found.profile = profile;
  const flow = $("cp-unfinished-flow").value;
  if (flow) found.unfinished_flow = { flow, hours: Number($("cp-unfinished-hours").value) };
  return found;
}

/** "en=en_US, es=es_ES" as {en: "en_US", es: "es_ES"}; a part without "=" is an error. */
function languages(value, channel, errors) {
  const found = {};
  for (const part of words(value)) {
    const [locale, code] = part.split("=").map((w) => w.trim());
    if (!locale || !code) errors[`templates.${channel}.languages`] = `write each as locale=code (en=en_US), not "${part}"`;
    else found[locale] = code;
  }
  return found;
}

function templates(errors) {
  const found = {};
  for (const row of document.querySelectorAll(".cp-template")) {
    const name = row.querySelector(".cp-template-name").value.trim();
    if (!name) continue;
    const channel = row.dataset.channel;
    found[channel] = { name, languages: languages(row.querySelector(".cp-template-languages").value, channel, errors),
      parameters: words(row.querySelector(".cp-template-parameters").value) };
  }
  return found;
}

function message() {
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
  return { text, choices };
}

/** The whole definition, and the errors found before asking the server (path → text). */
export function definition() {
  const errors = {};
  const found = { name: $("cp-name").value.trim(), ...message(), segment: segment(),
    channel_policy: $("cp-policy").value, channel_order: words($("cp-order").value), templates: templates(errors) };
  const start = when("cp-start");
  if (start) found.start_at = start;
  const quiet = { start: $("cp-quiet-start").value, end: $("cp-quiet-end").value };
  if (quiet.start || quiet.end) found.quiet_hours = Object.fromEntries(Object.entries(quiet).filter(([, v]) => v));
  return { definition: found, errors };
}

export function clearErrors() {
  for (const node of document.querySelectorAll("#cp-form .cp-error")) node.remove();
  for (const node of document.querySelectorAll("#cp-form .cp-invalid")) node.classList.remove("cp-invalid");
  $("cp-form-error").hidden = true;
}

/** Each message next to the field its path names (or the nearest enclosing one: the
 * path "segment.unfinished_flow.hours" is shown by "segment.unfinished_flow"). */
export function showErrors(fields, fallback) {
  clearErrors();
  const homeless = [];
  for (const [path, text] of Object.entries(fields || {})) {
    let parts = path.split(".");
    let home = null;
    while (parts.length && !home) {
      home = document.querySelector(`#cp-form [data-field="${parts.join(".")}"]`);
      parts = parts.slice(0, -1);
    }
    if (!home) {
      homeless.push(`${path}: ${text}`);
      continue;
    }
    home.classList.add("cp-invalid");
    const note = el("small", "cp-error", text);
    note.dataset.errorFor = path;
    home.appendChild(note);
  }
  if (!Object.keys(fields || {}).length && fallback) homeless.push(fallback);
  $("cp-form-error").textContent = homeless.join("; ");
  $("cp-form-error").hidden = homeless.length === 0;
}

/** ``callback`` shortly after the segment stops changing (one estimate per pause in typing). */
export function onSegmentChange(callback, delayMs = 400) {
  let waiting = null;
  const later = () => {
    clearTimeout(waiting);
    waiting = setTimeout(callback, delayMs);
  };
  $("cp-segment").addEventListener("input", later);
  $("cp-segment").addEventListener("change", later);
}
