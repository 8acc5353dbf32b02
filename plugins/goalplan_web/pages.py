"""The routes of the page modules that create_app includes beside its own."""

from __future__ import annotations

from starlette.routing import BaseRoute

from goalplan_web import admin_pages, analytics_page, feed, plan_forms
from goalplan_web.kit import Kit


def page_routes(kit: Kit) -> list[BaseRoute]:
    return [
        *admin_pages.routes(kit),
        *feed.routes(kit),
        *analytics_page.routes(kit),
        *plan_forms.routes(kit),
    ]
