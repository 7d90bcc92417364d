"""Human handoff: the per-conversation state machine, the queue, operators."""
