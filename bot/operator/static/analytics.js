// Omnicanal operator console · analytics.
//
// A plain ES module: no framework, no build step, nothing from a CDN, no chart library.
// Charts are hand-made SVG. Everything from the server (channel names, flow and step
// names...) is hostile input and is rendered with textContent / createElement(NS) only:
// no markup string is ever parsed. Every number shown (and every data-value attribute)
// is taken straight from the report JSON.
import { el } from "./dom.js";

const API = "/operator/api";
const SVG_NS = "http://www.w3.org/2000/svg";
const RANGES = ["7", "14", "30", "90"];
const DEFAULT_DAYS = "14";
const SERIES_COLOURS = 8; // .s0 … .s7 in analytics.css
const EMPTY = "No data for this period yet";

const $ = (id) => document.getElementById(id);

const els = {
  main: document.querySelector(".an-main"),
  status: $("status"),
  report: $("report"),
  days: $("days"),
  csv: $("csv"),
  messages: document.querySelector("#chart-messages .card-body"),
  customers: document.querySelector("#customers .card-body"),
  multichannel: document.querySelector("#multichannel .card-body"),
  handoff: document.querySelector("#handoff .card-body"),
  funnels: document.querySelector("#funnels .card-body"),
  hours: document.querySelector("#hours .card-body"),
  satisfaction: document.querySelector("#satisfaction .card-body"),
};

// ---------------------------------------------------------------- helpers

