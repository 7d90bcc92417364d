"""The understanding contract's classes, built by ``frozen.quick_init``'s ``__init__``, are
the same frozen dataclasses as before: the same fields, defaults, fresh default factories,
equality, hash, repr, refusal to change, ``replace`` and pickling, and the same errors for
a wrong call. Each is compared with the plain dataclass of the same fields."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from bot.understanding import contract
from bot.understanding.frozen import quick_init

QUICK = [contract.Passage, contract.Request, contract.StartFlow, contract.SetSlots,
         contract.AnswerFromKnowledge, contract.HandOff, contract.SwitchLanguage,
         contract.Understanding]

#: Arguments for each class, positional and by name, with and without the defaults.
CALLS: dict[type, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    contract.Passage: [(("p", "Title", "Answer.", "en", 0.75), {}),
                       ((), {"id": "p", "title": "T", "answer": "A", "locale": "es",
                             "score": 1.0, "source": "faq.md"})],
    contract.Request: [(("hello", "en", ["en", "es"], []), {}),
                       (("hola", None, ["es"], [], "returns", "order"),
                        {"passages": (), "history": (("customer", "hi"),)})],
    contract.StartFlow: [(("returns",), {}), (("returns", {"order": "A1001"}), {}),
                         ((), {"flow": "orders", "slots": {}})],
    contract.SetSlots: [(({"order": "A1001"},), {})],
    contract.AnswerFromKnowledge: [(("shipping",), {}),
                                   (("shipping", "Two days.", ("returns",)), {})],
    contract.HandOff: [((), {}), (("asked",), {})],
    contract.SwitchLanguage: [(("es",), {})],
    contract.Understanding: [((), {}), (((contract.HandOff(),), 0.9, "en", "builtin"), {}),
                             ((), {"provider": "openai", "prompt_tokens": 3,
                                   "completion_tokens": 4})],
}


def _plain(cls: type) -> type:
    """The dataclass ``cls`` was, with dataclasses' own ``__init__``."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default,
                                                 default_factory=f.default_factory))
              for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, fields, frozen=True, slots=True)


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_each_class_is_built_as_its_plain_dataclass_would_be(cls: type) -> None:
    init = cls.__dict__["__init__"]
    assert "__setattr__" not in init.__code__.co_names  # the quick one, not object.__setattr__
    plain = _plain(cls)
    assert (list(inspect.signature(cls).parameters)
            == list(inspect.signature(plain).parameters))
    for args, kwargs in CALLS[cls]:
        made, reference = cls(*args, **kwargs), plain(*args, **kwargs)
        values = {f.name: getattr(made, f.name) for f in dataclasses.fields(cls)}
        assert values == {f.name: getattr(reference, f.name)
                          for f in dataclasses.fields(plain)}
        assert made == cls(*args, **kwargs)
        assert repr(made) == repr(reference)
        assert pickle.loads(pickle.dumps(made)) == made
        assert dataclasses.replace(made) == made
        name = dataclasses.fields(cls)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, name, None)
    with pytest.raises(TypeError):
        cls(*range(len(dataclasses.fields(cls)) + 1))
    with pytest.raises(TypeError):
        cls(no_such_field=1)


def test_default_factories_give_each_instance_its_own_value() -> None:
    first, second = contract.StartFlow("returns"), contract.StartFlow("orders")
    assert first.slots == {} and first.slots is not second.slots
    assert hash(contract.HandOff()) == hash(contract.HandOff())
    with pytest.raises(TypeError):
        contract.StartFlow()  # type: ignore[call-arg]  # the flow is required


def test_classes_it_cannot_build_exactly_are_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordOnly:
        a: int

    for cls in (Unslotted, KeywordOnly):
        with pytest.raises(TypeError, match="quick_init needs"):
            quick_init(cls)
