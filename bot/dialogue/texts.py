"""Translated texts: locale → key → template with ``{placeholders}``."""

from __future__ import annotations

from collections.abc import Mapping

Catalog = Mapping[str, Mapping[str, str]]


class Texts:
    """A catalogue with fallbacks: the customer's locale, then the default locale, then the
    key itself in brackets (visible in tests, never a crash)."""

    def __init__(self, catalog: Catalog, *, default_locale: str = "en") -> None:
        self.catalog = {locale: dict(entries) for locale, entries in catalog.items()}
        self.default_locale = default_locale

    def get(self, locale: str | None, key: str, /, **values: object) -> str:
        template = self.catalog.get(locale or self.default_locale, {}).get(key)
        if template is None:
            template = self.catalog.get(self.default_locale, {}).get(key)
        if template is None:
            return f"[{key}]"
        return template.format(**values) if values else template

    def label(self, locale: str | None, channel: str) -> str:
        """How a channel is called in sentences ("the web chat"); its own name when the
        catalogue does not know it (e.g. a second Telegram bot named "telegram_sales")."""
        key = f"channel.{channel}"
        return self.get(locale, key) if self.has(key) else channel

    def has(self, key: str) -> bool:
        return any(key in entries for entries in self.catalog.values())

    def all_values(self, key: str) -> dict[str, str]:
        """``key`` in every locale that has it."""
        return {loc: e[key] for loc, e in self.catalog.items() if key in e}

    def merged(self, other: Texts) -> Texts:
        """A new catalogue where ``other`` wins on conflicts."""
        catalog: dict[str, dict[str, str]] = {k: dict(v) for k, v in self.catalog.items()}
        for locale, entries in other.catalog.items():
            catalog.setdefault(locale, {}).update(entries)
        return Texts(catalog, default_locale=self.default_locale)


