// Omnicanal operator console.
//
// A plain ES module: no framework, no build step, nothing from a CDN. Everything that
// comes from the server (customer names, texts, tags, operator names...) is hostile input
// and is rendered with textContent / createElement only: no markup string is ever parsed.
import { el } from "./dom.js";

const API = "/operator/api";
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const QUEUE_POLL_MS = 30000;
const CLOCK_TICK_MS = 15000;
const TOAST_MS = 7000;
const NEAR_BOTTOM_PX = 140;
const RESOLVE_CONFIRM_MS = 4000;

const $ = (id) => document.getElementById(id);

const els = {
  boot: $("boot"),
  loginView: $("login-view"),
  loginForm: $("login-form"),
  loginOperator: $("login-operator"),
  loginPassword: $("login-password"),
  loginSubmit: $("login-submit"),
  loginError: $("login-error"),
  app: $("app"),
  wsStatus: $("ws-status"),
  wsStatusText: document.querySelector("#ws-status .status-text"),
  meName: $("me-name"),
  meRole: $("me-role"),
  logout: $("logout"),
  queue: $("queue"),
  queueEmpty: $("queue-empty"),
  queueCount: $("queue-count"),
  queueOpen: $("queue-open"),
  queueOnline: $("queue-online"),
  queueRefresh: $("queue-refresh"),
  mine: $("mine"),
  mineEmpty: $("mine-empty"),
  mineCount: $("mine-count"),
  mineTitle: $("mine-title"),
  convEmpty: $("conv-empty"),
  convBody: $("conv-body"),
  convName: $("conv-name"),
  convMode: $("conv-mode"),
  convOperator: $("conv-operator"),
  convFlow: $("conv-flow"),
  take: $("take"),
  handback: $("handback"),
  handbackFlow: $("handback-flow"),
  transfer: $("transfer"),
  transferOperator: $("transfer-operator"),
  resolve: $("resolve"),
  reopen: $("reopen"),
  foldSystem: $("fold-system"),
  transcript: $("transcript"),
  replyForm: $("reply-form"),
  replyText: $("reply-text"),
  replySend: $("reply-send"),
  replyHint: $("reply-hint"),
  replyChannel: $("reply-channel"),
  noteForm: $("note-form"),
  noteText: $("note-text"),
  noteSend: $("note-send"),
  profile: $("profile"),
  identities: $("identities"),
  reaching: $("reaching"),
  session: $("session"),
  toasts: $("toasts"),
};

const state = {
  me: null, // {id, name, role, capacity}
  csrf: null,
  loggedIn: false,
  queue: { items: [], online_operators: 0, open: true },
  queueFetchedAt: 0,
  mine: [],
  mineFetchedAt: 0,
  openId: null,
  conv: null, // the open conversation, as the server sent it
  convFetchedFor: null,
  drafts: new Map(), // customer id -> {reply, note}
  busy: false, // an action on the open conversation is in flight
  ws: null,
  wsAttempts: 0,
  wsTimer: null,
  wsEverOpen: false,
  pollTimer: null,
  clockTimer: null,
  resolveArmed: null,
};

// ---------------------------------------------------------------- helpers

function str(value) {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function channelBadge(channel) {
  const name = str(channel) || "unknown";
  const badge = el("span", "channel-badge", name);
  // Only a safe token goes into the attribute the stylesheet colours by.
  badge.dataset.channel = name.toLowerCase().replace(/[^a-z0-9_-]/g, "");
  return badge;
}

/** "3" on an item: the customer's messages since this operator last had it open. */
function appendUnread(node, item) {
  const n = Number(item && item.unread) || 0;
  if (n <= 0 || str(item.customer_id) === state.openId) return;
  const badge = el("span", "unread-badge", n > 99 ? "99+" : String(n));
  badge.title = `${n} unread`;
  node.appendChild(badge);
}

function customerName(name) {
  const n = str(name).trim();
  return n || "Customer";
}

/** "just now", "4 min", "1 h 5 min", "2 d 3 h". */
function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return s < 15 ? "just now" : "<1 min";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

function ago(epochSeconds) {
  const at = Number(epochSeconds);
  if (!Number.isFinite(at) || at <= 0) return "";
  const s = Date.now() / 1000 - at;
  const d = formatDuration(s);
  return d === "just now" ? d : `${d} ago`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function toDate(epochSeconds) {
  const at = Number(epochSeconds);
  return Number.isFinite(at) && at > 0 ? new Date(at * 1000) : null;
}

/** A <time> with the local clock time, full date on hover, relative age for today. */
function timeEl(epochSeconds, className) {
  const date = toDate(epochSeconds);
  const node = el("time", className || "time");
  if (!date) return node;
  node.dateTime = date.toISOString();
  node.textContent = timeFmt.format(date);
  node.title = `${fullFmt.format(date)} (${ago(epochSeconds)})`;
  return node;
}

function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(date) === dayKey(today)) return "Today";
  if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
  return dateFmt.format(date);
}

function operatorName(id) {
  const key = str(id);
  if (!key) return "";
  if (state.me && key === state.me.id) return `${str(state.me.name) || key} (you)`;
  const ops = state.conv && Array.isArray(state.conv.operators) ? state.conv.operators : [];
  const found = ops.find((o) => o && str(o.id) === key);
  return found && str(found.name) ? str(found.name) : key;
}

