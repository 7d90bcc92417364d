"""Write dialogue flows in Python.

>>> from bot.dialogue import Ask, End, Flow, Turn, command
>>> hello = Flow("hello", triggers=command("hello"))
>>> @hello.step
... async def ask_name(turn: Turn):
...     return Ask("name", "What's your name?", then=greet)
>>> @hello.step
... async def greet(turn: Turn):
...     turn.say(f"Nice to meet you, {turn.slots['name']}!")
...     return End()
"""

from bot.dialogue.engine import DialogueEngine, TurnResult
from bot.dialogue.flow import Flow
from bot.dialogue.steps import Ask, Call, End, Goto, Handoff, Start, StepResult
from bot.dialogue.texts import Texts
from bot.dialogue.triggers import Trigger, command, keyword, payload, regex
from bot.dialogue.turn import Turn
from bot.messages import Choice

__all__ = [
    "Ask",
    "Call",
    "Choice",
    "DialogueEngine",
    "End",
    "Flow",
    "Goto",
    "Handoff",
    "Start",
    "StepResult",
    "Texts",
    "Trigger",
    "Turn",
    "TurnResult",
    "command",
    "keyword",
    "payload",
    "regex",
]