# The framework's own words. They name no flow, command or data of any bot (a bot's words
# live with its flows, e.g. flows/store_assistant/texts.py), so they fit every bot.
_CORE_TEXTS = Texts({
    "en": {
        "engine.cancelled": "Okay, I've cancelled that.",
        "engine.nothing_to_cancel": "There's nothing in progress to cancel.",
        "engine.help": "Answer the question above, type 'cancel' to stop, or 'human' to talk to a person.",
        "engine.help_idle": "Write what you need and I'll start from there, or type 'human' to talk to a person.",
        "engine.pick_one": "Please choose one of the options: type its number or its name.",
        "engine.pick_button": "Please choose one of the options: tap a button, or type what it says.",
        "engine.pick_option": "Please choose one of the options above.",
        "engine.invalid": "That doesn't look right. Please check it and send it again.",
        "engine.invalid_format": "That doesn't have the format I expected. Please check it and send it again.",
        "engine.invalid_option": "That isn't one of the answers I know. Please check it and send it again.",
        "engine.invalid_date": "Please send a date, like tomorrow, next Friday or 3 May.",
        "engine.invalid_date_min": "Please choose a date from {limit} on.",
        "engine.invalid_date_above": "Please choose a date after {limit}.",
        "engine.invalid_date_max": "Please choose a date up to {limit}.",
        "engine.invalid_date_below": "Please choose a date before {limit}.",
        "engine.invalid_number": "Please send a number, like 2 or two.",
        "engine.invalid_whole_number": "Please send a whole number, like 2 or two.",
        "engine.invalid_number_min": "Please send a number of at least {limit}.",
        "engine.invalid_number_above": "Please send a number greater than {limit}.",
        "engine.invalid_number_max": "Please send a number of at most {limit}.",
        "engine.invalid_number_below": "Please send a number less than {limit}.",
        "engine.invalid_too_short": "That's too short: send at least {limit} characters.",
        "engine.invalid_too_long": "That's too long: send at most {limit} characters.",
        "engine.stuck": "Having trouble? Type 'cancel' to stop or 'human' to talk to a person.",
        "engine.handoff_requested": "I've noted that you want to talk to a person. Someone will get back to you here.",
        "engine.language_set": "I'll speak English from now on.",
        "engine.bad_phone": "Please share your number with the button, or type it with the country code, like +34 600 111 222.",
        "engine.error": "Sorry, something went wrong on our side. Please try again in a moment.",
        "engine.share_phone_button": "Share my phone number",
        "engine.not_sure": "I'm not sure I understood that. You can say it in other words, or write 'human' to talk to a person.",
        "handoff.queued": "I'm passing you to a person. You're number {position} in the queue; the expected wait is about {minutes} min.",
        "handoff.closed": "Our team is away right now (hours: {hours}). Leave your message here and a person will answer when we're back.",
        "handoff.nobody": "No one from our team is available right now. Leave your message here and a person will answer as soon as possible.",
        "handoff.still_waiting": "You're still in the queue (number {position}). A person will be with you soon.",
        "handoff.joined": "{name} from our team is here to help.",
        "handoff.transferred": "{name} from our team will continue with you.",
        "handoff.back_to_bot": "You're back with the assistant.",
        "handoff.resolved": "Glad we could help. This conversation is closed; write any time.",
        "handoff.timeout": "Sorry, no one could answer in time. You're back with the assistant; type 'human' to try again.",
        "handoff.misunderstood": "I'm having trouble understanding.",
        "csat.ask": "How did we do? Rate this conversation:",
        "csat.thanks": "Thank you for telling us!",
        "intent.cancel": "cancel|quit|exit|abort",
        "intent.help": "help|?",
        "intent.human": "human|agent|operator|person|talk to a person|talk to a human",
        "intent.language": "english|in english",
    },
    "es": {
        "engine.cancelled": "De acuerdo, lo he cancelado.",
        "engine.nothing_to_cancel": "No hay nada en curso que cancelar.",
        "engine.help": "Responde a la pregunta de arriba, escribe 'cancelar' para parar o 'humano' para hablar con una persona.",
        "engine.help_idle": "Escribe lo que necesitas y empiezo por ahí, o escribe 'humano' para hablar con una persona.",
        "engine.pick_one": "Elige una de las opciones: escribe su número o su nombre.",
        "engine.pick_button": "Elige una de las opciones: pulsa un botón o escribe lo que dice.",
        "engine.pick_option": "Elige una de las opciones de arriba.",
        "engine.invalid": "Eso no parece correcto. Revísalo y envíalo de nuevo.",
        "engine.invalid_format": "Eso no tiene el formato que esperaba. Revísalo y envíalo de nuevo.",
        "engine.invalid_option": "Esa no es una de las respuestas que conozco. Revísala y envíala de nuevo.",
        "engine.invalid_date": "Envía una fecha, como mañana, el próximo viernes o 3 de mayo.",
        "engine.invalid_date_min": "Elige una fecha a partir del {limit}.",
        "engine.invalid_date_above": "Elige una fecha posterior al {limit}.",
        "engine.invalid_date_max": "Elige una fecha hasta el {limit}.",
        "engine.invalid_date_below": "Elige una fecha anterior al {limit}.",
        "engine.invalid_number": "Envía un número, como 2 o dos.",
        "engine.invalid_whole_number": "Envía un número entero, como 2 o dos.",
        "engine.invalid_number_min": "Envía un número igual o mayor que {limit}.",
        "engine.invalid_number_above": "Envía un número mayor que {limit}.",
        "engine.invalid_number_max": "Envía un número igual o menor que {limit}.",
        "engine.invalid_number_below": "Envía un número menor que {limit}.",
        "engine.invalid_too_short": "Es demasiado corto: envía al menos {limit} caracteres.",
        "engine.invalid_too_long": "Es demasiado largo: envía como mucho {limit} caracteres.",
        "engine.stuck": "¿Tienes problemas? Escribe 'cancelar' para parar o 'humano' para hablar con una persona.",
        "engine.handoff_requested": "He anotado que quieres hablar con una persona. Alguien te responderá por aquí.",
        "engine.language_set": "A partir de ahora te hablaré en español.",
        "engine.bad_phone": "Comparte tu número con el botón, o escríbelo con el prefijo del país, como +34 600 111 222.",
        "engine.error": "Lo siento, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.",
        "engine.share_phone_button": "Compartir mi número",
        "engine.not_sure": "No estoy seguro de haberte entendido. Puedes decirlo con otras palabras, o escribir 'humano' para hablar con una persona.",
        "handoff.queued": "Te paso con una persona. Eres el número {position} en la cola; la espera estimada es de unos {minutes} min.",
        "handoff.closed": "Nuestro equipo no está disponible ahora (horario: {hours}). Deja tu mensaje aquí y una persona te responderá cuando volvamos.",
        "handoff.nobody": "Ahora mismo no hay nadie disponible. Deja tu mensaje aquí y una persona te responderá lo antes posible.",
        "handoff.still_waiting": "Sigues en la cola (número {position}). Una persona te atenderá pronto.",
        "handoff.joined": "{name}, de nuestro equipo, te va a ayudar.",
        "handoff.transferred": "{name}, de nuestro equipo, seguirá contigo.",
        "handoff.back_to_bot": "Vuelves a estar con el asistente.",
        "handoff.resolved": "Nos alegra haberte ayudado. Esta conversación queda cerrada; escríbenos cuando quieras.",
        "handoff.timeout": "Lo siento, nadie ha podido responder a tiempo. Vuelves a estar con el asistente; escribe 'humano' para intentarlo de nuevo.",
        "handoff.misunderstood": "Me está costando entenderte.",
        "csat.ask": "¿Qué tal lo hemos hecho? Valora esta conversación:",
        "csat.thanks": "¡Gracias por contárnoslo!",
        "intent.cancel": "cancelar|parar|salir|anular",
        "intent.help": "ayuda|?",
        "intent.human": "humano|agente|operador|persona|hablar con una persona",
        "intent.language": "español|espanol|en español",
    },
})


