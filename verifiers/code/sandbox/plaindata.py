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
# Members of one set (or keys of one dict) allowed to share a hash value. Python's ints hash
# modulo 2**61 - 1, so a child can return 40,000 distinct ints with one hash; building that
# set costs n**2 / 2 comparisons (minutes) in the service. Honest data has next to none.
MAX_SAME_HASH = 32


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


def _hashed(members: list[Any]) -> list[Any]:
    """``members`` unchanged, after checking they are hashable and few share a hash."""
    counts: dict[int, int] = {}
    for m in members:
        h = hash(m)  # TypeError for an unhashable member, caught by the caller
        n = counts.get(h, 0) + 1
        if n > MAX_SAME_HASH:
            raise DecodeError("too many members with the same hash (a hash-collision set)")
        counts[h] = n
    return members


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
                return set(_hashed([decode(x, d) for x in v]))
            if kind == "frozenset":
                return frozenset(_hashed([decode(x, d) for x in v]))
            if kind == "dict":
                if any(type(pair) is not list or len(pair) != 2 for pair in v):
                    raise DecodeError("malformed dict item")
                keys = _hashed([decode(pair[0], d) for pair in v])
                return dict(zip(keys, (decode(pair[1], d) for pair in v)))
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
