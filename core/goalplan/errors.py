"""Errors that reach users: each renders as one sentence naming the field and what is allowed."""

from __future__ import annotations


class GoalplanError(Exception):
    """Base of every error goalplan raises on purpose."""


class RejectedError(GoalplanError):
    """A command or input was refused; nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[type[RejectedError], tuple[str, str]]:
        return (type(self), (self.field, self.message))  # survives pickling (process pools)


class NotFoundError(GoalplanError):
    """A plan, goal or other id that does not exist (or a prefix that matches several)."""


class ConcurrencyError(GoalplanError):
    """The stream moved on since it was read; the append wrote nothing."""

    def __init__(self, plan_id: str, expected: int, actual: int) -> None:
        self.plan_id = plan_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"plan {plan_id}: expected version {expected} but the log is at version {actual}; "
            "nothing was written."
        )

    def __reduce__(self) -> tuple[type[ConcurrencyError], tuple[str, int, int]]:
        return (type(self), (self.plan_id, self.expected, self.actual))


class IntegrityError(GoalplanError):
    """The log does not hash-chain as recorded: something was edited, removed or inserted."""


class CodecError(GoalplanError):
    """An event payload this version of goalplan cannot read."""


class StoreError(GoalplanError):
    """The store could not be opened, read or written (permissions, a full disk, a refused
    connection, a missing privilege); what was being written was not written."""


class StoreNotFoundError(StoreError):
    """A command that only reads was pointed at a store that does not exist; none was created."""
