"""Optional bearer-token authentication (``REWARD_SERVER_API_KEYS``).

Keys are compared with :func:`hmac.compare_digest` against every configured key, so the
time taken says nothing about how much of a key matched. ``/health``, ``/ready`` and
``/metrics`` stay open for probes and scrapers.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

__all__ = ["require_api_key", "ApiKeyDep"]


def _matches(token: str, keys: list[str]) -> bool:
    found = False
    for key in keys:
        found |= hmac.compare_digest(token.encode(), key.encode())
    return found


async def require_api_key(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    keys: list[str] = request.app.state.settings.api_key_list()
    if not keys:
        return
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token or not _matches(token.strip(), keys):
        raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})


ApiKeyDep = Depends(require_api_key)