/** "operator:ana" -> "ana". */
function operatorIdFromAuthor(author) {
  const a = str(author);
  return a.startsWith("operator:") ? a.slice("operator:".length) : "";
}

/** Runs `fn` at most once at a time; a call made meanwhile reruns it once afterwards. */
function coalesced(fn) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return run;
}

// ---------------------------------------------------------------- toasts

function toast(message, kind = "error") {
  const node = el("div", `toast ${kind}`);
  node.setAttribute("role", kind === "error" ? "alert" : "status");
  node.appendChild(el("span", "toast-text", str(message) || "Something went wrong."));
  const close = el("button", "toast-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.addEventListener("click", () => node.remove());
  node.appendChild(close);
  els.toasts.appendChild(node);
  while (els.toasts.children.length > 4) els.toasts.firstElementChild.remove();
  setTimeout(() => node.remove(), kind === "error" ? TOAST_MS * 1.5 : 3500);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

async function api(method, path, body, { authCheck = true } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, credentials: "same-origin", headers, cache: "no-store" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (_err) {
    throw new ApiError(0, "Cannot reach the server. Check your connection.", null);
  }
  let data = null;
  if (res.status !== 204) {
    const text = await res.text().catch(() => "");
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_err) {
        data = null;
      }
    }
  }
  if (!res.ok) {
    const message =
      (data && typeof data.error === "string" && data.error) || `${res.status} ${res.statusText || "error"}`.trim();
    if (res.status === 401 && authCheck && state.loggedIn) {
      sessionEnded("Your session has ended. Please sign in again.");
    }
    throw new ApiError(res.status, message, data);
  }
  return data;
}

function cid(id) {
  return encodeURIComponent(str(id));
}

// ---------------------------------------------------------------- login / session

function show(view) {
  els.boot.hidden = true;
  els.loginView.hidden = view !== "login";
  els.app.hidden = view !== "app";
}

function showLogin(message) {
  show("login");
  setLoginError(message || "");
  els.loginSubmit.disabled = false;
  (els.loginOperator.value ? els.loginPassword : els.loginOperator).focus();
}

function setLoginError(message) {
  els.loginError.textContent = message;
  els.loginError.hidden = !message;
}

let loginRetryTimer = null;

function lockLogin(seconds) {
  clearInterval(loginRetryTimer);
  let left = Math.max(1, Math.ceil(Number(seconds) || 1));
  els.loginSubmit.disabled = true;
  const tick = () => {
    if (left <= 0) {
      clearInterval(loginRetryTimer);
      els.loginSubmit.disabled = false;
      els.loginSubmit.textContent = "Sign in";
      return;
    }
    els.loginSubmit.textContent = `Try again in ${left} s`;
    left -= 1;
  };
  tick();
  loginRetryTimer = setInterval(tick, 1000);
}

async function onLoginSubmit(event) {
  event.preventDefault();
  if (els.loginSubmit.disabled) return;
  const operator = els.loginOperator.value.trim();
  const password = els.loginPassword.value;
  if (!operator || !password) {
    setLoginError("Enter your operator ID and password.");
    return;
  }
  setLoginError("");
  els.loginSubmit.disabled = true;
  els.loginSubmit.textContent = "Signing in…";
  try {
    const data = await api("POST", "/login", { operator, password }, { authCheck: false });
    els.loginPassword.value = "";
    els.loginSubmit.textContent = "Sign in";
    els.loginSubmit.disabled = false;
    // /me also gives the capacity; the login answer is enough to start.
    startSession(data);
    refreshMe();
  } catch (err) {
    els.loginSubmit.textContent = "Sign in";
    els.loginSubmit.disabled = false;
    if (err.status === 429) {
      const retry = err.data && Number(err.data.retry_after);
      setLoginError(retry ? `${err.message} (try again in ${Math.ceil(retry)} s)` : err.message);
      if (retry) lockLogin(retry);
    } else if (err.status === 401) {
      setLoginError(err.message || "Wrong operator ID or password.");
      els.loginPassword.select();
    } else {
      setLoginError(err.message);
    }
  }
}

async function refreshMe() {
  try {
    const data = await api("GET", "/me");
    if (data && data.operator) {
      state.me = normalizeMe(data.operator);
      if (data.csrf) state.csrf = str(data.csrf);
      renderMe();
    }
  } catch (_err) {
    // 401 is handled by api(); anything else: keep what the login gave.
  }
}

function normalizeMe(op) {
  return {
    id: str(op.id),
    name: str(op.name),
    role: str(op.role),
    capacity: op.capacity == null ? null : op.capacity,
    editProfiles: op.edit_profiles === true,
  };
}

function isSupervisor() {
  return Boolean(state.me) && /supervisor|admin/i.test(state.me.role);
}

function renderMe() {
  if (!state.me) return;
  els.meName.textContent = state.me.name || state.me.id;
  els.meName.title = `Operator ID: ${state.me.id}`;
  const cap = state.me.capacity != null && state.me.capacity !== "" ? ` · capacity ${state.me.capacity}` : "";
  els.meRole.textContent = (state.me.role || "operator") + cap;
  els.mineTitle.firstChild.textContent = isSupervisor() ? "Active conversations " : "My conversations ";
  document.dispatchEvent(new CustomEvent("omnicanal:me", { detail: state.me }));
}

