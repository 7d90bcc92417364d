// The analytics page's "Campaigns" card: each campaign's figures as the console's
// Campaigns page and the business API count them (bot/analytics/campaigns.py), from the
// report analytics.js loaded (its "omnicanal:report" event): no second request.
import { el, reasons } from "./dom.js";

const body = () => document.querySelector("#campaign-stats .card-body");
const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const COLUMNS = [["audience", "Audience"], ["sent", "Sent"], ["delivered", "Delivered"],
  ["read", "Read"], ["replied", "Replied"], ["opted_out", "Opted out"], ["conversions", "Conversions"]];

document.addEventListener("omnicanal:report", (event) => {
  const root = body();
  if (!root) return;
  const campaigns = Array.isArray(event.detail && event.detail.campaigns) ? event.detail.campaigns : [];
  root.replaceChildren();
  if (!campaigns.length) {
    root.appendChild(el("p", "empty an-empty", "No campaign yet: supervisors create them on the console's Campaigns page."));
    return;
  }
  const t = el("table", "an-table campaign-table");
  const head = el("tr");
  head.appendChild(el("th", null, "Campaign"));
  for (const [, label] of COLUMNS) head.appendChild(el("th", "num", label));
  head.appendChild(el("th", null, "Failed / skipped"));
  t.appendChild(el("thead")).appendChild(head);
  const tbody = t.appendChild(el("tbody"));
  for (const row of campaigns) {
    const tr = el("tr", "campaign-row");
    tr.dataset.campaign = String(row.id || "");
    const name = el("td", "an-name");
    name.appendChild(el("div", null, row.name));
    name.appendChild(el("div", "muted", row.status));
    tr.appendChild(name);
    for (const [key] of COLUMNS) {
      const td = el("td", "num", intFmt.format(Number(row[key]) || 0));
      td.dataset.key = key;
      tr.appendChild(td);
    }
    tr.appendChild(el("td", "muted", [reasons(row.failed), reasons(row.skipped)].filter(Boolean).join("; ")));
    tbody.appendChild(tr);
  }
  root.appendChild(t);
});
