"""``goalplan serve`` and ``goalplan users``: a web workspace for clinicians, with accounts and roles.

The web libraries (Starlette, uvicorn, Jinja2, argon2-cffi) come with the optional ``web`` extra
and are imported only when one of these commands runs, so loading this plugin costs nothing and
goalplan works without the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import goalplan

if TYPE_CHECKING:
    import click

__all__ = ["register_commands"]


@goalplan.hookimpl
def register_commands(cli: click.Group) -> None:
    from goalplan_web.commands import serve, users_group

    cli.add_command(serve)
    cli.add_command(users_group)
