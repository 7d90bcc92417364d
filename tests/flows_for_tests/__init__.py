"""Small flows for the framework's own tests, so that no core test depends on the demo
(``flows.store_assistant``), whose texts and data are tested only in ``tests/flows/``.

A tiny help desk with each shape a flow can take:

- ``menu``, the default flow: a greeting with the customer's name and a step offering
  choices, which starts the chosen flow (and offers "Continue on another channel", which
  the core's linking answers, and a language switch);
- ``shelf``: choices built from data, a detail, then ``Start`` another flow;
- ``ticket``: a slot validated by its pydantic type, an async look-up, a re-ask;
- ``report``: a form over several steps, a branch, a choice skipped when there is only
  one, and a sub-flow (``contact``) that collects an e-mail address when there is none;
- ``human``: a menu entry that hands the conversation to a person.

Tickets: T100 is open with two parts (screen, cable), T200 waits for a part (one: battery),
T300 is closed.
"""

from tests.flows_for_tests.desk import contact, report, ticket
from tests.flows_for_tests.menu import human, menu, shelf

FLOWS = [menu, shelf, ticket, report, contact, human]