function str(value) {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

/** A finite number for drawing (anything else counts as 0). */
function num(value) {
  const n = Number(value);
  return typeof value === "number" && Number.isFinite(n) ? n : 0;
}

/** The JSON value as it goes into a data-value attribute ("" for null / missing). */
function raw(value) {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : "";
}

function obj(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function arr(value) {
  return Array.isArray(value) ? value : [];
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function emptyNote(text) {
  return el("p", "empty an-empty", text || EMPTY);
}

const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const pctFmt = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

function count(value) {
  return intFmt.format(num(value));
}

function plural(n, one, many) {
  return `${count(n)} ${num(n) === 1 ? one : many}`;
}

/** "45 s", "2 min 5 s", "1 h 3 min"; "—" when unknown. */
function formatSeconds(value) {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return "—";
  const s = Math.round(value);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** "2026-11-21" -> "21 Nov" (the ISO day itself if it does not parse). */
const shortDayFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
function shortDay(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(str(day));
  if (!match) return str(day);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? str(day) : shortDayFmt.format(date);
}

/** Round numbers for a y axis: [0, step, 2·step, …] covering max. */
function ticks(max, wanted = 4) {
  if (max <= 0) return [0, 1];
  const rough = max / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= rough) || rough);
  const out = [];
  for (let i = 0; i < 50; i++) {
    const v = Math.round(i * step * 1e6) / 1e6;
    out.push(v);
    if (v >= max) break;
  }
  return out;
}

function seriesClass(index) {
  return `s${index % SERIES_COLOURS}`;
}

function legendSwatch(index) {
  return el("span", `swatch ${seriesClass(index)}`);
}

function channelLabel(channel) {
  const node = el("span", "an-channel", str(channel) || "unknown");
  node.title = str(channel);
  return node;
}

function setPercentWidth(node, value, of) {
  const pct = of > 0 ? Math.min(100, Math.max(0, (value / of) * 100)) : 0;
  // CSSOM, not a style attribute: allowed under style-src 'self'.
  node.style.width = `${pct}%`;
}

// ---------------------------------------------------------------- range / URL

function currentDays() {
  const v = els.days.value;
  return RANGES.includes(v) ? v : DEFAULT_DAYS;
}

function initialDays() {
  const fromUrl = new URLSearchParams(location.search).get("days");
  return RANGES.includes(fromUrl) ? fromUrl : DEFAULT_DAYS;
}

function syncRange(days) {
  els.days.value = days;
  els.csv.href = `${API}/analytics.csv?days=${encodeURIComponent(days)}`;
  const url = new URL(location.href);
  url.searchParams.set("days", days);
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

// ---------------------------------------------------------------- status

function showStatus(message, link) {
  clear(els.status);
  els.status.hidden = false;
  els.status.classList.toggle("an-error", Boolean(link) || message !== "Loading…");
  els.status.appendChild(el("span", null, message));
  if (link) {
    els.status.appendChild(document.createTextNode(" "));
    const a = el("a", "btn btn-primary", link.text);
    a.href = link.href;
    els.status.appendChild(a);
  }
}

function hideStatus() {
  els.status.hidden = true;
  clear(els.status);
}

// ---------------------------------------------------------------- sections

function renderMessages(report) {
  const root = els.messages;
  clear(root);
  const days = arr(report.days).map(str);
  const channels = arr(report.channels).map(str);
  const incoming = obj(obj(report.messages).in);
  const series = channels.map((c) => arr(incoming[c]));
  const totals = days.map((_, d) => series.reduce((sum, s) => sum + Math.max(0, num(s[d])), 0));
  const grand = totals.reduce((a, b) => a + b, 0);
  if (!days.length || !channels.length || grand <= 0) {
    root.appendChild(emptyNote());
    return;
  }

  // Legend with each channel's total over the period.
  const legend = el("ul", "legend");
  channels.forEach((channel, i) => {
    const item = el("li", "legend-item");
    item.dataset.channel = channel;
    item.appendChild(legendSwatch(i));
    item.appendChild(channelLabel(channel));
    const total = series[i].reduce((a, v) => a + Math.max(0, num(v)), 0);
    item.appendChild(el("span", "legend-total", count(total)));
    legend.appendChild(item);
  });
  root.appendChild(legend);

  const W = 760;
  const H = 260;
  const pad = { top: 12, right: 8, bottom: 28, left: 40 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const yTicks = ticks(Math.max(...totals));
  const yMax = yTicks[yTicks.length - 1] || 1;
  const y = (v) => pad.top + plotH - (v / yMax) * plotH;
  const slot = plotW / days.length;
  const barW = Math.max(2, Math.min(44, slot * 0.7));

  const chart = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart",
    role: "img",
    "aria-labelledby": "messages-svg-title",
    preserveAspectRatio: "xMidYMid meet",
  });
  const title = svg("title", { id: "messages-svg-title" });
  title.textContent = `Incoming messages per day and channel, ${days[0]} to ${days[days.length - 1]}`;
  chart.appendChild(title);

  const grid = svg("g", { class: "grid" });
  for (const t of yTicks) {
    grid.appendChild(svg("line", { x1: pad.left, x2: W - pad.right, y1: y(t), y2: y(t) }));
    const label = svg("text", { x: pad.left - 6, y: y(t), class: "axis-y", "dominant-baseline": "middle" });
    label.textContent = count(t);
    grid.appendChild(label);
  }
  chart.appendChild(grid);

  // At most ~12 day labels, always including the last day.
  const every = Math.max(1, Math.ceil(days.length / 12));
  const bars = svg("g", { class: "bars" });
  days.forEach((day, d) => {
    const cx = pad.left + slot * d + slot / 2;
    const group = svg("g", { class: "day", "data-day": day });
    let stacked = 0;
    channels.forEach((channel, i) => {
      const rawValue = series[i][d];
      const v = Math.max(0, num(rawValue));
      const rect = svg("rect", {
        class: `bar ${seriesClass(i)}`,
        x: cx - barW / 2,
        width: barW,
        y: y(stacked + v),
        height: Math.max(0, y(stacked) - y(stacked + v)),
      });
      rect.setAttribute("data-channel", channel);
      rect.setAttribute("data-day", day);
      rect.setAttribute("data-value", raw(rawValue) || "0");
      const tip = svg("title");
      tip.textContent = `${channel} · ${day} · ${plural(rawValue, "message", "messages")}`;
      rect.appendChild(tip);
      group.appendChild(rect);
      stacked += v;
    });
    bars.appendChild(group);
    if ((days.length - 1 - d) % every === 0) {
      const label = svg("text", { x: cx, y: H - pad.bottom + 16, class: "axis-x" });
      label.textContent = shortDay(day);
      chart.appendChild(label);
    }
  });
  chart.appendChild(bars);
  chart.appendChild(svg("line", {
    class: "axis", x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0),
  }));
  const frame = el("div", "chart-frame");
  frame.appendChild(chart);
  root.appendChild(frame);
}

function renderCustomers(report) {
  const root = els.customers;
  clear(root);
  const channels = arr(report.channels).map(str);
  const perChannel = obj(report.customers);
  const total = report.customers_total;

  const big = el("div", "big-number");
  big.dataset.key = "customers_total";
  big.dataset.value = raw(total);
  big.appendChild(el("span", "big-value", count(total)));
  big.appendChild(el("span", "big-label", "unique customers in the period"));
  root.appendChild(big);

  // Unique customers per channel over the period when the server gives them; otherwise
  // the sum of daily uniques (a customer counted once per active day).
  const unique = obj(report.customers_unique);
  const hasUnique = channels.every((c) => c in unique);
  const sums = channels.map((c) => hasUnique ? Math.max(0, num(unique[c]))
    : arr(perChannel[c]).reduce((a, v) => a + Math.max(0, num(v)), 0));
  if (!channels.length || num(total) <= 0) {
    root.appendChild(emptyNote());
    return;
  }
  const max = Math.max(1, ...sums);
  const table = el("table", "an-table");
  const caption = el("caption", "muted", hasUnique
    ? "Unique customers per channel in the period (one customer may use several channels)."
    : "Sum of each day's unique customers (a customer active on several days counts once per day).");
  table.appendChild(caption);
  const head = el("thead");
  const hr = el("tr");
  hr.appendChild(el("th", null, "Channel"));
  hr.appendChild(el("th", "num", hasUnique ? "Customers" : "Customer-days"));
  head.appendChild(hr);
  table.appendChild(head);
  const body = el("tbody");
  channels.forEach((channel, i) => {
    const tr = el("tr", "customer-row");
    tr.dataset.channel = channel;
    tr.dataset.value = String(sums[i]);
    const name = el("td", "an-name");
    name.appendChild(legendSwatch(i));
    name.appendChild(channelLabel(channel));
    tr.appendChild(name);
    const cell = el("td", "num");
    const wrap = el("div", "meter-row");
    const meter = el("span", "meter");
    const fill = el("span", `meter-fill ${seriesClass(i)}`);
    setPercentWidth(fill, sums[i], max);
    meter.appendChild(fill);
    wrap.appendChild(meter);
    wrap.appendChild(el("span", "meter-value", count(sums[i])));
    cell.appendChild(wrap);
    tr.appendChild(cell);
    body.appendChild(tr);
  });
  table.appendChild(body);
  root.appendChild(table);
}

function renderMultichannel(report) {
  const root = els.multichannel;
  clear(root);
  const multi = obj(report.multichannel);
  const paths = arr(multi.paths).filter((p) => p && typeof p === "object");

  const big = el("div", "big-number");
  big.dataset.key = "multichannel";
  big.dataset.value = raw(multi.customers);
  big.appendChild(el("span", "big-value", count(multi.customers)));
  const total = num(report.customers_total);
  const share = total > 0 ? ` · ${pctFmt.format(num(multi.customers) / total)} of all` : "";
  big.appendChild(el("span", "big-label", `customers used more than one channel${share}`));
  root.appendChild(big);

  if (!paths.length) {
    root.appendChild(emptyNote(num(multi.customers) > 0 ? "No channel switches recorded." : EMPTY));
    return;
  }
  const channels = arr(report.channels).map(str);
  const colour = (c) => {
    const i = channels.indexOf(c);
    return i < 0 ? "s-unknown" : seriesClass(i);
  };
  const max = Math.max(1, ...paths.map((p) => num(p.count)));
  const list = el("ul", "paths");
  for (const p of paths) {
    const from = str(p.from);
    const to = str(p.to);
    const li = el("li", "path");
    li.dataset.from = from;
    li.dataset.to = to;
    li.dataset.count = raw(p.count);
    const label = el("span", "path-label");
    const a = el("span", `path-ch ${colour(from)}`, from);
    const b = el("span", `path-ch ${colour(to)}`, to);
    label.appendChild(a);
    label.appendChild(el("span", "path-arrow", " → "));
    label.appendChild(b);
    label.appendChild(el("span", "path-sep", ": "));
    label.appendChild(el("strong", "path-count", count(p.count)));
    li.appendChild(label);
    const meter = el("span", "meter");
    const fill = el("span", "meter-fill accent");
    setPercentWidth(fill, num(p.count), max);
    meter.appendChild(fill);
    li.appendChild(meter);
    li.title = `${from} → ${to}: ${plural(p.count, "customer", "customers")}`;
    list.appendChild(li);
  }
  root.appendChild(list);
}

function funnelRow(kind, step, label, value, started) {
  const row = el("li", `funnel-step ${kind}`);
  row.dataset.kind = kind;
  row.dataset.step = step;
  row.dataset.value = raw(value) || "0";
  const head = el("div", "funnel-head");
  head.appendChild(el("span", "funnel-label", label));
  const pct = started > 0 ? ` · ${pctFmt.format(num(value) / started)}` : "";
  head.appendChild(el("span", "funnel-value", `${count(value)}${pct}`));
  row.appendChild(head);
  const track = el("div", "funnel-track");
  const fill = el("div", "funnel-fill");
  setPercentWidth(fill, num(value), started);
  track.appendChild(fill);
  row.appendChild(track);
  row.title = `${label}: ${count(value)}`;
  return row;
}

function renderFunnels(report) {
  const root = els.funnels;
  clear(root);
  const funnels = arr(report.funnels).filter((f) => f && typeof f === "object");
  if (!funnels.length) {
    root.appendChild(emptyNote());
    return;
  }
  for (const f of funnels) {
    const flow = str(f.flow);
    const started = num(f.started);
    const box = el("div", "funnel");
    box.dataset.flow = flow;
    box.appendChild(el("h3", "funnel-title", flow || "(unnamed flow)"));
    const list = el("ol", "funnel-steps");
    list.appendChild(funnelRow("started", "started", "Started", f.started, started));
    for (const s of arr(f.steps)) {
      if (!s || typeof s !== "object") continue;
      const step = str(s.step);
      // By the title the flow declares for the step (its name otherwise).
      list.appendChild(funnelRow("step", step, str(s.title) || step || "(step)", s.reached, started));
    }
    list.appendChild(funnelRow("completed", "completed", "Completed", f.completed, started));
    // Ended by the flow's own decision (a refusal): not a success, not abandoned either.
    const outcomes = Object.entries(obj(f.outcomes)).map(([k, v]) => `${k} ${count(v)}`).join(", ");
    list.appendChild(funnelRow("ended", "ended", outcomes ? `Ended by the flow (${outcomes})` : "Ended by the flow",
      f.ended, started));
    list.appendChild(funnelRow("abandoned", "abandoned", "Abandoned", f.abandoned, started));
    box.appendChild(list);
    root.appendChild(box);
  }
}

function kpi(key, label, value, shown, hint) {
  const card = el("div", "kpi");
  card.dataset.key = key;
  card.dataset.value = raw(value);
  card.appendChild(el("span", "kpi-value", shown));
  card.appendChild(el("span", "kpi-label", label));
  if (hint) card.title = hint;
  return card;
}

function renderHandoff(report) {
  const root = els.handoff;
  clear(root);
  const h = obj(report.handoff);
  if (num(h.requested) <= 0 && num(h.taken) <= 0 && num(h.resolved) <= 0) {
    root.appendChild(emptyNote());
  }
  const grid = el("div", "kpis");
  grid.appendChild(kpi("requested", "Requested", h.requested, count(h.requested),
    "Conversations that went to the operator queue"));
  grid.appendChild(kpi("taken", "Taken", h.taken, count(h.taken)));
  grid.appendChild(kpi("resolved", "Resolved", h.resolved, count(h.resolved)));
  grid.appendChild(kpi("reopened", "Reopened", h.reopened, count(h.reopened)));
  grid.appendChild(kpi("timed_out", "Timed out", h.timed_out, count(h.timed_out)));
  grid.appendChild(kpi("sla_missed_waiting", "Waiting target missed", h.sla_missed_waiting,
    count(h.sla_missed_waiting), "Taken (or timed out) after the waiting target (handoff.sla)"));
  grid.appendChild(kpi("sla_missed_first_response", "First response missed",
    h.sla_missed_first_response, count(h.sla_missed_first_response),
    "First operator reply after the first-response target (handoff.sla)"));
  grid.appendChild(kpi("rate", "Handoff rate", h.rate,
    typeof h.rate === "number" && Number.isFinite(h.rate) ? pctFmt.format(h.rate) : "—",
    "Handoffs requested ÷ unique customers"));
  grid.appendChild(kpi("avg_wait_seconds", "Average wait", h.avg_wait_seconds, formatSeconds(h.avg_wait_seconds),
    "From joining the queue to an operator taking over"));
  grid.appendChild(kpi("avg_handling_seconds", "Average handling", h.avg_handling_seconds,
    formatSeconds(h.avg_handling_seconds), "From taking over to resolving"));
  root.appendChild(grid);
}

function renderSatisfaction(report) {
  const root = els.satisfaction;
  clear(root);
  const sat = obj(report.satisfaction);
  const dist = obj(sat.distribution);
  const avg = sat.average;

  const grid = el("div", "kpis kpis-2");
  grid.appendChild(kpi("average", "Average (1–5)", avg,
    typeof avg === "number" && Number.isFinite(avg) ? avg.toFixed(1) : "—"));
  grid.appendChild(kpi("responses", "Responses", sat.responses, count(sat.responses)));
  root.appendChild(grid);

  if (num(sat.responses) <= 0) root.appendChild(emptyNote());
  const scores = ["5", "4", "3", "2", "1"];
  const max = Math.max(1, ...scores.map((s) => num(dist[s])));
  const list = el("ul", "csat");
  for (const score of scores) {
    const li = el("li", "csat-bar");
    li.dataset.score = score;
    li.dataset.value = raw(dist[score]) || "0";
    li.appendChild(el("span", "csat-score", `${score} ★`));
    const track = el("span", "meter");
    const fill = el("span", `meter-fill csat-${score}`);
    setPercentWidth(fill, num(dist[score]), max);
    track.appendChild(fill);
    li.appendChild(track);
    li.appendChild(el("span", "meter-value", count(dist[score])));
    li.title = `${score} of 5: ${plural(dist[score], "response", "responses")}`;
    list.appendChild(li);
  }
  root.appendChild(list);
}

/** Today, hour by hour (UTC): messages in and handoffs, as a row of bars. */
function renderHours(report) {
  const root = els.hours;
  clear(root);
  const hours = arr(report.hours).filter((h) => h && typeof h === "object");
  const most = Math.max(1, ...hours.map((h) => num(h.messages_in)));
  const list = el("ol", "hours");
  for (const h of hours) {
    const li = el("li", "hour");
    li.dataset.hour = str(h.hour);
    li.dataset.messages = raw(h.messages_in) || "0";
    li.title = `${str(h.hour)}:00 UTC · ${count(h.messages_in)} messages · ${count(h.handoffs_requested)} handoffs`;
    const bar = el("div", "hour-bar");
    bar.style.height = `${Math.round((num(h.messages_in) / most) * 100)}%`;
    li.appendChild(bar);
    li.appendChild(el("span", "hour-label", str(h.hour)));
    list.appendChild(li);
  }
  root.appendChild(list);
}

function render(report) {
  const r = obj(report);
  const sections = [renderMessages, renderHours, renderCustomers, renderMultichannel, renderHandoff, renderFunnels, renderSatisfaction];
  for (const fn of sections) {
    try {
      fn(r);
    } catch (err) {
      // One malformed section must not take the whole page down.
      console.error(err);
    }
  }
  els.report.hidden = false;
  document.dispatchEvent(new CustomEvent("omnicanal:report", { detail: r })); // offline.js
}

// ---------------------------------------------------------------- loading

let inflight = null;

async function load() {
  const days = currentDays();
  syncRange(days);
  if (inflight) inflight.abort();
  const controller = new AbortController();
  inflight = controller;
  els.main.setAttribute("aria-busy", "true");
  if (els.report.hidden) showStatus("Loading…");
  els.report.classList.add("loading");
  let res;
  try {
    res = await fetch(`${API}/analytics?days=${encodeURIComponent(days)}`, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    });
  } catch (err) {
    if (controller.signal.aborted) return;
    finish(controller);
    showStatus("Cannot reach the server. Check your connection and try again.");
    return;
  }
  let data = null;
  try {
    data = await res.json();
  } catch (_err) {
    data = null;
  }
  if (controller.signal.aborted) return;
  finish(controller);
  if (res.status === 401) {
    els.report.hidden = true;
    showStatus("Log in to the console first.", { href: "/operator", text: "Open the console" });
    return;
  }
  if (res.status === 403) {
    els.report.hidden = true;
    showStatus("Analytics are for supervisors.", { href: "/operator", text: "Back to the console" });
    return;
  }
  if (!res.ok || !data || typeof data !== "object") {
    const reason = data && typeof data.error === "string" && data.error ? data.error : `${res.status} ${res.statusText || "error"}`;
    els.report.hidden = true;
    showStatus(`Could not load analytics: ${reason}`.trim());
    return;
  }
  hideStatus();
  render(data);
}

function finish(controller) {
  if (inflight === controller) inflight = null;
  els.main.setAttribute("aria-busy", "false");
  els.report.classList.remove("loading");
}

els.days.value = initialDays();
els.days.addEventListener("change", () => load());
load();
