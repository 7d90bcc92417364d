// Omnicanal web chat client.
//
// Loaded as <script type="module">, so nothing leaks into the global scope except the
// optional `window.omnicanalChat` debugging handle set at the end. Every string that
// comes from the server or the user is rendered with textContent / createElement:
// never through an HTML parser (no markup strings are ever built).

import { deviceName } from "./device.js";
import * as earlier from "./earlier.js";
import { applyStatic, setLocale, t } from "./words.js";

const TOKEN_KEY = "omnicanal.token";
const HISTORY_KEY = "omnicanal.history";
const OUTBOX_KEY = "omnicanal.outbox";
const HISTORY_LIMIT = 200;
const OUTBOX_LIMIT = 200;
const MAX_TEXT = 2000;
const TYPING_TIMEOUT_MS = 10000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
// A socket that has not opened, or not been welcomed, within this time is recycled.
const HANDSHAKE_TIMEOUT_MS = 15000;
const NEAR_BOTTOM_PX = 120;
// After a link, the joined conversation is asked for once the bot's greeting came.
const HISTORY_AFTER_LINK_MS = 600;

const els = {
  messages: document.getElementById("messages"),
  form: document.getElementById("composer"),
  input: document.getElementById("composer-input"),
  send: document.getElementById("composer-send"),
  status: document.getElementById("status"),
  statusText: document.querySelector("#status .status-text"),
};

const state = {
  status: "connecting",
  ws: null,
  welcomed: false,
  visitor: null,
  attempts: 0,
  everConnected: false,
  reconnectTimer: null,
  handshakeTimer: null,
  typingTimer: null,
  typingEl: null,
  /** Rendered conversation items, oldest first (persisted, last HISTORY_LIMIT). */
  history: [],
  /** Outgoing frames not yet acknowledged, oldest first (persisted). */
  outbox: [],
  /** Ids of items already rendered (server message ids and our own ids). */
  seen: new Set(),
  /** Our message id -> its user bubble, to mark it delivered on ack. */
  userEls: new Map(),
  /** Messages from the customer's other channels and devices (the server's). */
  earlier: [],
  /** Our channel's name, as the server calls it (for the badges). */
  channel: "webchat",
  /** An answer to a link offer was sent: ask for the joined history after the reply. */
  linkAnswered: false,
  /** Opened with a link code: the bot does not greet, the code is answered. */
  joining: false,
};

// ---------------------------------------------------------------- storage

const storage = (() => {
  try {
    const ls = window.localStorage;
    const probe = "omnicanal.__probe";
    ls.setItem(probe, "1");
    ls.removeItem(probe);
    return ls;
  } catch (_err) {
    return null; // Storage disabled: everything still works, just not across reloads.
  }
})();

function load(key) {
  if (!storage) return null;
  try {
    return storage.getItem(key);
  } catch (_err) {
    return null;
  }
}

function save(key, value) {
  if (!storage) return;
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch (_err) {
    // Quota exceeded or storage revoked: keep going in memory.
  }
}

function loadJsonArray(key) {
  try {
    const value = JSON.parse(load(key) || "[]");
    return Array.isArray(value) ? value : [];
  } catch (_err) {
    return [];
  }
}

function persistHistory() {
  if (state.history.length > HISTORY_LIMIT) {
    state.history = state.history.slice(-HISTORY_LIMIT);
  }
  save(HISTORY_KEY, JSON.stringify(state.history));
}

function persistOutbox() {
  if (state.outbox.length > OUTBOX_LIMIT) {
    state.outbox = state.outbox.slice(-OUTBOX_LIMIT);
  }
  save(OUTBOX_KEY, JSON.stringify(state.outbox));
}

// ---------------------------------------------------------------- helpers

