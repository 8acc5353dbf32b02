"""Whether the ``web`` extra is installed, said in one sentence when it is not."""

from __future__ import annotations

import importlib.util

import click

WEB_MODULES = ("starlette", "jinja2", "uvicorn", "argon2", "itsdangerous", "multipart", "asgi_csrf", "limits")


def missing_modules() -> list[str]:
    return [name for name in WEB_MODULES if importlib.util.find_spec(name) is None]


def require_web_extra(command: str) -> None:
    missing = missing_modules()
    if missing:
        raise click.ClickException(
            f"goalplan {command} needs the web extra ({', '.join(missing)} not installed): "
            "pip install 'goalplan[web]'."
        )