function startSession(data) {
  state.me = normalizeMe(data.operator || {});
  state.csrf = str(data.csrf);
  state.loggedIn = true;
  renderMe();
  show("app");
  connectWs();
  refreshQueue();
  refreshMine();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(() => {
    refreshQueue();
    refreshMine();
  }, QUEUE_POLL_MS);
  clearInterval(state.clockTimer);
  state.clockTimer = setInterval(tickClocks, CLOCK_TICK_MS);
  const fromHash = idFromHash();
  if (fromHash) openConversation(fromHash);
}

function stopSession() {
  state.loggedIn = false;
  state.csrf = null;
  clearInterval(state.pollTimer);
  clearInterval(state.clockTimer);
  disconnectWs();
  closeConversation();
  state.queue = { items: [], online_operators: 0, open: true };
  state.mine = [];
  state.drafts.clear();
  clear(els.queue);
  clear(els.mine);
}

function sessionEnded(message) {
  if (!state.loggedIn) return;
  stopSession();
  showLogin(message);
}

async function onLogout() {
  els.logout.disabled = true;
  try {
    await api("POST", "/logout", {}, { authCheck: false });
  } catch (err) {
    if (err.status !== 401) toast(err.message);
  } finally {
    els.logout.disabled = false;
  }
  stopSession();
  history.replaceState(null, "", location.pathname + location.search);
  showLogin("");
}

// ---------------------------------------------------------------- queue

const refreshQueue = coalesced(async () => {
  if (!state.loggedIn) return;
  try {
    const data = await api("GET", "/queue");
    state.queue = {
      items: Array.isArray(data && data.items) ? data.items.filter((i) => i && typeof i === "object") : [],
      online_operators: Number(data && data.online_operators) || 0,
      open: Boolean(data && data.open),
    };
    state.queueFetchedAt = Date.now();
    renderQueue();
  } catch (err) {
    if (err.status !== 401) toast(`Queue: ${err.message}`);
  }
});

function renderQueue() {
  const { items, online_operators: online, open } = state.queue;
  els.queueCount.textContent = items.length ? String(items.length) : "";
  els.queueOpen.textContent = open ? "Open" : "Closed";
  els.queueOpen.dataset.open = open ? "true" : "false";
  els.queueOnline.textContent = `${online} operator${online === 1 ? "" : "s"} online`;
  document.title = `${items.length ? `(${items.length}) ` : ""}Omnicanal · Operator console`;

  const frag = document.createDocumentFragment();
  const sorted = items.slice().sort((a, b) => (Number(a.position) || 0) - (Number(b.position) || 0));
  for (const item of sorted) {
    const li = el("li");
    const btn = el("button", "queue-item item");
    btn.type = "button";
    btn.dataset.customer = str(item.customer_id);
    if (str(item.customer_id) === state.openId) {
      btn.classList.add("active");
      btn.setAttribute("aria-current", "true");
    }
    const prio = Number(item.priority) || 0;
    if (prio > 0) btn.classList.add("priority");

    const top = el("div", "item-top");
    top.appendChild(el("span", "item-name", customerName(item.display_name || item.name)));
    appendUnread(top, item);
    top.appendChild(channelBadge(item.channel));
    btn.appendChild(top);

    if (str(item.reason)) btn.appendChild(el("div", "item-reason", str(item.reason)));
    if (str(item.last_text)) btn.appendChild(el("div", "item-last", str(item.last_text)));

    const meta = el("div", "item-meta");
    const pos = el("span", "item-position", item.position != null ? `#${str(item.position)}` : "");
    pos.title = "Position in the queue";
    meta.appendChild(pos);
    const wait = el("span", "item-wait");
    wait.dataset.waiting = String(Number(item.waiting_seconds) || 0);
    meta.appendChild(wait);
    if (prio > 0) meta.appendChild(el("span", "item-priority", `priority ${prio}`));
    btn.appendChild(meta);

    btn.addEventListener("click", () => openConversation(str(item.customer_id)));
    li.appendChild(btn);
    frag.appendChild(li);
  }
  clear(els.queue);
  els.queue.appendChild(frag);
  els.queueEmpty.hidden = items.length > 0;
  els.queueEmpty.textContent = open ? "Nobody is waiting." : "The queue is closed.";
  tickClocks();
  document.dispatchEvent(new CustomEvent("omnicanal:queue", { detail: items }));
}

/** Updates waiting times and relative ages without refetching. */
function tickClocks() {
  const elapsed = state.queueFetchedAt ? (Date.now() - state.queueFetchedAt) / 1000 : 0;
  for (const node of els.queue.querySelectorAll(".item-wait")) {
    const secs = Number(node.dataset.waiting) + elapsed;
    node.textContent = formatDuration(secs) === "just now" ? "waiting <1 min" : `waiting ${formatDuration(secs)}`;
    node.classList.toggle("long", secs >= 300);
  }
  for (const node of document.querySelectorAll("[data-ago]")) {
    node.textContent = ago(node.dataset.ago);
  }
}

// ---------------------------------------------------------------- my conversations

