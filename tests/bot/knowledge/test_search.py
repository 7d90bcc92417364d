"""The demo's base answers paraphrases, typos and accents in English and Spanish, and
scores unrelated text below the understanding threshold (0.6 by default)."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase

THRESHOLD = 0.6


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("how long does shipping take", "en", "en/shipping-times"),
    ("How long does shiping take?", "en", "en/shipping-times"),  # a typo
    ("when will my parcel get here", "en", "en/shipping-times"),
    ("delivery time to the Canary Islands", "en", "en/shipping-times"),
    ("¿cuánto tarda el envío?", "es", "es/shipping-times"),
    ("cuanto tarda el envio", "es", "es/shipping-times"),  # no accents, no marks
    ("CUANTO TARDA EL ENVÍO", "es", "es/shipping-times"),
    ("cuanto trada el envio", "es", "es/shipping-times"),  # swapped letters
    ("is delivery free?", "en", "en/shipping-costs"),
    ("el envio es gratis?", "es", "es/shipping-costs"),
    ("how do I return something", "en", "en/returns-policy"),
    ("cuántos días tengo para devolver", "es", "es/returns-policy"),
    ("I'd like my money back", "en", "en/refunds"),
    ("what time do you open on saturday", "en", "en/shop-hours"),
    ("a qué hora abrís", "es", "es/shop-hours"),
    ("where is the shop", "en", "en/shop-address"),
    ("dónde está la tienda física", "es", "es/shop-address"),
    ("can i pay with paypal", "en", "en/payment-methods"),
    ("se puede pagar en efectivo", "es", "es/payment-methods"),
    ("what size should I get for the jeans", "en", "en/sizes"),
    ("qué talla de zapatillas", "es", "es/sizes"),
    # the words customers use, none of them a question of the entry as written
    ("how many days for delivery", "en", "en/shipping-times"),
    ("how much is postage", "en", "en/shipping-costs"),
    ("can I send it back", "en", "en/returns-policy"),
    ("when do I get my money", "en", "en/refunds"),
    ("it's too small", "en", "en/exchanges"),
    ("opening times", "en", "en/shop-hours"),
    ("are you open today", "en", "en/shop-hours"),
    ("your address please", "en", "en/shop-address"),
    ("how to get to your store", "en", "en/shop-address"),
    ("do you take apple pay", "en", "en/payment-methods"),
    ("does the t-shirt fit large", "en", "en/sizes"),
    ("how do I wash the hoodie", "en", "en/care"),
    ("tracking number", "en", "en/order-tracking"),
    ("can I speak with an agent", "en", "en/contact"),
    ("discounts", "en", "en/offers"),
    ("en cuántos días llega", "es", "es/shipping-times"),
    ("cuánto cuestan los envíos", "es", "es/shipping-costs"),
    ("gastos de envio", "es", "es/shipping-costs"),
    ("cuándo me devuelven el dinero", "es", "es/refunds"),
    ("me queda pequeño", "es", "es/exchanges"),
    ("horario de apertura", "es", "es/shop-hours"),
    ("abren los domingos", "es", "es/shop-hours"),
    ("dónde estáis ubicados", "es", "es/shop-address"),
    ("puedo pagar con tarjeta", "es", "es/payment-methods"),
    ("tabla de tallas", "es", "es/sizes"),
    ("cómo se lava la sudadera", "es", "es/care"),
    ("número de seguimiento", "es", "es/order-tracking"),
    ("teléfono de contacto", "es", "es/contact"),
    ("descuentos", "es", "es/offers"),
])
def test_questions_asked_in_other_words_find_their_entry(
        demo: KnowledgeBase, text: str, locale: str, expected: str) -> None:
    best = demo.search(text, locale)[0]
    assert best.id == expected
    assert best.score >= THRESHOLD, best


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("Hi! I ordered a hoodie yesterday. How long does shipping take?", "en",
     "en/shipping-times"),
    ("Hola, buenas tardes. Hice un pedido ayer, ¿cuánto tarda el envío?", "es",
     "es/shipping-times"),
])
def test_the_greeting_and_story_around_a_question_do_not_drown_it(
        demo: KnowledgeBase, text: str, locale: str, expected: str) -> None:
    best = demo.search(text, locale)[0]
    assert (best.id, best.score) == (expected, 1.0)


@pytest.mark.parametrize(("text", "locale"), [
    ("I love pizza. Tell me a joke!", "en"),
    ("Hola. ¿Qué tal? Quiero pedir una pizza.", "es"),
    ("what's the weather like tomorrow", "en"),
    ("tell me a joke", "en"),
    ("who won the football match yesterday", "en"),
    ("my dog is called Max", "en"),
    ("what is the capital of France", "en"),
    ("how long does it take to cook rice", "en"),
    ("¿qué tiempo hace mañana?", "es"),
    ("cuéntame un chiste", "es"),
    ("quiero pedir una pizza", "es"),
    ("cuál es la capital de Francia", "es"),
    ("is it raining", "en"),
    ("book a flight to Paris", "en"),
    ("what's your name", "en"),
    ("I lost my keys", "en"),
    ("the service was terrible", "en"),
    ("how are you", "en"),
    ("reserva una mesa para dos", "es"),
    ("cómo te llamas", "es"),
    ("qué tal", "es"),
    ("hello", "en"),
    ("A1001", "en"),
    ("", "en"),
])
def test_unrelated_text_scores_below_the_threshold(
        demo: KnowledgeBase, text: str, locale: str) -> None:
    for passage in demo.search(text, locale):
        assert passage.score < THRESHOLD, passage
    for passage in demo.search(text, None):
        assert passage.score < THRESHOLD, passage


@pytest.mark.parametrize(("text", "locale"), [
    ("where?", "en"), ("how", "en"), ("what", "en"), ("¿dónde?", "es"), ("cuánto", "es"),
])
def test_a_question_word_alone_asks_about_nothing(
        demo: KnowledgeBase, text: str, locale: str) -> None:
    assert demo.search(text, locale) == []


def test_every_locale_is_searched_the_customers_first(demo: KnowledgeBase) -> None:
    assert demo.search("¿cuánto tarda el envío?", None)[0].id == "es/shipping-times"
    assert demo.search("how long does shipping take", None)[0].id == "en/shipping-times"
    assert demo.search("how long does shipping take", "fr")[0].id == "en/shipping-times"
    spanish = demo.search("¿cuánto tarda el envío?", "en")[0]  # written before it knew
    assert (spanish.id, spanish.locale, spanish.score) == ("es/shipping-times", "es", 0.9)
    # a word both languages share does not pull the other locale's entry first
    assert demo.search("paypal", "en")[0].id == "en/payment-methods"
    assert demo.search("paypal", "es")[0].id == "es/payment-methods"


def test_results_are_best_first_limited_and_got_back_by_id(demo: KnowledgeBase) -> None:
    found = demo.search("how long does shipping take", "en", limit=2)
    assert len(found) == 2
    assert found[0].score >= found[1].score
    assert 0 < found[1].score <= found[0].score <= 1
    again = demo.get(found[0].id)
    assert again is not None
    assert (again.title, again.answer) == (found[0].title, found[0].answer)
    assert demo.get("en/no-such-entry") is None
    assert demo.get("shipping-times") is None  # ids are "<locale>/<id>"


def test_the_demo_agrees_with_the_shop(demo: KnowledgeBase) -> None:
    """The returns window and the refund options are the flows' own."""
    from flows.store_assistant.shop import RETURN_DAYS
    from flows.store_assistant.texts import TEXTS

    for locale in ("en", "es"):
        returns = demo.get(f"{locale}/returns-policy")
        assert returns is not None
        assert f"{RETURN_DAYS} " in returns.answer
        refunds = demo.get(f"{locale}/refunds")
        assert refunds is not None
        assert "10%" in refunds.answer and "10%" in TEXTS.get(locale, "returns.refund.credit")
    assert {e.id for e in demo.entries() if e.locale == "en"} == {
        e.id for e in demo.entries() if e.locale == "es"}
