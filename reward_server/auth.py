"""Optional bearer-token authentication (``REWARD_SERVER_API_KEYS``).

Keys are compared with :func:`hmac.compare_digest` against every configured key, so the
time taken says nothing about how much of a key matched. ``/health``, ``/ready`` and
``/metrics`` stay open for probes and scrapers.

Two ways to carry a key:

* ``Authorization: Bearer <key>`` everywhere (:data:`ApiKeyDep`);
* on the compat endpoints only, also ``?api_key=<key>`` in the URL (:data:`UrlApiKeyDep`),
  because OpenRLHF's and slime's reward clients send no headers: their configuration is a
  URL and nothing else. A key in a URL is weaker than a header (it lands in the trainer's
  logs, shell history and process list, and in the logs of any proxy in between; our own
  access log records the path without the query), so the docs say to keep those endpoints
  behind a network policy as well. A header, when present, wins over the URL.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request

__all__ = ["ApiKeyDep", "UrlApiKeyDep", "require_api_key", "require_api_key_or_url"]


def _matches(token: str, keys: list[str]) -> bool:
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode(), key.encode())
    return found


def _bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; ``None`` for no header or another scheme."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _check(request: Request, token: str | None) -> None:
    keys: list[str] = request.app.state.settings.api_key_list()
    if not keys:
        return
    if token is None or not _matches(token, keys):
        raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})


async def require_api_key(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    _check(request, _bearer(authorization))


async def require_api_key_or_url(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    api_key: Annotated[
        str | None, Query(description="API key for clients that cannot send a header (weaker than a header)")
    ] = None,
) -> None:
    token = _bearer(authorization) if authorization else api_key
    _check(request, token)


ApiKeyDep = Depends(require_api_key)
UrlApiKeyDep = Depends(require_api_key_or_url)