const refreshMine = coalesced(async () => {
  if (!state.loggedIn) return;
  try {
    const data = await api("GET", "/conversations");
    state.mine = Array.isArray(data && data.items) ? data.items.filter((i) => i && typeof i === "object") : [];
    state.mineFetchedAt = Date.now();
    renderMine();
  } catch (err) {
    if (err.status !== 401) toast(`Conversations: ${err.message}`);
  }
});

function renderMine() {
  const items = state.mine.slice().sort((a, b) => (Number(b.updated_at) || 0) - (Number(a.updated_at) || 0));
  els.mineCount.textContent = items.length ? String(items.length) : "";
  const frag = document.createDocumentFragment();
  for (const item of items) {
    const li = el("li");
    const btn = el("button", "conversation-item item");
    btn.type = "button";
    btn.dataset.customer = str(item.customer_id);
    if (str(item.customer_id) === state.openId) {
      btn.classList.add("active");
      btn.setAttribute("aria-current", "true");
    }
    const top = el("div", "item-top");
    top.appendChild(el("span", "item-name", customerName(item.display_name || item.name)));
    appendUnread(top, item);
    top.appendChild(channelBadge(item.channel));
    btn.appendChild(top);
    if (str(item.last_text)) btn.appendChild(el("div", "item-last", str(item.last_text)));
    const meta = el("div", "item-meta");
    const mode = el("span", "mode-badge small", str(item.mode) || "—");
    mode.dataset.mode = str(item.mode);
    meta.appendChild(mode);
    const op = str(item.operator);
    if (op && (!state.me || op !== state.me.id)) meta.appendChild(el("span", "item-operator", `with ${op}`));
    const when = el("span", "item-when");
    if (item.updated_at != null) {
      when.dataset.ago = str(item.updated_at);
      when.textContent = ago(item.updated_at);
      const d = toDate(item.updated_at);
      if (d) when.title = fullFmt.format(d);
    }
    meta.appendChild(when);
    btn.appendChild(meta);
    btn.addEventListener("click", () => openConversation(str(item.customer_id)));
    li.appendChild(btn);
    frag.appendChild(li);
  }
  clear(els.mine);
  els.mine.appendChild(frag);
  els.mineEmpty.hidden = items.length > 0;
  document.dispatchEvent(new CustomEvent("omnicanal:mine", { detail: items }));
}

function markActiveItems() {
  for (const node of document.querySelectorAll(".item[data-customer]")) {
    const on = node.dataset.customer === state.openId;
    node.classList.toggle("active", on);
    if (on) node.setAttribute("aria-current", "true");
    else node.removeAttribute("aria-current");
  }
}

// ---------------------------------------------------------------- conversation

function idFromHash() {
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch (_err) {
    return null;
  }
}

function saveDraft() {
  if (!state.openId) return;
  const reply = els.replyText.value;
  const note = els.noteText.value;
  if (reply || note) state.drafts.set(state.openId, { reply, note });
  else state.drafts.delete(state.openId);
}

function openConversation(id) {
  if (!id) return;
  if (id === state.openId) {
    refreshConversation();
    return;
  }
  saveDraft();
  state.openId = id;
  state.conv = null;
  state.convFetchedFor = null;
  disarmResolve();
  els.handbackFlow.value = "";
  els.transferOperator.value = "";
  const draft = state.drafts.get(id) || { reply: "", note: "" };
  els.replyText.value = draft.reply;
  els.noteText.value = draft.note;
  history.replaceState(null, "", `#/c/${encodeURIComponent(id)}`);
  markActiveItems();
  els.convEmpty.hidden = true;
  els.convBody.hidden = false;
  els.convName.textContent = "Loading…";
  clear(els.transcript);
  refreshConversation();
}

function closeConversation() {
  saveDraft();
  state.openId = null;
  state.conv = null;
  state.convFetchedFor = null;
  els.convBody.hidden = true;
  els.convEmpty.hidden = false;
  clear(els.transcript);
  clear(els.profile);
  els.profile.appendChild(el("p", "empty", "No conversation open."));
  clear(els.identities);
  clear(els.reaching);
  clear(els.session);
  markActiveItems();
}

const refreshConversation = coalesced(async () => {
  const id = state.openId;
  if (!id || !state.loggedIn) return;
  try {
    const data = await api("GET", `/conversations/${cid(id)}`);
    if (state.openId !== id) return; // Switched meanwhile.
    const first = state.convFetchedFor !== id;
    state.conv = data && typeof data === "object" ? data : {};
    state.convFetchedFor = id;
    renderConversation(first);
  } catch (err) {
    if (state.openId !== id || err.status === 401) return;
    if (err.status === 404) {
      toast(err.message || "This conversation no longer exists.");
      closeConversation();
      history.replaceState(null, "", location.pathname + location.search);
      return;
    }
    toast(err.message);
    if (!state.conv) els.convName.textContent = "Could not load this conversation";
  }
});

function session() {
  const s = state.conv && state.conv.session && typeof state.conv.session === "object" ? state.conv.session : {};
  return {
    mode: str(s.mode) || "bot",
    operator: str(s.operator),
    flow: str(s.flow),
    step: str(s.step),
    reason: str(s.reason),
    queued_at: s.queued_at,
  };
}

function heldByMe() {
  const s = session();
  return Boolean(state.me) && s.mode === "human" && s.operator === state.me.id;
}

const MODE_LABEL = { bot: "Bot", queued: "Waiting in queue", human: "With an operator" };

