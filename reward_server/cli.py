"""The ``reward-server`` command.

``reward-server serve [--host H] [--port P] [--workers N] ...``: every option falls back to
``REWARD_SERVER_<OPTION>`` and then to the default in :class:`~reward_server.settings.Settings`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from reward_server.settings import Settings

__all__ = ["main"]


def _serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="start the HTTP service")
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        p.add_argument(flag, dest=name, default=None, help=field.description or f"(env REWARD_SERVER_{name.upper()})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reward-server", description="Rule-based reward service")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        overrides = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
        settings = Settings(**overrides)
        serve(settings)


def serve(settings: Settings) -> None:
    import uvicorn

    from reward_server.app import create_app

    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=30,
    )


if __name__ == "__main__":
    main()
