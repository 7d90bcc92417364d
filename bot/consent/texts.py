"""The framework's words for consent: the one confirmation of an opt-out."""

from __future__ import annotations

from bot.dialogue.texts import Texts

CONSENT_TEXTS = Texts({
    "en": {"consent.opted_out": "Done: you won't get any more offers from us, on any "
                                "channel. You can still write to us here whenever you like."},
    "es": {"consent.opted_out": "Hecho: no te enviaremos más ofertas, por ningún canal. "
                                "Puedes seguir escribiéndonos aquí cuando quieras."},
})