function renderConversation(first) {
  const conv = state.conv;
  const profile = conv.profile && typeof conv.profile === "object" ? conv.profile : {};
  const s = session();

  els.convName.textContent = customerName(conv.display_name || profile.name);
  els.convMode.textContent = MODE_LABEL[s.mode] || s.mode;
  els.convMode.dataset.mode = s.mode;
  els.convOperator.textContent = s.operator ? `Assigned to ${operatorName(s.operator)}` : "Unassigned";
  els.convFlow.textContent = s.flow ? `flow ${s.flow}${s.step ? ` · ${s.step}` : ""}` : "";

  renderActions();
  renderTranscript(first);
  renderProfile(profile);
  document.dispatchEvent(new CustomEvent("omnicanal:conversation", { detail: conv }));
  renderIdentities(Array.isArray(conv.identities) ? conv.identities : []);
  renderReaching(conv.reaching && typeof conv.reaching === "object" ? conv.reaching : {});
  renderSession(s);
  markActiveItems();
  if (first && !els.replyText.disabled) els.replyText.focus({ preventScroll: true });
}

function fillSelect(select, placeholder, options) {
  const previous = select.value;
  clear(select);
  const ph = el("option", null, placeholder);
  ph.value = "";
  select.appendChild(ph);
  for (const { value, label, disabled } of options) {
    const opt = el("option", null, label);
    opt.value = value;
    if (disabled) opt.disabled = true;
    select.appendChild(opt);
  }
  if (options.some((o) => o.value === previous && !o.disabled)) select.value = previous;
}

function renderActions() {
  const conv = state.conv;
  const s = session();
  const mine = heldByMe();
  const busy = state.busy;

  // Take: when it waits in the queue, or it is not (yet) ours.
  els.take.hidden = mine;
  els.take.textContent = s.mode === "queued" ? "Take" : s.mode === "human" ? "Take over" : "Take from bot";
  els.take.disabled = busy;

  const manage = mine || s.mode === "queued" || (isSupervisor() && s.mode !== "bot");
  // The flows a conversation can sensibly go back to, by the titles the flows declare.
  const choices = Array.isArray(conv.flow_choices)
    ? conv.flow_choices.filter((f) => f && str(f.name)).map((f) => ({ value: str(f.name), label: str(f.title) || str(f.name) }))
    : (Array.isArray(conv.flows) ? conv.flows.map(str).filter(Boolean) : []).map((f) => ({ value: f, label: f }));
  fillSelect(els.handbackFlow, "— where the flow stood —", choices);
  els.handbackFlow.disabled = busy || !manage;
  els.handback.disabled = busy || !manage;

  const me = state.me ? state.me.id : "";
  const ops = (Array.isArray(conv.operators) ? conv.operators : [])
    .filter((o) => o && str(o.id) && str(o.id) !== me && str(o.id) !== s.operator)
    .sort((a, b) => Number(Boolean(b.online)) - Number(Boolean(a.online)) || str(a.name).localeCompare(str(b.name)));
  fillSelect(
    els.transferOperator,
    "Transfer to…",
    ops.map((o) => ({
      value: str(o.id),
      label: `${str(o.name) || str(o.id)}${o.online ? "" : " (offline)"}`,
    })),
  );
  els.transferOperator.disabled = busy || !manage || ops.length === 0;
  els.transfer.disabled = busy || !manage || !els.transferOperator.value;

  // After a hand back the conversation is the bot's again, and can still be resolved.
  els.resolve.disabled = busy || !(manage || s.mode === "bot");
  els.reopen.hidden = s.mode !== "bot";
  els.reopen.disabled = busy;

  // Reply only when this operator holds the conversation.
  els.replyText.disabled = !mine;
  els.replySend.disabled = !mine || busy;
  els.replyForm.classList.toggle("disabled", !mine);
  if (mine) {
    els.replyHint.hidden = true;
  } else {
    els.replyHint.hidden = false;
    els.replyHint.textContent =
      s.mode === "human" && s.operator
        ? `${operatorName(s.operator)} is handling this conversation. Take it over to reply.`
        : s.mode === "queued"
          ? "Take this conversation to reply."
          : "The bot is handling this conversation. Take it to reply.";
  }
  els.replyChannel.textContent = "";
  const last = lastCustomerChannel();
  if (last) {
    els.replyChannel.appendChild(document.createTextNode("· last seen on "));
    els.replyChannel.appendChild(channelBadge(last));
  }
  els.noteSend.disabled = busy;
}

function lastCustomerChannel() {
  const t = state.conv && Array.isArray(state.conv.transcript) ? state.conv.transcript : [];
  for (let i = t.length - 1; i >= 0; i--) {
    if (t[i] && t[i].kind === "inbound" && str(t[i].channel)) return str(t[i].channel);
  }
  return "";
}

const SYSTEM_KINDS = new Set(["handoff", "link", "merge", "channel_switch", "flow", "delivery", "error", "understood", "profile"]);
const SYSTEM_LABEL = {
  outbound: "Told the customer",
  profile: "Profile",
  handoff: "Handoff",
  link: "Linked",
  merge: "Merged",
  channel_switch: "Channel switch",
  flow: "Flow",
  delivery: "Delivery",
  error: "Error",
  understood: "Understood",
};

