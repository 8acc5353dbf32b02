"""Refusals name what the user typed: one mapping from internal field to option, checked here."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from goalplan.cli.main import cli
from goalplan.cli.option_names import ALIASES, option_name
from goalplan.domain.decide import CORRECTABLE_ENTRIES
from goalplan.domain.fold import correctable_types


def commands(group: click.Group = cli) -> Iterator[click.Command]:
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from commands(command)


def test_every_alias_names_a_parameter_some_command_has() -> None:
    names = {p.name for c in commands() for p in c.params}
    for field, targets in ALIASES.items():
        assert set(targets) & names, f"{field} maps to {targets}, which no command has"


@pytest.mark.parametrize(
    ("path", "field", "shown"),
    [
        (("plan", "open"), "review_every", "--review-every"),
        (("goal", "set"), "target_date", "--by"),
        (("goal", "step"), "due_on", "--by"),
        (("progress",), "observed_on", "--on"),
        (("score",), "observed_on", "--on"),
        (("review",), "next_review_on", "--next"),
        (("review",), "held_on", "--held"),
        (("plan", "sign"), "signed_on", "--on"),
        (("progress",), "value", "VALUE"),
        (("plan", "open"), "birth-date", "--birth-date"),  # a rule that spells the field as its option
        (("plan", "open"), "client_birth_date", "--birth-date"),
        (("intervention",), "ends-on", "--ends"),
        (("plan", "details"), "effective-through", "--effective-through"),
        (("goal", "revise"), "revision", "revision"),  # no option sets it: left as it is
        (("progress",), "--option", "--option"),
    ],
)
def test_fields_read_as_the_options_of_the_running_command(
    path: tuple[str, ...], field: str, shown: str
) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert option_name(field, command) == shown


def test_correct_names_entries_in_words_not_event_type_tags() -> None:
    assert set(CORRECTABLE_ENTRIES) == set(correctable_types())
    assert all("_" not in words for words in CORRECTABLE_ENTRIES.values())
