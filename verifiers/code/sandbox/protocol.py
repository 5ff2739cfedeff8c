"""The control channel between the service and a zygote: one JSON object per datagram.

Why a ``SOCK_SEQPACKET`` Unix socket: every message arrives whole (no length framing to get
wrong on two sides) and can carry file descriptors. The zygote hands the service the
service's ends of a run's pipes and the child's pidfd this way, so the bytes a candidate
reads and writes never pass through the zygote: the process every run is forked from
holds no request data and no results, not even in freed memory.

What travels here is control only: limits, argv of the language's tools, exit statuses.
Stdlib-only: the zygote imports this file by path.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

__all__ = ["MAX_MESSAGE", "MAX_FDS", "ProtocolError", "send", "recv", "pair"]

MAX_MESSAGE = 1 << 16
MAX_FDS = 8


class ProtocolError(ConnectionError):
    """The peer closed the channel or sent something that is not a control message."""


def pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | tuple[int, ...] = ()) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ProtocolError("control message too large")
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.sendall(data)


def recv(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One message and the descriptors that came with it (the caller owns them)."""
    data, fds, flags, _ = socket.recv_fds(sock, MAX_MESSAGE, MAX_FDS)
    if not data:
        for fd in fds:
            _close(fd)
        raise ProtocolError("channel closed")
    try:
        message = json.loads(data)
    except ValueError:
        message = None
    if not isinstance(message, dict) or flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        for fd in fds:
            _close(fd)
        raise ProtocolError("malformed control message")
    return message, fds


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