function entryClass(entry) {
  const kind = str(entry.kind);
  const author = str(entry.author);
  if (kind === "note" || entry.internal === true) return "note";
  // Lines the desk sends by itself ("Ana joined") are the system's, not typed by anyone.
  if (SYSTEM_KINDS.has(kind) || author === "system") return "system";
  if (kind === "inbound" || author === "customer") return "customer";
  if (author.startsWith("operator:")) return "operator";
  if (kind === "outbound" || author === "bot") return "bot";
  return "system";
}

function renderEntry(entry, profileName) {
  const cls = entryClass(entry);
  const kind = str(entry.kind);
  const node = el("div", `entry ${cls}`);
  node.dataset.kind = kind;

  if (cls === "system") {
    if (kind === "error") node.classList.add("error");
    node.appendChild(el("span", "system-kind", SYSTEM_LABEL[kind] || kind || "Event"));
    if (str(entry.channel)) node.appendChild(channelBadge(entry.channel));
    if (str(entry.text)) node.appendChild(el("span", "system-text", str(entry.text)));
    node.appendChild(timeEl(entry.at));
    return node;
  }

  const head = el("div", "entry-head");
  let who;
  if (cls === "customer") who = customerName(profileName);
  else if (cls === "bot") who = "Bot";
  else who = operatorName(operatorIdFromAuthor(entry.author)) || "Operator";
  head.appendChild(el("span", "entry-author", who));
  if (cls === "note") {
    head.appendChild(el("span", "note-label", "Internal note — the customer never sees this"));
  } else {
    head.appendChild(channelBadge(entry.channel));
  }
  head.appendChild(timeEl(entry.at));
  node.appendChild(head);
  node.appendChild(el("div", "entry-text", str(entry.text)));
  return node;
}

function renderTranscript(first) {
  const box = els.transcript;
  const entries = Array.isArray(state.conv.transcript) ? state.conv.transcript.filter((e) => e && typeof e === "object") : [];
  const stick = first || box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
  const prevTop = box.scrollTop;
  const profileName = state.conv.display_name || (state.conv.profile && state.conv.profile.name);

  const frag = document.createDocumentFragment();
  let lastDay = null;
  for (const entry of entries) {
    const date = toDate(entry.at);
    if (date && dayKey(date) !== lastDay) {
      lastDay = dayKey(date);
      frag.appendChild(el("div", "day-separator", dayLabel(date)));
    }
    frag.appendChild(renderEntry(entry, profileName));
  }
  if (!entries.length) frag.appendChild(el("p", "empty", "No messages yet."));
  clear(box);
  box.appendChild(frag);
  const toBottom = stick || state.stickNext;
  state.stickNext = false;
  box.scrollTop = toBottom ? box.scrollHeight : prevTop;
  // Once laid out (fonts, the composer's height): the newest message stays in view.
  if (toBottom) requestAnimationFrame(() => { box.scrollTop = box.scrollHeight; });
}

function applySystemFold() {
  const folded = localStorage.getItem("omnicanal.foldSystem") === "1";
  els.transcript.classList.toggle("fold-system", folded);
  els.foldSystem.textContent = folded ? "Show system rows" : "Fold system rows";
  els.foldSystem.setAttribute("aria-pressed", folded ? "true" : "false");
}

function kv(dl, key, valueNode) {
  dl.appendChild(el("dt", null, key));
  const dd = el("dd");
  if (typeof valueNode === "string") dd.textContent = valueNode;
  else dd.appendChild(valueNode);
  dl.appendChild(dd);
}

function renderProfile(p) {
  clear(els.profile);
  const name = el("div", "profile-name", customerName(p.display_name || p.name));
  els.profile.appendChild(name);
  const dl = el("dl", "kv");
  // A handle the customer chose (a WhatsApp username): often all that is known of them.
  if (str(p.username)) kv(dl, "Username", str(p.username));
  if (str(p.phone)) {
    const wrap = el("span");
    wrap.appendChild(el("span", null, str(p.phone)));
    const v = el("span", p.phone_verified ? "tag ok" : "tag", p.phone_verified ? "verified" : "unverified");
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(v);
    kv(dl, "Phone", wrap);
  }
  if (str(p.email)) kv(dl, "Email", str(p.email));
  if (str(p.locale)) kv(dl, "Locale", str(p.locale));
  kv(dl, "Customer ID", str(state.conv.customer_id || state.openId));
  els.profile.appendChild(dl);
  const tags = Array.isArray(p.tags) ? p.tags.map(str).filter(Boolean) : [];
  if (tags.length) {
    const box = el("div", "tags");
    for (const t of tags) box.appendChild(el("span", "tag", t));
    els.profile.appendChild(box);
  }
}

function renderIdentities(list) {
  clear(els.identities);
  const items = list.filter((i) => i && typeof i === "object");
  if (!items.length) {
    els.identities.appendChild(el("li", "empty", "None linked."));
    return;
  }
  for (const ident of items) {
    const li = el("li", "identity");
    if (ident.unreachable) li.classList.add("unreachable");
    const top = el("div", "identity-top");
    top.appendChild(channelBadge(ident.channel));
    if (ident.unreachable) top.appendChild(el("span", "tag bad", "unreachable"));
    li.appendChild(top);
    const user = el("div", "identity-user", str(ident.user_id));
    user.title = "User ID";
    li.appendChild(user);
    if (str(ident.account)) {
      const acc = el("div", "identity-account", `account ${str(ident.account)}`);
      li.appendChild(acc);
    }
    document.dispatchEvent(new CustomEvent("omnicanal:identity", { detail: { li, ident } }));
    els.identities.appendChild(li);
  }
}

