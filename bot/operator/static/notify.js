// Browser notifications and an optional sound for new waiting conversations and for
// replies in conversations assigned to me. Permission is asked only when the operator
// clicks the toggle (never on load); the choice and the sound are kept in localStorage.
// The tone is made with WebAudio (no file to download). Lists seen at login or after a
// reconnect only set what is known: nothing already waiting is announced again.

const desk = () => window.omnicanalOperator;
const toggle = document.getElementById("notify-toggle");
const sound = document.getElementById("notify-sound");
const KEY = "omnicanal.notify";
const SOUND_KEY = "omnicanal.sound";
const TONE_HZ = 880;
const TONE_S = 0.18;

let waitingSeen = null; // customer ids in the queue at the last render (null: none yet)
const unreadSeen = new Map(); // my conversations → unread count at the last render
let lastInbound = { id: null, at: 0 };
let audio = null;

const supported = () => typeof Notification === "function";
const wanted = () => localStorage.getItem(KEY) === "on";
const enabled = () => supported() && wanted() && Notification.permission === "granted";

function showToggle() {
  const blocked = supported() && Notification.permission === "denied";
  toggle.textContent = !supported() ? "Notifications unsupported"
    : blocked ? "Notifications blocked" : enabled() ? "Notifications on" : "Notifications off";
  toggle.setAttribute("aria-pressed", enabled() ? "true" : "false");
  toggle.disabled = !supported();
  sound.checked = localStorage.getItem(SOUND_KEY) === "on";
}

toggle.addEventListener("click", async () => {
  if (!supported()) return;
  if (wanted() && Notification.permission === "granted") {
    localStorage.setItem(KEY, "off");
  } else {
    const answer = Notification.permission === "default"
      ? await Notification.requestPermission() : Notification.permission;
    localStorage.setItem(KEY, answer === "granted" ? "on" : "off");
  }
  showToggle();
});

sound.addEventListener("change", () => {
  localStorage.setItem(SOUND_KEY, sound.checked ? "on" : "off");
  if (sound.checked) tone(); // a sample, and the click lets the page play sound later
});

function tone() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  audio = audio || new Context();
  if (audio.state === "suspended") audio.resume();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = TONE_HZ;
  gain.gain.setValueAtTime(0.15, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + TONE_S);
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + TONE_S);
}

function announce(title, body, customerId) {
  if (enabled()) {
    const note = new Notification(title, { body: String(body || "").slice(0, 140), tag: customerId });
    note.addEventListener("click", () => {
      window.focus();
      desk().openConversation(customerId);
      note.close();
    });
  }
  if (localStorage.getItem(SOUND_KEY) === "on") tone();
}

const nameOf = (item) => String(item.display_name || item.name || "A customer");

document.addEventListener("omnicanal:queue", (event) => {
  const items = Array.isArray(event.detail) ? event.detail : [];
  const ids = new Set(items.map((item) => String(item.customer_id)));
  if (waitingSeen !== null) {
    for (const item of items) {
      if (!waitingSeen.has(String(item.customer_id))) {
        announce(`Waiting: ${nameOf(item)}`, item.last_text || item.reason, String(item.customer_id));
      }
    }
  }
  waitingSeen = ids;
});

document.addEventListener("omnicanal:mine", (event) => {
  const items = Array.isArray(event.detail) ? event.detail : [];
  for (const item of items) {
    const id = String(item.customer_id);
    const unread = Number(item.unread) || 0;
    if (unreadSeen.has(id) && unread > unreadSeen.get(id)) {
      announce(`${nameOf(item)} wrote`, item.last_text, id);
    }
    unreadSeen.set(id, unread);
  }
});

// The open conversation is read as it comes (its unread count stays 0): announce its
// customer's new messages only while the console is not in front of the operator.
document.addEventListener("omnicanal:conversation", (event) => {
  const conv = event.detail || {};
  const me = desk().state.me;
  const entries = Array.isArray(conv.transcript) ? conv.transcript : [];
  const last = entries.filter((e) => e && e.author === "customer").pop();
  const at = last ? Number(last.at) || 0 : 0;
  const mine = me && conv.session && conv.session.mode === "human" && conv.session.operator === me.id;
  if (lastInbound.id === conv.customer_id && at > lastInbound.at && mine
      && (document.hidden || !document.hasFocus())) {
    announce(`${String(conv.display_name || "A customer")} wrote`, last.text, String(conv.customer_id));
  }
  lastInbound = { id: conv.customer_id, at };
});

showToggle();