# Linking and continuity (bot/linking): part of the core's words, so flows can override them.
_LINK_TEXTS = Texts({
    "en": {
        "link.code": "To continue this conversation on another channel, send this code there within {minutes} minutes: {code}\nKeep it to yourself: whoever sends it can join this conversation.",
        "link.links": "Or open one of these links:",
        "link.confirm": "Continue the conversation you started on {channel} here? This joins your chat here, on {here}, to that conversation: its answers and history come with you. Only say yes if you asked for the code yourself.",
        "link.confirm_history": "This code joins your chat here, on {here}, to a conversation started on {channel}. Your history here{contact} would then be shared with whoever is in that conversation on {channel}. Only do this if you asked for the code yourself: to join them, type {word}. Anything else leaves them apart.",
        "link.confirm_phone": "It looks like we've talked before on {channel} with this phone number. Continue that conversation here? This joins your chat here, on {here}, to it.",
        "link.confirm_phone_history": "It looks like we've talked before on {channel} with this phone number. Joining would share your history here{contact} with that conversation on {channel}. To join them, type {word}. Anything else leaves them apart.",
        "link.contact": " and your contact details ({details})",
        "link.word": "JOIN",
        "link.type_word": "Nothing was joined. To join your chat here, on {here}, to the conversation on {channel}, type {word}; to leave them apart, say no.",
        "link.yes": "Yes, continue here",
        "link.no": "No",
        "link.cancel": "Cancel",
        "link.invalid": "That code isn't valid. Codes work once and for {minutes} minutes: ask for a new one with /link on the other channel.",
        "link.too_many": "Too many wrong codes. Please wait {wait} and try again.",
        "link.seconds": "{n} seconds",
        "link.minutes": "{n} minutes",
        "link.already": "This chat is already connected to your conversation.",
        "link.declined": "Okay, I won't connect them.",
        "link.welcome": "Welcome back{name}! I recognised you: we'll continue here.",
        "link.recognised": "Hi again{name}, continuing here on {channel}.",
        "link.recognised_device": "Hi again{name}, continuing here on this device.",
        "link.moved_on": "This conversation went on in {channel} after those buttons were shown. Here's where it stands now:",
        "link.moved_on_device": "This conversation went on on another device after those buttons were shown. Here's where it stands now:",
        "link.other_device": "{channel}, on another device",
        "link.we_were_here": "We were here:",
        "link.resume_offer": "You also had \"{flow}\" in progress. Continue it?",
        "link.resume_yes": "Yes, continue",
        "link.resume_no": "No, drop it",
        "intent.link": "link|continue on another channel|switch channel",
        "channel.telegram": "Telegram",
        "channel.whatsapp": "WhatsApp",
        "channel.messenger": "Messenger",
        "channel.instagram": "Instagram",
        "channel.webchat": "the web chat",
        "channel.console": "the console",
        "channel.sms": "SMS",
        "channel.email": "e-mail",
    },
    "es": {
        "link.code": "Para seguir esta conversación en otro canal, envía allí este código en menos de {minutes} minutos: {code}\nNo lo compartas: quien lo envíe puede unirse a esta conversación.",
        "link.links": "O abre uno de estos enlaces:",
        "link.confirm": "¿Seguir aquí la conversación que empezaste en {channel}? Esto une tu chat de aquí, en {here}, a esa conversación: tus respuestas y tu historial vienen contigo. Di que sí solo si pediste tú el código.",
        "link.confirm_history": "Este código une tu chat de aquí, en {here}, a una conversación empezada en {channel}. Tu historial de aquí{contact} se compartiría con quien esté en esa conversación de {channel}. Hazlo solo si pediste tú el código: para unirlos, escribe {word}. Cualquier otra cosa los deja separados.",
        "link.confirm_phone": "Parece que ya hemos hablado en {channel} con este número. ¿Seguimos aquí esa conversación? Esto une tu chat de aquí, en {here}, a ella.",
        "link.confirm_phone_history": "Parece que ya hemos hablado en {channel} con este número. Unirlos compartiría tu historial de aquí{contact} con esa conversación de {channel}. Para unirlos, escribe {word}. Cualquier otra cosa los deja separados.",
        "link.contact": " y tus datos de contacto ({details})",
        "link.word": "UNIR",
        "link.type_word": "No se ha unido nada. Para unir tu chat de aquí, en {here}, a la conversación de {channel}, escribe {word}; para dejarlos separados, di no.",
        "link.yes": "Sí, seguir aquí",
        "link.no": "No",
        "link.cancel": "Cancelar",
        "link.invalid": "Ese código no es válido. Los códigos sirven una vez y durante {minutes} minutos: pide uno nuevo con /link en el otro canal.",
        "link.too_many": "Demasiados códigos incorrectos. Espera {wait} y vuelve a intentarlo.",
        "link.seconds": "{n} segundos",
        "link.minutes": "{n} minutos",
        "link.already": "Este chat ya está conectado a tu conversación.",
        "link.declined": "De acuerdo, no las conecto.",
        "link.welcome": "¡Hola de nuevo{name}! Te he reconocido: seguimos aquí.",
        "link.recognised": "Hola de nuevo{name}, seguimos aquí en {channel}.",
        "link.recognised_device": "Hola de nuevo{name}, seguimos aquí en este dispositivo.",
        "link.moved_on": "Esta conversación siguió en {channel} después de mostrar esos botones. Así está ahora:",
        "link.moved_on_device": "Esta conversación siguió en otro dispositivo después de mostrar esos botones. Así está ahora:",
        "link.other_device": "{channel}, en otro dispositivo",
        "link.we_were_here": "Estábamos aquí:",
        "link.resume_offer": "También tenías \"{flow}\" a medias. ¿Lo seguimos?",
        "link.resume_yes": "Sí, seguir",
        "link.resume_no": "No, déjalo",
        "intent.link": "vincular|continuar en otro canal|cambiar de canal",
        "channel.telegram": "Telegram",
        "channel.whatsapp": "WhatsApp",
        "channel.messenger": "Messenger",
        "channel.instagram": "Instagram",
        "channel.webchat": "el chat web",
        "channel.console": "la consola",
        "channel.sms": "SMS",
        "channel.email": "el correo electrónico",
    },
})

ENGINE_TEXTS = _CORE_TEXTS.merged(_LINK_TEXTS)
