"""One error format for every error: :class:`~reward_server.schemas.ErrorResponse`.

Exceptions:

* :class:`RequestError` (422) – a request that is well-formed JSON but asks for something
  impossible (an unknown component, a bad parameter). Raised by the scoring layer before
  any work is done, converted here.
* FastAPI's validation errors (422) and ``HTTPException`` are re-shaped into the same body.
* Anything else is a 500 with no traceback in the body (it is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reward_server.schemas import ErrorResponse

__all__ = ["RequestError", "install_error_handlers", "error_response"]

log = logging.getLogger("reward_server")


class RequestError(Exception):
    """A request the service understood but cannot honour (HTTP 422)."""

    def __init__(self, message: str, loc: Sequence[str | int] = (), status_code: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.loc = list(loc)
        self.status_code = status_code


def error_response(
    status_code: int,
    error: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=error, message=message, details=details or [])
    return JSONResponse(status_code=status_code, content=body.model_dump(), headers=headers)


def _clean_validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Keep what says which field is wrong; drop echoed input (it may be megabytes)."""
    out = []
    for e in errors:
        loc = [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())]
        out.append({"loc": loc, "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def _summary(details: list[dict[str, Any]]) -> str:
    if not details:
        return "invalid request"
    first = details[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _clean_validation_errors(exc.errors())
        return error_response(422, "invalid_request", _summary(details), details)

    @app.exception_handler(RequestError)
    async def _request_error(_: Request, exc: RequestError) -> JSONResponse:
        details = [{"loc": exc.loc, "msg": exc.message, "type": "value_error"}]
        return error_response(exc.status_code, "invalid_request", exc.message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(
            exc.status_code,
            "http_error",
            str(exc.detail),
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "internal error; see the service log")
