// The analytics page's "Offline to online": per QR entry point (a shop's poster, a
// campaign's flyer) and per campaign, scans, conversations started, opt-ins given through
// it and conversions (bot/analytics/offline.py says how each is counted). Rendered from
// the report analytics.js loaded (its "omnicanal:report" event): no second request.
import { el } from "./dom.js";

const body = () => document.querySelector("#offline .card-body");
const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const COLUMNS = [
  ["scans", "Scans", "Messages that were this code's reference"],
  ["conversations", "Conversations started", "Customers who wrote again after scanning"],
  ["optins", "Opt-ins", "Consents given through this code"],
  ["conversions", "Conversions", "Customers who completed a flow within the attribution window"],
];

function table(kind, rows, nameOf, subOf) {
  const t = el("table", "an-table offline-table");
  t.dataset.kind = kind;
  const head = el("tr");
  head.appendChild(el("th", null, kind === "entry" ? "Entry point" : "Campaign"));
  for (const [, label, hint] of COLUMNS) {
    const th = el("th", "num", label);
    th.title = hint;
    head.appendChild(th);
  }
  t.appendChild(el("thead")).appendChild(head);
  const tbody = t.appendChild(el("tbody"));
  for (const row of rows) {
    const tr = el("tr", "offline-row");
    tr.dataset[kind] = String(row[kind] || "");
    const name = el("td", "an-name");
    name.appendChild(el("div", null, nameOf(row)));
    const sub = subOf(row);
    if (sub) name.appendChild(el("div", "muted", sub));
    tr.appendChild(name);
    for (const [key] of COLUMNS) {
      const value = Number(row[key]) || 0;
      const td = el("td", "num", intFmt.format(value));
      td.dataset.key = key;
      td.dataset.value = String(value);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  return t;
}

document.addEventListener("omnicanal:report", (event) => {
  const root = body();
  if (!root) return;
  const offline = (event.detail && event.detail.offline) || {};
  const entries = Array.isArray(offline.entries) ? offline.entries : [];
  const campaigns = Array.isArray(offline.campaigns) ? offline.campaigns : [];
  root.replaceChildren();
  if (!entries.length) {
    root.appendChild(el("p", "empty an-empty",
      "No entry point yet: add entry_points to config.yaml to print QR codes for a shop or a campaign."));
    return;
  }
  root.appendChild(table("entry", entries, (row) => row.title || row.entry, (row) =>
    [row.entry, row.campaign ? `campaign ${row.campaign}` : ""].filter(Boolean).join(" · ")));
  if (campaigns.length) {
    root.appendChild(table("campaign", campaigns, (row) => row.campaign, (row) =>
      (row.entries || []).join(", ")));
  }
});
