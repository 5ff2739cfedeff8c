"""A tagged JSON codec for values crossing the sandbox boundary.

Why not plain JSON: call-based tests compare Python values, and JSON turns tuples into lists
and cannot carry sets, bytes, complex numbers or non-string keys, so ``assert f() == (1, 2)``
would fail for a correct candidate. Why not pickle: the parent decodes what the (hostile)
child wrote, and unpickling runs code. :func:`decode` builds only exact builtin types, so an
object whose ``__eq__`` always returns True can never reach the judge.

Stdlib-only: the zygote imports this file by path.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["encode", "decode", "dumps", "loads", "EncodeError", "DecodeError"]

MAX_DEPTH = 100


class EncodeError(TypeError):
    pass


class DecodeError(ValueError):
    pass


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-able data; containers are tagged ``{"t": kind, "v": items}``."""
    if depth > MAX_DEPTH:
        raise EncodeError("value nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        f = float.__float__(value)
        if math.isfinite(f):
            return f
        return {"t": "float", "v": repr(f)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray)):
        return {"t": "bytes", "v": bytes(value).hex()}
    if isinstance(value, complex):
        return {"t": "complex", "v": [value.real, value.imag]}
    d = depth + 1
    if isinstance(value, list):
        return [encode(x, d) for x in list.__iter__(value)]
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode(x, d) for x in tuple.__iter__(value)]}
    if isinstance(value, (set, frozenset)):
        kind = "frozenset" if isinstance(value, frozenset) else "set"
        return {"t": kind, "v": [encode(x, d) for x in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, d), encode(v, d)] for k, v in dict.items(value)]}
    raise EncodeError(f"cannot serialise a value of type {type(value).__name__}")


def decode(data: Any, depth: int = 0) -> Any:
    """Inverse of :func:`encode`; raises :class:`DecodeError` on anything unexpected."""
    if depth > MAX_DEPTH:
        raise DecodeError("value nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    d = depth + 1
    if type(data) is list:
        return [decode(x, d) for x in data]
    if type(data) is not dict or set(data) != {"t", "v"}:
        raise DecodeError("malformed value")
    kind, v = data["t"], data["v"]
    try:
        if kind == "float" and v in ("nan", "inf", "-inf"):
            return float(v)
        if kind == "bytes" and type(v) is str:
            return bytes.fromhex(v)
        if kind == "complex" and type(v) is list and len(v) == 2:
            return complex(float(v[0]), float(v[1]))
        if type(v) is list:
            if kind == "tuple":
                return tuple(decode(x, d) for x in v)
            if kind == "set":
                return {decode(x, d) for x in v}
            if kind == "frozenset":
                return frozenset(decode(x, d) for x in v)
            if kind == "dict":
                out = {}
                for pair in v:
                    if type(pair) is not list or len(pair) != 2:
                        raise DecodeError("malformed dict item")
                    out[decode(pair[0], d)] = decode(pair[1], d)
                return out
    except (TypeError, ValueError) as e:  # unhashable set member, bad hex...
        raise DecodeError(str(e)) from None
    raise DecodeError(f"unknown tag {kind!r}")


def dumps(value: Any) -> str:
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def loads(text: str) -> Any:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise DecodeError(f"not JSON: {e}") from None
    return decode(data)
