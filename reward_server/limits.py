"""Request limits: body size (413) and a bounded queue of concurrent scoring requests (429).

The body limit is enforced on the bytes actually received, not only on ``Content-Length``
(a chunked upload has none). The concurrency limiter lets ``max_concurrent`` requests score
at once and ``max_queued`` wait; past that a request is refused at once with
``Retry-After`` instead of piling up behind a slow batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reward_server.errors import error_response

__all__ = ["BodySizeLimit", "ConcurrencyLimiter", "Overloaded"]


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer 413 now and tell the app the client left: FastAPI would turn an
                    # exception raised here into a 400.
                    refused = True
                    await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "payload_too_large", f"the request body is over {self.max_bytes} bytes"
        )
        await response(scope, receive, send)


class Overloaded(Exception):
    """Too many scoring requests waiting: answer 429 with ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many requests in flight")
        self.retry_after = retry_after


class ConcurrencyLimiter:
    def __init__(self, max_concurrent: int, max_queued: int) -> None:
        self._slots = asyncio.Semaphore(max_concurrent)
        self._max_waiting = max_queued
        self.waiting = 0
        self.active = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked() and self.waiting >= self._max_waiting:
            raise Overloaded(retry_after=1)
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
            self._slots.release()
