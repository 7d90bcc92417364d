// The conversation so far from the customer's other channels and devices, shown above
// this page's own messages after a link (or on any later visit), each message with its
// channel's badge. Rendered with textContent only, like everything else.

import { channelName, t } from "./words.js";

const EARLIER_KEY = "omnicanal.earlier";
const EARLIER_LIMIT = 50;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** The server's messages, checked: anything malformed is dropped. */
export function sanitize(raw) {
  return (Array.isArray(raw) ? raw : [])
    .filter((m) => m && typeof m === "object" && typeof m.text === "string" && m.text)
    .map((m) => ({
      speaker: ["customer", "bot", "operator"].includes(m.speaker) ? m.speaker : "bot",
      text: m.text,
      channel: typeof m.channel === "string" ? m.channel : "",
      author: typeof m.author === "string" && m.author ? m.author : null,
      at: typeof m.at === "number" ? m.at : 0,
    }))
    .slice(-EARLIER_LIMIT);
}

export function load(storage) {
  try {
    return sanitize(JSON.parse((storage && storage.getItem(EARLIER_KEY)) || "[]"));
  } catch (_err) {
    return [];
  }
}

export function save(storage, messages) {
  try {
    if (storage) storage.setItem(EARLIER_KEY, JSON.stringify(messages));
  } catch (_err) {
    // Quota or revoked storage: shown now, fetched again on the next visit.
  }
}

function badge(channel, ownChannel) {
  const name = channelName(channel);
  return channel === ownChannel ? `${name} · ${t("otherDevice")}` : name;
}

/** An operator's header: their initial in a circle, and their name. */
export function operatorHeader(name) {
  const who = el("div", "who");
  const shown = name || t("team");
  who.appendChild(el("span", "who-avatar", shown.trim().charAt(0).toUpperCase() || "?"));
  who.appendChild(el("span", "who-name", shown));
  return who;
}

/** Replace the block of earlier messages at the top of `list` with `messages`. */
export function render(list, messages, ownChannel) {
  const old = list.querySelector(".earlier");
  if (old) old.remove();
  if (!messages.length) return;
  const block = el("section", "earlier");
  block.setAttribute("aria-label", t("earlier"));
  block.appendChild(el("div", "notice earlier-title", t("earlier")));
  for (const m of messages) {
    const mine = m.speaker === "customer";
    const root = el("div", `msg ${mine ? "user" : "bot"} earlier-msg`);
    if (m.speaker === "operator") {
      root.classList.add("operator");
      root.appendChild(operatorHeader(m.author));
    }
    const bubble = el("div", "bubble");
    bubble.appendChild(el("div", "text", m.text));
    root.appendChild(bubble);
    root.appendChild(el("div", "channel-badge", badge(m.channel, ownChannel)));
    block.appendChild(root);
  }
  list.insertBefore(block, list.firstChild);
}
