"""How customers ask for the framework's own commands, per locale: a person, to cancel,
another language. The built-in provider matches these like a flow's examples, so a bot
understands "I'd like to speak to someone" with no flow of its own for it.

Add a locale by adding its phrases here (or give a flow of your own examples in it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Command → locale → example utterances.
GLOBAL_EXAMPLES: Mapping[str, Mapping[str, Sequence[str]]] = {
    "human": {
        "en": ["I want to talk to a human", "can I speak to a person",
               "let me talk to someone real", "connect me with an agent",
               "I need a real person", "get me a human please", "talk to customer service",
               "is there anyone I can talk to", "put me through to an operator",
               "I'd rather speak with somebody from your team"],
        "es": ["quiero hablar con una persona", "puedo hablar con un humano",
               "pásame con un agente", "necesito hablar con alguien real",
               "me atiende una persona por favor", "hablar con atención al cliente",
               "hay alguien con quien pueda hablar", "ponme con un operador",
               "prefiero hablar con alguien de vuestro equipo", "quiero un agente humano",
               "hay alguien disponible para atenderme"],
    },
    "cancel": {
        "en": ["cancel that", "forget it", "never mind", "stop this please",
               "I don't want to continue", "let's drop it", "cancel everything"],
        "es": ["cancela eso", "olvídalo", "déjalo", "no quiero seguir", "para esto",
               "mejor lo dejamos", "cancélalo todo"],
    },
    "language": {
        "en": ["can we speak in spanish", "in english please", "do you speak english",
               "switch to spanish", "talk to me in english", "change the language"],
        "es": ["podemos hablar en inglés", "en español por favor", "hablas español",
               "cambia a inglés", "háblame en español", "cambiar el idioma"],
    },
}

#: Locale → the words that name it, folded, in any configured language.
LANGUAGE_NAMES: Mapping[str, Sequence[str]] = {
    "en": ["english", "ingles"],
    "es": ["spanish", "espanol", "castellano"],
    "fr": ["french", "frances", "francais"],
    "pt": ["portuguese", "portugues"],
    "de": ["german", "aleman", "deutsch"],
    "it": ["italian", "italiano"],
    "ca": ["catalan"],
}