// Consent and follow-ups (issue 18): the ledger's decisions, their history, pending
// reminders and where the customer came from. Kept in its own function.
function renderReaching(r) {
  clear(els.reaching);
  const when = (t) => (typeof t === "number" ? new Date(t * 1000).toLocaleString() : "");
  const decisions = Array.isArray(r.consents) ? r.consents : [];
  const dl = el("dl", "kv");
  for (const c of decisions) {
    if (!c || typeof c !== "object") continue;
    const where = str(c.scope) === "all" ? "every channel" : str(c.scope);
    const wrap = el("span");
    wrap.appendChild(el("span", c.granted ? "tag ok" : "tag bad", c.granted ? "yes" : "no"));
    wrap.appendChild(document.createTextNode(` ${where} · ${str(c.source)} · ${when(c.at)}`));
    if (str(c.text)) wrap.title = str(c.text);
    kv(dl, str(c.purpose), wrap);
  }
  if (!decisions.length) kv(dl, "Consent", "none given");
  const reminders = Array.isArray(r.reminders) ? r.reminders : [];
  for (const m of reminders) {
    if (m && typeof m === "object") kv(dl, "Reminder", `${str(m.flow)} · ${when(m.due)}`);
  }
  const touch = (t) => (t && typeof t === "object" ? `${str(t.entry)} (${str(t.channel)}, ${when(t.at)})` : "");
  if (touch(r.first_touch)) kv(dl, "First came via", touch(r.first_touch));
  if (touch(r.last_touch)) kv(dl, "Last came via", touch(r.last_touch));
  els.reaching.appendChild(dl);
  const history = Array.isArray(r.consent_history) ? r.consent_history : [];
  if (history.length) {
    const list = el("ul", "identities");
    for (const h of history) {
      if (h && typeof h === "object") list.appendChild(el("li", null, `${when(h.at)} · ${str(h.text)}`));
    }
    els.reaching.appendChild(list);
  }
}

function renderSession(s) {
  clear(els.session);
  kv(els.session, "Mode", MODE_LABEL[s.mode] || s.mode);
  kv(els.session, "Operator", s.operator ? operatorName(s.operator) : "—");
  kv(els.session, "Flow", s.flow ? `${s.flow}${s.step ? ` · ${s.step}` : ""}` : "—");
  if (s.reason) kv(els.session, "Reason", s.reason);
  const d = toDate(s.queued_at);
  if (d) {
    const t = el("span");
    t.dataset.ago = str(s.queued_at);
    t.textContent = ago(s.queued_at);
    t.title = fullFmt.format(d);
    kv(els.session, "Queued", t);
  }
}

// ---------------------------------------------------------------- actions

async function act(path, body, { success, after } = {}) {
  const id = state.openId;
  if (!id || state.busy) return false;
  state.busy = true;
  if (state.conv) renderActions();
  try {
    await api("POST", `/conversations/${cid(id)}/${path}`, body);
    if (success) toast(success, "info");
    if (after) after();
    return true;
  } catch (err) {
    if (err.status !== 401) toast(err.message);
    return false;
  } finally {
    state.busy = false;
    if (state.conv && state.openId === id) renderActions();
    refreshConversation();
    refreshQueue();
    refreshMine();
  }
}

async function sendReply() {
  const text = els.replyText.value.trim();
  if (!text || !heldByMe()) return;
  state.stickNext = true; // one's own reply: always shown
  const ok = await act("reply", { text });
  if (ok) {
    els.replyText.value = "";
    state.drafts.delete(state.openId);
  }
  els.replyText.focus();
}

async function sendNote() {
  const text = els.noteText.value.trim();
  if (!text) return;
  const ok = await act("note", { text });
  if (ok) els.noteText.value = "";
  els.noteText.focus();
}

function disarmResolve() {
  clearTimeout(state.resolveArmed);
  state.resolveArmed = null;
  els.resolve.textContent = "Resolve";
  els.resolve.classList.remove("armed");
}

function onResolve() {
  // Two clicks, no modal dialog: the first arms the button for a few seconds.
  if (!state.resolveArmed) {
    els.resolve.textContent = "Click again to resolve";
    els.resolve.classList.add("armed");
    state.resolveArmed = setTimeout(disarmResolve, RESOLVE_CONFIRM_MS);
    return;
  }
  disarmResolve();
  act("resolve", {}, { success: "Conversation resolved." });
}

function wireComposer(textarea, send) {
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", () => autoGrow(textarea));
}

function autoGrow(textarea) {
  textarea.style.height = "";
  textarea.style.height = `${Math.min(textarea.scrollHeight + 2, 220)}px`;
}

// ---------------------------------------------------------------- websocket

