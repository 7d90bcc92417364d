// The page's own words (not the bot's: those come from the server), in the customer's
// language: the conversation's locale when the server knows it, else the browser's.

const WORDS = {
  en: {
    placeholder: "Type a message…",
    send: "Send",
    message: "Message",
    connecting: "Connecting…",
    online: "Online",
    offline: "Offline",
    reconnecting: "Reconnecting…",
    offlineReconnecting: "Offline · reconnecting…",
    empty: "Say hello to start the conversation.",
    delivered: "Delivered",
    sending: "Sending",
    choices: "Choices",
    typing: "The bot is typing",
    conversation: "Conversation",
    earlier: "Earlier in this conversation",
    here: "Here",
    otherDevice: "another device",
    wrong: "Something went wrong.",
    image: "Image",
    file: "File",
    team: "Our team",
  },
  es: {
    placeholder: "Escribe un mensaje…",
    send: "Enviar",
    message: "Mensaje",
    connecting: "Conectando…",
    online: "En línea",
    offline: "Sin conexión",
    reconnecting: "Reconectando…",
    offlineReconnecting: "Sin conexión · reconectando…",
    empty: "Di hola para empezar la conversación.",
    delivered: "Entregado",
    sending: "Enviando",
    choices: "Opciones",
    typing: "El bot está escribiendo",
    conversation: "Conversación",
    earlier: "Antes en esta conversación",
    here: "Aquí",
    otherDevice: "otro dispositivo",
    wrong: "Algo ha fallado.",
    image: "Imagen",
    file: "Archivo",
    team: "Nuestro equipo",
  },
};

// How the channel badges name the channels (the rest show their own name).
const CHANNELS = {
  webchat: { en: "Web chat", es: "Chat web" },
  telegram: { en: "Telegram", es: "Telegram" },
  whatsapp: { en: "WhatsApp", es: "WhatsApp" },
  messenger: { en: "Messenger", es: "Messenger" },
  instagram: { en: "Instagram", es: "Instagram" },
  sms: { en: "SMS", es: "SMS" },
  email: { en: "E-mail", es: "Correo" },
  console: { en: "Console", es: "Consola" },
};

let current = "en";

/** The supported language of a BCP 47 tag ("es-419" -> "es"), or null. */
export function supported(tag) {
  if (typeof tag !== "string") return null;
  const base = tag.toLowerCase().split(/[-_]/)[0];
  return Object.prototype.hasOwnProperty.call(WORDS, base) ? base : null;
}

export function locale() {
  return current;
}

/** Use `tag`'s language when we have it; returns whether the words changed. */
export function setLocale(tag) {
  const next = supported(tag);
  if (!next || next === current) return false;
  current = next;
  return true;
}

export function t(key) {
  return WORDS[current][key] ?? WORDS.en[key] ?? key;
}

export function channelName(channel) {
  const names = CHANNELS[channel];
  return names ? names[current] || names.en : String(channel || "");
}

/** Put the words into the page's static parts (the rest is rendered with `t`). */
export function applyStatic(els) {
  document.documentElement.lang = current;
  els.input.placeholder = t("placeholder");
  els.input.setAttribute("aria-label", t("message"));
  els.send.textContent = t("send");
  els.messages.setAttribute("aria-label", t("conversation"));
  els.messages.dataset.empty = t("empty");
}

setLocale(navigator.language);
