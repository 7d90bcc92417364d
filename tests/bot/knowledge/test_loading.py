"""Both file formats load into the same entries; every bad entry is refused with its file
and what to fix, all of them at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError, KnowledgeError
from bot.knowledge import KnowledgeBase
from tests.bot.knowledge.conftest import FAQ_YAML, SHIPPING_MD, write


def load(root: Path) -> KnowledgeBase:
    return KnowledgeBase.from_paths([root], locales=["en", "es"])


def problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(root)
    assert isinstance(caught.value, ConfigError)  # check and run report it as config
    return caught.value.problems


def test_markdown_with_front_matter_gives_its_fields_and_a_plain_text_answer(
        tmp_path: Path) -> None:
    write(tmp_path, "en/shipping-times.md", SHIPPING_MD)
    entry = load(tmp_path).entries()[0]
    assert (entry.id, entry.locale, entry.title) == ("shipping-times", "en", "Shipping times")
    assert entry.questions == ("How long does shipping take?", "When will my order arrive?")
    assert entry.tags == ("shipping", "delivery")
    assert entry.answer == ("Two to three working days in Spain. See our page "
                            "(https://shop.example/shipping).")
    assert entry.source == str(tmp_path / "en" / "shipping-times.md")


def test_markdown_with_headings_only(tmp_path: Path) -> None:
    write(tmp_path, "es/devoluciones.md", """# Política de devoluciones

## Preguntas
- ¿Puedo devolver un artículo?
- ¿Cuántos días tengo para devolver algo?

## Etiquetas
devoluciones, devolver

Tienes **30 días** desde la entrega.

## Respuesta
Te enviamos la etiqueta por correo.
""")
    entry = load(tmp_path).entries()[0]
    assert (entry.id, entry.locale, entry.title) == ("devoluciones", "es",
                                                     "Política de devoluciones")
    assert entry.questions == ("¿Puedo devolver un artículo?",
                               "¿Cuántos días tengo para devolver algo?")
    assert entry.tags == ("devoluciones", "devolver")
    assert entry.answer == "Tienes 30 días desde la entrega.\n\nTe enviamos la etiqueta por correo."


def test_a_yaml_file_holds_a_list_of_entries(tmp_path: Path) -> None:
    write(tmp_path, "en/faq.yaml", FAQ_YAML)
    base = load(tmp_path)
    assert sorted(e.key for e in base.entries()) == ["en/opening-hours", "en/payment"]
    passage = base.get("en/payment")
    assert passage is not None
    assert (passage.title, passage.answer, passage.locale) == ("Payment methods",
                                                               "Cards and PayPal.", "en")


def test_every_bad_entry_is_named_with_its_file_and_how_to_fix_it(tmp_path: Path) -> None:
    write(tmp_path, "en/no-questions.md", "# Gift cards\n\nWe sell none.\n")
    write(tmp_path, "en/typo.md", "---\ntitle: Typo\nquestion: [Is it?]\n---\nYes.\n")
    write(tmp_path, "en/faq.yaml", "- id: a b\n  title: A\n  questions: [Q?]\n  answer: A.\n"
                                   "- just a string\n")
    write(tmp_path, "es/empty.md", "---\ntitle: Vacío\nquestions: ['¿Algo?', '']\n---\n")
    found = problems(tmp_path)
    en, es = tmp_path / "en", tmp_path / "es"
    assert found == [
        f"{en / 'faq.yaml'}: entry 1 (a b): 'id' must be letters, digits, '-', '_' or '.', "
        "at most 80, starting with a letter or digit",
        f"{en / 'faq.yaml'}: entry 2 (not a mapping): must be a mapping with id, title, "
        "questions and answer",
        f"{en / 'no-questions.md'}: 'questions' is required but missing. Add it: a list of "
        "the ways customers ask it",
        f"{en / 'typo.md'}: 'questions' is required but missing. Add it: a list of the ways "
        "customers ask it",
        f"{en / 'typo.md'}: 'question' is not a key of an entry. Allowed: id, title, "
        "questions, answer, tags",
        f"{es / 'empty.md'}: 'questions': Value error, has an empty item; remove it or write "
        "the text",
        f"{es / 'empty.md'}: 'answer' is required but missing. Add it (the body of a "
        "Markdown file, or answer: in YAML)",
    ]


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "en/shipping.md", "---\ntitle: Shipping\nquestions: [How long?\n---\nX\n")
    write(tmp_path, "en/faq.yaml", "id: one\ntitle: One\n")
    found = problems(tmp_path)
    assert found[0].startswith(f"{tmp_path / 'en' / 'faq.yaml'}: must be a list of entries")
    assert found[1].startswith(f"{tmp_path / 'en' / 'shipping.md'}: the front matter is not "
                               "valid YAML at line 4")


def test_the_same_id_twice_in_a_locale_is_refused_and_across_locales_is_a_translation(
        tmp_path: Path) -> None:
    write(tmp_path, "en/shipping-times.md", SHIPPING_MD)
    write(tmp_path, "en/more/faq.yaml", "- id: shipping-times\n  title: Again\n"
                                        "  questions: [Q?]\n  answer: A.\n")
    write(tmp_path, "es/shipping-times.md", SHIPPING_MD)
    assert problems(tmp_path) == [
        f"{tmp_path / 'en' / 'shipping-times.md'}: id 'shipping-times' is already used by an "
        f"entry in {tmp_path / 'en' / 'more' / 'faq.yaml'} (locale en). Give one of them "
        "another id"]


def test_folders_must_be_configured_locales(tmp_path: Path) -> None:
    write(tmp_path, "fr/livraison.md", SHIPPING_MD)
    write(tmp_path, "stray.md", SHIPPING_MD)
    write(tmp_path, "README.md", "How we write entries.")
    write(tmp_path, "en/README.md", "Notes.")
    assert problems(tmp_path) == [
        f"{tmp_path / 'fr'}: 'fr' is not one of flows.locales (en, es). Rename the folder, "
        "or add the locale to flows.locales",
        f"{tmp_path / 'stray.md'}: is not in a locale folder. Move it into {tmp_path / 'en'} "
        "(or another locale's folder)",
    ]
    assert problems(tmp_path / "missing") == [
        f"{tmp_path / 'missing'}: is not a folder. knowledge.paths lists folders that hold "
        "one subfolder per locale (en, es)"]


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "latin1.md").write_bytes("# Envío\n\ncañón".encode("latin-1"))
    assert problems(tmp_path) == [
        f"{tmp_path / 'en' / 'latin1.md'}: is not UTF-8 text. Save it as UTF-8"]