function newId() {
  const c = window.crypto;
  if (c && typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch (_err) {
      // Not a secure context: fall through.
    }
  }
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function str(value) {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function optStr(value) {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The absolute URL when `raw` is http:, https: or relative; otherwise null. */
function safeUrl(raw) {
  if (typeof raw !== "string" || raw.trim() === "") return null;
  let url;
  try {
    url = new URL(raw, window.location.href);
  } catch (_err) {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- status

/** `textKey`: a word of words.js other than the status's own. */
function setStatus(status, textKey) {
  state.status = status;
  state.statusKey = textKey || status;
  els.status.dataset.state = status;
  els.statusText.textContent = t(state.statusKey);
}

/** The words follow `tag` (the conversation's locale) when we speak it. */
function useLocale(tag) {
  if (!setLocale(tag)) return;
  applyStatic(els);
  setStatus(state.status, state.statusKey);
}

// ---------------------------------------------------------------- rendering

function isNearBottom() {
  const m = els.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < NEAR_BOTTOM_PX;
}

function scrollToBottom() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

/** Appends a node to the list, keeping the typing indicator last. */
function appendNode(node) {
  if (state.typingEl && state.typingEl.parentNode === els.messages) {
    els.messages.insertBefore(node, state.typingEl);
  } else {
    els.messages.appendChild(node);
  }
  scrollToBottom();
}

function renderUser(item) {
  const root = el("div", "msg user");
  if (item.id) root.dataset.id = item.id;
  const bubble = el("div", "bubble");
  bubble.appendChild(el("div", "text", str(item.text)));
  root.appendChild(bubble);
  root.appendChild(el("div", "meta"));
  setDelivered(root, Boolean(item.delivered));
  if (item.id) state.userEls.set(item.id, root);
  return root;
}

function setDelivered(root, delivered) {
  const meta = root.querySelector(".meta");
  root.classList.toggle("delivered", delivered);
  root.classList.toggle("pending", !delivered);
  meta.textContent = delivered ? "✓" : "…";
  meta.title = t(delivered ? "delivered" : "sending");
  meta.setAttribute("aria-label", meta.title);
}

function onImageLoaded(event) {
  // The image grew the list: keep the newest message in view when it is this one.
  const msgs = els.messages.querySelectorAll(".msg");
  if (isNearBottom() || event.target.closest(".msg") === msgs[msgs.length - 1]) {
    scrollToBottom();
  }
}

function renderMedia(bubble, item) {
  const href = safeUrl(item.url);
  const caption = optStr(item.caption);
  if (item.kind === "image") {
    if (href) {
      const link = el("a", "media-link");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      const img = el("img");
      img.alt = caption || t("image");
      img.loading = "lazy";
      img.decoding = "async";
      img.referrerPolicy = "no-referrer";
      img.addEventListener("load", onImageLoaded);
      img.addEventListener("error", () => img.classList.add("broken"));
      img.src = href;
      link.appendChild(img);
      bubble.appendChild(link);
    } else {
      bubble.appendChild(el("div", "text url", str(item.url)));
    }
  } else {
    const name = optStr(item.name) || str(item.url) || t("file");
    if (href) {
      const link = el("a", "file", name);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      bubble.appendChild(link);
    } else {
      bubble.appendChild(el("div", "text url", name === str(item.url) ? name : `${name} (${str(item.url)})`));
    }
  }
  if (caption) bubble.appendChild(el("div", "text caption", caption));
}

function renderBot(item, { choicesActive }) {
  const root = el("div", "msg bot");
  if (item.id) root.dataset.id = item.id;
  if (item.author) {
    // A person of our team wrote it: their name and initial, not the bot's look.
    root.classList.add("operator");
    root.appendChild(earlier.operatorHeader(item.author));
  }
  const bubble = el("div", "bubble");
  if (item.kind === "image" || item.kind === "file") {
    renderMedia(bubble, item);
  } else {
    bubble.appendChild(el("div", "text", str(item.text)));
  }
  // A choices message may come without text: then only the buttons are shown.
  if (item.kind !== "choices" || str(item.text) !== "") root.appendChild(bubble);

  if (item.kind === "choices" && Array.isArray(item.choices) && item.choices.length) {
    const box = el("div", "choices");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("choices"));
    for (const choice of item.choices) {
      const button = el("button", "choice", str(choice.title));
      button.type = "button";
      button.dataset.payload = str(choice.payload);
      button.disabled = !choicesActive;
      button.addEventListener("click", () => onChoice(root, button, choice));
      box.appendChild(button);
    }
    root.appendChild(box);
  }
  return root;
}

function renderItem(item, options) {
  return item.role === "user" ? renderUser(item) : renderBot(item, options);
}

function addItem(item) {
  if (item.id) state.seen.add(item.id);
  state.history.push(item);
  persistHistory();
  appendNode(renderItem(item, { choicesActive: true }));
}

function showNotice(text, kind) {
  const node = el("div", kind ? `notice ${kind}` : "notice", text);
  appendNode(node);
}

function showTyping() {
  if (!state.typingEl) {
    const node = el("div", "typing-indicator");
    node.setAttribute("role", "status");
    node.setAttribute("aria-label", t("typing"));
    node.append(el("span"), el("span"), el("span"));
    state.typingEl = node;
    els.messages.appendChild(node);
    scrollToBottom();
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
}

function hideTyping() {
  clearTimeout(state.typingTimer);
  state.typingTimer = null;
  if (state.typingEl) {
    state.typingEl.remove();
    state.typingEl = null;
  }
}

function disableAllChoices() {
  for (const button of els.messages.querySelectorAll("button.choice")) {
    button.disabled = true;
  }
}

// ---------------------------------------------------------------- outgoing

function socketReady() {
  return state.welcomed && state.ws && state.ws.readyState === WebSocket.OPEN;
}

function sendFrame(frame) {
  if (!socketReady()) return false;
  try {
    state.ws.send(JSON.stringify(frame));
    return true;
  } catch (_err) {
    return false;
  }
}

/** Queues a frame until acknowledged, and sends it now when we can. */
function enqueue(frame) {
  state.outbox.push(frame);
  persistOutbox();
  sendFrame(frame);
}

function flushOutbox() {
  for (const frame of state.outbox) {
    if (!sendFrame(frame)) break;
  }
}

/** Whether the newest bot message offers to link (its buttons carry link: payloads). */
function linkOffered() {
  const last = state.history[state.history.length - 1];
  return Boolean(last && last.role === "bot" && Array.isArray(last.choices) &&
    last.choices.some((c) => str(c.payload).startsWith("link:")));
}

function submitText(raw) {
  const text = str(raw).trim().slice(0, MAX_TEXT);
  if (!text) return false;
  if (linkOffered()) state.linkAnswered = true;
  const id = newId();
  addItem({ role: "user", id, kind: "text", text, delivered: false });
  enqueue({ type: "message", id, text });
  return true;
}

function onChoice(root, button, choice) {
  if (button.disabled) return;
  if (linkOffered()) state.linkAnswered = true;
  for (const b of root.querySelectorAll("button.choice")) b.disabled = true;
  button.classList.add("chosen");
  const id = newId();
  const title = str(choice.title);
  addItem({ role: "user", id, kind: "text", text: title, delivered: false });
  enqueue({ type: "choice", id, payload: str(choice.payload), title });
  focusInput();
}

function focusInput() {
  try {
    els.input.focus({ preventScroll: true });
  } catch (_err) {
    els.input.focus();
  }
}

// ---------------------------------------------------------------- incoming

function onAck(frame) {
  const id = str(frame.id);
  if (!id) return;
  const before = state.outbox.length;
  state.outbox = state.outbox.filter((f) => f.id !== id);
  if (state.outbox.length !== before) persistOutbox();

  const item = state.history.find((i) => i.role === "user" && i.id === id);
  if (item && !item.delivered) {
    item.delivered = true;
    persistHistory();
  }
  const node = state.userEls.get(id);
  if (node) setDelivered(node, true);
}

function onBotMessage(frame) {
  const id = optStr(frame.id);
  if (id && state.seen.has(id)) return; // Resent after a reconnect: already shown.

  const kind = ["text", "choices", "image", "file"].includes(frame.kind) ? frame.kind : "text";
  const item = { role: "bot", id, kind };
  if (kind === "text" || kind === "choices") {
    item.text = str(frame.text);
  }
  if (optStr(frame.author)) item.author = frame.author;
  if (kind === "choices") {
    item.choices = (Array.isArray(frame.choices) ? frame.choices : [])
      .filter((c) => c && typeof c === "object")
      .map((c) => ({ payload: str(c.payload), title: str(c.title) }));
    if (!item.choices.length) item.kind = "text";
  }
  if (kind === "image" || kind === "file") {
    item.url = str(frame.url);
    item.caption = optStr(frame.caption);
    if (kind === "file") item.name = optStr(frame.name);
  }
  if (item.kind === "text" && !item.text) return; // Nothing to show.

  hideTyping();
  if (item.kind === "choices") disableAllChoices();
  addItem(item);
  if (state.linkAnswered) {
    // Joined (or not): the conversation so far may now hold another channel's messages.
    state.linkAnswered = false;
    setTimeout(() => sendFrame({ type: "history" }), HISTORY_AFTER_LINK_MS);
  }
}

function onHistory(frame) {
  useLocale(optStr(frame.locale));
  if (optStr(frame.channel)) state.channel = frame.channel;
  state.earlier = earlier.sanitize(frame.messages);
  earlier.save(storage, state.earlier);
  earlier.render(els.messages, state.earlier, state.channel);
}

function onWelcome(frame) {
  const token = optStr(frame.token);
  if (token) save(TOKEN_KEY, token);
  state.visitor = optStr(frame.visitor);
  state.welcomed = true;
  state.attempts = 0;
  state.everConnected = true;
  clearTimeout(state.handshakeTimer);
  setStatus("online");
  flushOutbox(); // Same ids as before: the server deduplicates.
}

function onFrame(event) {
  if (typeof event.data !== "string") return;
  let frame;
  try {
    frame = JSON.parse(event.data);
  } catch (_err) {
    return;
  }
  if (!frame || typeof frame !== "object") return;
  switch (frame.type) {
    case "welcome":
      onWelcome(frame);
      break;
    case "ack":
      onAck(frame);
      break;
    case "message":
      onBotMessage(frame);
      break;
    case "history":
      onHistory(frame);
      break;
    case "typing":
      showTyping();
      break;
    case "error":
      showNotice(str(frame.message) || t("wrong"), "error");
      break;
    default:
      break; // Unknown frames are ignored, for forward compatibility.
  }
}

// ---------------------------------------------------------------- connection

function socketUrl() {
  return (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/webchat";
}

function connect() {
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = null;
  if (state.ws) return;

  state.welcomed = false;
  if (!state.everConnected && state.attempts === 0) setStatus("connecting");
  else setStatus("offline", "reconnecting");

  let ws;
  try {
    ws = new WebSocket(socketUrl());
  } catch (_err) {
    scheduleReconnect();
    return;
  }
  state.ws = ws;

  clearTimeout(state.handshakeTimer);
  state.handshakeTimer = setTimeout(() => {
    if (state.ws === ws && !state.welcomed) ws.close();
  }, HANDSHAKE_TIMEOUT_MS);

  ws.addEventListener("open", () => {
    if (state.ws !== ws) return;
    ws.send(
      JSON.stringify({
        type: "hello",
        token: load(TOKEN_KEY) || null,
        locale: navigator.language,
        device: deviceName(),
        // A visitor whose conversation has not begun is greeted; the history (and the
        // conversation's language) comes with every hello.
        greet: !state.joining,
        history: true,
      }),
    );
  });
  ws.addEventListener("message", (event) => {
    if (state.ws === ws) onFrame(event);
  });
  ws.addEventListener("close", () => {
    if (state.ws !== ws) return;
    state.ws = null;
    state.welcomed = false;
    clearTimeout(state.handshakeTimer);
    hideTyping();
    scheduleReconnect();
  });
  // "error" is always followed by "close", which does the work.
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempts);
  const delay = Math.min(BACKOFF_MAX_MS, Math.round(base * (0.75 + Math.random() * 0.5)));
  state.attempts = Math.min(state.attempts + 1, 16);
  setStatus("offline", "offlineReconnecting");
  state.reconnectTimer = setTimeout(connect, delay);
}

// The network came back: do not wait for the backoff timer.
window.addEventListener("online", () => {
  if (!state.ws) {
    state.attempts = 0;
    connect();
  }
});

// ---------------------------------------------------------------- restore

function sanitizeItem(raw) {
  if (!raw || typeof raw !== "object") return null;
  const role = raw.role === "user" ? "user" : raw.role === "bot" ? "bot" : null;
  if (!role) return null;
  const kind = ["text", "choices", "image", "file"].includes(raw.kind) ? raw.kind : "text";
  const item = { role, id: optStr(raw.id), kind };
  if (raw.text != null) item.text = str(raw.text);
  if (kind === "choices") {
    item.choices = (Array.isArray(raw.choices) ? raw.choices : [])
      .filter((c) => c && typeof c === "object")
      .map((c) => ({ payload: str(c.payload), title: str(c.title) }));
  }
  if (raw.url != null) item.url = str(raw.url);
  if (raw.caption != null) item.caption = str(raw.caption);
  if (raw.name != null) item.name = str(raw.name);
  if (optStr(raw.author)) item.author = raw.author;
  if (role === "user") item.delivered = Boolean(raw.delivered);
  return item;
}

function restore() {
  state.history = loadJsonArray(HISTORY_KEY)
    .map(sanitizeItem)
    .filter(Boolean)
    .slice(-HISTORY_LIMIT);
  state.outbox = loadJsonArray(OUTBOX_KEY).filter(
    (f) => f && typeof f === "object" && typeof f.id === "string" && (f.type === "message" || f.type === "choice"),
  );

  const last = state.history[state.history.length - 1];
  const fragment = document.createDocumentFragment();
  for (const item of state.history) {
    if (item.id) state.seen.add(item.id);
    // Only the newest item's choices stay usable, and only if it is a bot message.
    fragment.appendChild(renderItem(item, { choicesActive: item === last && item.role === "bot" }));
  }
  els.messages.appendChild(fragment);
  state.earlier = earlier.load(storage);
  earlier.render(els.messages, state.earlier, state.channel);
  scrollToBottom();
}

// ---------------------------------------------------------------- wiring

/**
 * A "continue on another channel" link opens this page with ?link=CODE: send the code as
 * the visitor's message (the bot still asks them to confirm), and drop it from the address
 * bar so a reload or a shared URL does not send it again.
 */
function redeemLinkFromUrl() {
  const url = new URL(window.location.href);
  const code = url.searchParams.get("link");
  if (!code) return;
  url.searchParams.delete("link");
  window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  const clean = code.replace(/[^A-Za-z0-9]/g, "").toUpperCase().slice(0, 8);
  if (clean.length !== 8) return;
  state.joining = true; // joining a conversation: no greeting of a new one first
  submitText(clean.slice(0, 4) + "-" + clean.slice(4));
}

// "Typing…" for the operator who has (or will have) the conversation: at most one frame
// every 2 s while the visitor types; the server forwards it, nothing is recorded.
const TYPING_EVERY_MS = 2000;
let typingSentAt = 0;
els.input.addEventListener("input", () => {
  const now = Date.now();
  if (!els.input.value.trim() || now - typingSentAt < TYPING_EVERY_MS) return;
  if (sendFrame({ type: "typing" })) typingSentAt = now;
});

els.form.addEventListener("submit", (event) => {
  event.preventDefault();
  typingSentAt = 0; // sent: the next keystroke starts a new burst of typing
  if (submitText(els.input.value)) els.input.value = "";
  focusInput();
});

// Keep the keyboard up on mobile: the send button does not steal focus.
els.send.addEventListener("mousedown", (event) => event.preventDefault());

applyStatic(els);
setStatus(state.status);
restore();
redeemLinkFromUrl();
connect();
focusInput();

window.omnicanalChat = { state };
