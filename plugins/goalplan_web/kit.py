"""What create_app hands each page module: the settings and the shared request helpers.

Page modules (accounts, feed, analytics) build their routes from this, so app.py only includes
them and every route asks the same session and role checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

import goalplan
from goalplan_web.accounts import Account

if TYPE_CHECKING:
    from goalplan_web.app import Settings


@dataclass(frozen=True)
class Kit:
    settings: Settings
    render: Callable[..., Response]
    require: Callable[..., Account]
    endpoint: Callable[..., Callable[[Request], Any]]
    store: Callable[[Account], goalplan.Goalplan]
    today: Callable[[goalplan.Goalplan], date]
