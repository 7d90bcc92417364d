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


ENGINE_TEXTS = Texts({
    "en": {
        "engine.cancelled": "Okay, I've cancelled that.",
        "engine.nothing_to_cancel": "There's nothing in progress to cancel.",
        "engine.help": "Answer the question above, type 'cancel' to stop, or 'human' to talk to a person.",
        "engine.help_idle": "Type 'menu' to see what I can do, or 'human' to talk to a person.",
        "engine.pick_one": "Please choose one of the options (you can type its number).",
        "engine.invalid": "That doesn't look right: {error}",
        "engine.stuck": "Having trouble? Type 'cancel' to stop or 'human' to talk to a person.",
        "engine.handoff_requested": "I've noted that you want to talk to a person. Someone will get back to you here.",
        "engine.language_set": "I'll speak English from now on.",
        "engine.bad_phone": "Please share your number with the button, or type it with the country code, like +34 600 111 222.",
        "engine.error": "Sorry, something went wrong on our side. Please try again in a moment.",
        "engine.share_phone_button": "Share my phone number",
        "intent.cancel": "cancel|quit|exit|abort",
        "intent.help": "help|?",
        "intent.human": "human|agent|operator|person|talk to a person|talk to a human",
        "intent.language": "english|in english",
    },
    "es": {
        "engine.cancelled": "De acuerdo, lo he cancelado.",
        "engine.nothing_to_cancel": "No hay nada en curso que cancelar.",
        "engine.help": "Responde a la pregunta de arriba, escribe 'cancelar' para parar o 'humano' para hablar con una persona.",
        "engine.help_idle": "Escribe 'menú' para ver lo que puedo hacer, o 'humano' para hablar con una persona.",
        "engine.pick_one": "Elige una de las opciones (puedes escribir su número).",
        "engine.invalid": "Eso no parece correcto: {error}",
        "engine.stuck": "¿Tienes problemas? Escribe 'cancelar' para parar o 'humano' para hablar con una persona.",
        "engine.handoff_requested": "He anotado que quieres hablar con una persona. Alguien te responderá por aquí.",
        "engine.language_set": "A partir de ahora te hablaré en español.",
        "engine.bad_phone": "Comparte tu número con el botón, o escríbelo con el prefijo del país, como +34 600 111 222.",
        "engine.error": "Lo siento, algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.",
        "engine.share_phone_button": "Compartir mi número",
        "intent.cancel": "cancelar|parar|salir|anular",
        "intent.help": "ayuda|?",
        "intent.human": "humano|agente|operador|persona|hablar con una persona",
        "intent.language": "español|espanol|en español",
    },
})
