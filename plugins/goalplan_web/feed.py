"""The per-user calendar feed: a secret URL a calendar program subscribes to without signing in.

The URL's token is the only credential, so it is long and random, kept only as a hash, shown
once when made, replaced or revoked from the user's own page, and blanked from the access log.
The feed is the ical plugin's subscription calendar over exactly the plans the caseload page
lists for that user, with its default options: plan ids and dates, no client data.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from goalplan_web.kit import Kit
from goalplan_web.roles import may, visible

NOT_FOUND = "There is no such calendar feed."


def routes(kit: Kit) -> list[BaseRoute]:
    def settings_page(request: Request, form: FormData | None) -> Response:
        account = kit.require(request, "feed")
        has_feed = kit.settings.accounts.has_feed(account.name)
        return kit.render(request, "feed.html", has_feed=has_feed, url="", revoked=False)

    def new(request: Request, form: FormData | None) -> Response:
        account = kit.require(request, "feed")
        token = kit.settings.accounts.new_feed_token(account.name)
        url = f"{str(request.base_url).rstrip('/')}/feed/{token}.ics"
        return kit.render(request, "feed.html", has_feed=True, url=url, revoked=False)

    def revoke(request: Request, form: FormData | None) -> Response:
        account = kit.require(request, "feed")
        revoked = kit.settings.accounts.revoke_feed_token(account.name)
        return kit.render(request, "feed.html", has_feed=False, url="", revoked=revoked)

    def calendar(request: Request, form: FormData | None) -> Response:
        account = kit.settings.accounts.feed_account(request.path_params["token"])
        if account is None or not may(account, "feed"):
            raise HTTPException(404, NOT_FOUND)
        from goalplan_ical import caseload_feed

        with kit.store(account) as gp:
            logs = [gp.plan(p.plan_id).log() for p in gp.plans() if visible(account, p.clinician_name)]
            data = caseload_feed(logs, {})
        return Response(data, media_type="text/calendar; charset=utf-8")

    return [
        Route("/feed", kit.endpoint(settings_page)),
        Route("/feed/new", kit.endpoint(new), methods=["POST"]),
        Route("/feed/revoke", kit.endpoint(revoke), methods=["POST"]),
        Route("/feed/{token}.ics", kit.endpoint(calendar)),
    ]