function wsUrl() {
  return (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/operator/ws";
}

function setWsStatus(status, text) {
  els.wsStatus.dataset.state = status;
  els.wsStatusText.textContent = text;
}

function connectWs() {
  clearTimeout(state.wsTimer);
  state.wsTimer = null;
  if (state.ws || !state.loggedIn) return;
  setWsStatus(state.wsEverOpen || state.wsAttempts ? "offline" : "connecting", state.wsAttempts ? "Reconnecting…" : "Connecting…");
  let ws;
  try {
    ws = new WebSocket(wsUrl());
  } catch (_err) {
    scheduleWs();
    return;
  }
  state.ws = ws;
  ws.addEventListener("open", () => {
    if (state.ws !== ws) return;
    state.wsAttempts = 0;
    state.wsEverOpen = true;
    setWsStatus("online", "Live");
  });
  ws.addEventListener("message", (event) => {
    if (state.ws === ws) onWsFrame(event);
  });
  ws.addEventListener("close", () => {
    if (state.ws !== ws) return;
    state.ws = null;
    if (!state.loggedIn) return;
    scheduleWs();
    // The socket may have been refused because the session ended: find out.
    refreshMe();
  });
}

function scheduleWs() {
  clearTimeout(state.wsTimer);
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.wsAttempts);
  const delay = Math.min(BACKOFF_MAX_MS, Math.round(base * (0.75 + Math.random() * 0.5)));
  state.wsAttempts = Math.min(state.wsAttempts + 1, 16);
  setWsStatus("offline", `Offline · retrying in ${Math.max(1, Math.round(delay / 1000))} s`);
  state.wsTimer = setTimeout(connectWs, delay);
}

function disconnectWs() {
  clearTimeout(state.wsTimer);
  state.wsTimer = null;
  const ws = state.ws;
  state.ws = null;
  state.wsAttempts = 0;
  state.wsEverOpen = false;
  if (ws) {
    try {
      ws.close(1000);
    } catch (_err) {
      // Already closed.
    }
  }
  setWsStatus("connecting", "Connecting…");
}

function onWsFrame(event) {
  if (typeof event.data !== "string") return;
  let frame;
  try {
    frame = JSON.parse(event.data);
  } catch (_err) {
    return;
  }
  if (!frame || typeof frame !== "object") return;
  document.dispatchEvent(new CustomEvent("omnicanal:live", { detail: frame }));
  switch (frame.type) {
    case "hello":
      if (frame.operator && typeof frame.operator === "object") {
        state.me = normalizeMe({ ...state.me, ...frame.operator });
        renderMe();
      }
      setWsStatus("online", "Live");
      // Events may have been missed while disconnected.
      refreshQueue();
      refreshMine();
      refreshConversation();
      break;
    case "queue":
      refreshQueue();
      break;
    case "conversation":
      refreshMine();
      refreshQueue();
      if (state.openId && str(frame.customer_id) === state.openId) refreshConversation();
      break;
    default:
      break; // Unknown frames are ignored, for forward compatibility.
  }
}

window.addEventListener("online", () => {
  if (state.loggedIn && !state.ws) {
    state.wsAttempts = 0;
    connectWs();
  }
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state.loggedIn) {
    refreshQueue();
    refreshMine();
    refreshConversation();
  }
});

// ---------------------------------------------------------------- wiring

els.loginForm.addEventListener("submit", onLoginSubmit);
els.logout.addEventListener("click", onLogout);
els.queueRefresh.addEventListener("click", () => {
  refreshQueue();
  refreshMine();
});

els.take.addEventListener("click", () => act("take", {}));
els.handback.addEventListener("click", () => {
  const flow = els.handbackFlow.value || null;
  act("handback", { flow }, {
    success: flow ? `Handed back to the bot (${flow}).` : "Handed back to the bot.",
    after: () => {
      els.handbackFlow.value = "";
    },
  });
});
els.transferOperator.addEventListener("change", () => {
  els.transfer.disabled = state.busy || els.transferOperator.disabled || !els.transferOperator.value;
});
els.transfer.addEventListener("click", () => {
  const operator = els.transferOperator.value;
  if (!operator) return;
  const label = els.transferOperator.selectedOptions[0] ? els.transferOperator.selectedOptions[0].textContent : operator;
  act("transfer", { operator }, {
    success: `Transferred to ${label}.`,
    after: () => {
      els.transferOperator.value = "";
    },
  });
});
els.resolve.addEventListener("click", onResolve);
els.foldSystem.addEventListener("click", () => {
  const folded = !els.transcript.classList.contains("fold-system");
  localStorage.setItem("omnicanal.foldSystem", folded ? "1" : "0");
  applySystemFold();
});
applySystemFold();
els.reopen.addEventListener("click", () => act("reopen", {}, { success: "Conversation reopened." }));

els.replyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sendReply();
});
els.noteForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sendNote();
});
wireComposer(els.replyText, sendReply);
wireComposer(els.noteText, sendNote);

window.addEventListener("hashchange", () => {
  const id = idFromHash();
  if (state.loggedIn && id && id !== state.openId) openConversation(id);
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.resolveArmed) disarmResolve();
});

async function boot() {
  try {
    const data = await api("GET", "/me", undefined, { authCheck: false });
    if (data && data.operator) {
      startSession(data);
      return;
    }
    showLogin("");
  } catch (err) {
    showLogin(err.status === 401 ? "" : err.message);
  }
}

boot();

window.omnicanalOperator = { state, api, act, channelBadge, ago, openConversation,
  closeConversation, refreshQueue, refreshMine, toast, isSupervisor };
