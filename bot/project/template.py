'''The files of a new bot project, ``{name}`` standing for its package's name.

Plain strings rather than a folder of template files: the template's own Python would be
collected as packages of the wheel, and its tests by this repository's pytest.
'''

from __future__ import annotations

CONFIG = """\
# {name}: an Omnicanal bot. `omnicanal check` validates this file; `omnicanal run` runs it.
# ${{VAR}} reads the environment; ${{VAR:-default}} gives a default. Unknown keys are errors.

store:
  url: ${{REDIS_URL:-embedded}}   # a local Valkey server, data under data_dir
  data_dir: .omnicanal/data

server:
  host: ${{OMNICANAL_HOST:-127.0.0.1}}
  port: ${{OMNICANAL_PORT:-8080}}

flows:
  modules: [{name}]              # the package next to this file; add modules of your own
  default: welcome
  locales: [en]
  default_locale: en

# knowledge:                     # answers from knowledge/ (see knowledge/README.md)
#   paths: [knowledge]

connectors:
  webchat:
    enabled: true                # the page at http://127.0.0.1:8080/
  console:
    enabled: true                # `omnicanal chat` talks to the bot in the terminal
"""

PACKAGE = '''\
"""The flows of {name}. config.yaml lists this package under flows.modules; every Flow in
FLOWS is loaded (and checked by `omnicanal check`)."""

from {name}.booking import booking
from {name}.welcome import human, welcome

FLOWS = [welcome, booking, human]
'''

WELCOME = '''\
"""The welcome menu: it lists every flow declared with Flow(..., menu=...), so a new flow
reaches it by declaring itself, without editing this file."""

from __future__ import annotations

from bot.dialogue import Ask, Flow, Goto, Handoff, Start, StepResult, Turn, command, keyword

welcome = Flow("welcome", triggers=[*command("start", "menu"), *keyword("menu")])
human = Flow("human", menu={{"en": "Talk to a person"}})


@welcome.step
async def show(turn: Turn) -> StepResult:
    return Ask("choice", "Hi! What can I do for you?", choices=turn.menu_choices(),
               then=route)


@welcome.step
async def route(turn: Turn) -> StepResult:
    # A pressed button starts its flow by itself; this serves a typed number or title.
    chosen = turn.menu_flow(turn.slots["choice"])
    return Start(chosen) if chosen else Goto(show)


@human.step
async def to_a_person(turn: Turn) -> StepResult:
    return Handoff("asked for a person in the menu")
'''

BOOKING = '''\
"""Book a table: a question with a typed answer, then one with choices."""

from __future__ import annotations

from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn, command

booking = Flow("booking", triggers=command("book"), slots={{"size": int}},
               menu={{"en": "Book a table"}}, title={{"en": "a booking"}})


@booking.step
async def ask_size(turn: Turn) -> StepResult:
    return Ask("size", "A table for how many?", then=ask_time,
               error="Send a number, like 4.")


@booking.step
async def ask_time(turn: Turn) -> StepResult:
    return Ask("time", "Lunch or dinner?", then=confirm, choices=[
        Choice(payload="lunch", title="Lunch"),
        Choice(payload="dinner", title="Dinner"),
    ])


@booking.step
async def confirm(turn: Turn) -> StepResult:
    turn.say(f"Booked: {{turn.slots['size']}} people for {{turn.slots['time']}}.")
    return End()
'''

TESTS = '''\
"""The flows, tested in memory with FlowTester: no network, no store."""

from bot.channels import Capabilities
from bot.testing import FlowTester


async def test_a_booking() -> None:
    async with FlowTester("{name}") as chat:
        menu = await chat.send("hi")
        assert menu.choices == ["Book a table", "Talk to a person"]
        await chat.press("Book a table")
        assert (await chat.send("4")).choices == ["Lunch", "Dinner"]
        done = await chat.press("Dinner")
        assert done.text == "Booked: 4 people for dinner."


async def test_a_wrong_answer_is_asked_again() -> None:
    async with FlowTester("{name}") as chat:
        await chat.send("/book")
        assert "Send a number" in (await chat.send("a big table")).text
        assert chat.flow == "booking"


async def test_numbered_choices_on_a_text_only_channel() -> None:
    async with FlowTester("{name}", capabilities=Capabilities(max_buttons=0)) as chat:
        menu = await chat.send("hi")
        assert "1. Book a table" in menu.text
        await chat.send("1")
        assert chat.flow == "booking"
'''

PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["omnicanal"]

[tool.pytest.ini_options]
# The project's folder on sys.path, so the tests import `{name}`.
pythonpath = ["."]
testpaths = ["tests"]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""

README = """\
# {name}

A bot built with [Omnicanal](https://pypi.org/project/omnicanal/).

```sh
omnicanal run      # the bot: open http://127.0.0.1:8080/ (Ctrl-C to stop)
pytest             # the tests of its flows (pip install pytest pytest-asyncio)
```

- `config.yaml`: the store (embedded: no server to install), the web chat and the
  console; `omnicanal check` validates it and every flow.
- `{name}/`: the flows. A flow declared with `menu=` appears in the welcome menu.
- `tests/`: tests of the flows with `FlowTester`, and conversation tests
  (`*.convo.yaml`, run by pytest and by `omnicanal test tests`).
- `knowledge/`: answers for the knowledge base.

`omnicanal chat` talks to the bot in this terminal; `omnicanal run --reload` restarts it
when a flow or config.yaml changes.

The names `bot`, `connectors` and `flows` belong to Omnicanal: a file or folder of yours
by those names is never imported as one of your modules (put your code in `{name}/`).
"""

GITIGNORE = """\
.omnicanal/
__pycache__/
.pytest_cache/
.venv/
*.egg-info/
"""

KNOWLEDGE = """\
# Knowledge

Answers the bot gives from what your business knows (opening hours, delivery, returns):
Markdown or YAML entries, one subfolder per locale (`knowledge/en/...`). Enable it in
config.yaml with `knowledge: {{paths: [knowledge]}}`.
"""

CONVERSATION = """\
# A conversation test: what the customer sends, and what must come back.
# Run by pytest and by `omnicanal test tests`.
name: a booking, on buttons and on a text-only channel
profiles: [buttons, text]
turns:
  - send: hi
    expect: {{choices: [Book a table, Talk to a person]}}
  - press: Book a table
    expect: {{text: how many, flow: booking, step: ask_size}}
  - send: "4"
    expect: {{choices: [Lunch, Dinner], slots: {{size: 4}}}}
  - press: Dinner
    expect: {{text: "Booked: 4 people for dinner."}}
"""

#: Path (``{name}`` for the package) → content.
FILES = {
    "config.yaml": CONFIG,
    "pyproject.toml": PYPROJECT,
    "README.md": README,
    ".gitignore": GITIGNORE,
    "{name}/__init__.py": PACKAGE,
    "{name}/welcome.py": WELCOME,
    "{name}/booking.py": BOOKING,
    "knowledge/README.md": KNOWLEDGE,
    "tests/test_flows.py": TESTS,
    "tests/booking.convo.yaml": CONVERSATION,
}
