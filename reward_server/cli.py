"""The ``reward-server`` command.

``reward-server serve [--host H] [--port P] [--workers N] ...``: every option falls back to
``REWARD_SERVER_<OPTION>`` and then to the default in :class:`~reward_server.settings.Settings`.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Sequence
from types import FrameType

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
    """Run the service until SIGTERM/SIGINT, then drain: not ready at once, in-flight requests
    finish within ``shutdown_grace``, then the workers stop (lifespan shutdown)."""
    import uvicorn

    from reward_server.app import create_app
    from reward_server.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)

    class DrainingServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            app.state.ready = False
            super().handle_exit(sig, frame)
            # uvicorn re-raises a handled signal after shutting down (exit status -15); a
            # completed drain on SIGTERM is a clean stop, so exit 0 instead.
            if sig == signal.SIGTERM:
                self._captured_signals = [s for s in self._captured_signals if s != signal.SIGTERM]

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace),
    )
    DrainingServer(config).run()


if __name__ == "__main__":
    main()
