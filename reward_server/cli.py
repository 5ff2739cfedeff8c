"""The ``reward-server`` command.

``reward-server serve [--host H] [--port P] [--workers N] ...``: every option falls back to
``REWARD_SERVER_<OPTION>`` and then to the default in :class:`~reward_server.settings.Settings`.

``reward-server score IN.jsonl -o OUT.jsonl [--components JSON]``: offline scoring.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic.fields import FieldInfo

from reward_server.settings import Settings

__all__ = ["main"]


def _setting_help(name: str, field: FieldInfo) -> str:
    """A setting's description, its default (as the service would use it) and its variable."""
    default = field.get_default(call_default_factory=True)
    shown = "none" if default is None else ("''" if default == "" else default)
    text = f"{field.description}; " if field.description else ""
    return f"{text}env REWARD_SERVER_{name.upper()} (default: {shown})".replace("%", "%%")


def _serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="start the HTTP service")
    for name, field in Settings.model_fields.items():
        flag = "--" + name.replace("_", "-")
        # default=None: an unset flag leaves the variable or the default to Settings
        p.add_argument(flag, dest=name, default=None, help=_setting_help(name, field))


def _score_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "score",
        help="score a JSONL file of items offline (same components as the service)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("input", type=Path, help="JSONL, one item per line (the /v1/score item shape)")
    p.add_argument("-o", "--output", type=Path, required=True, help="JSONL, one result per input line")
    p.add_argument("--components", default=None, help='component spec as JSON, e.g. \'{"accuracy": 1, "format": 0.5}\'')
    p.add_argument("--batch-size", type=int, default=512, help="items per request to the scoring service")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reward-server", description="Rule-based reward service")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _score_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        overrides = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
        serve(Settings(**overrides))
    elif args.command == "score":
        sys.exit(score(args))


def score(args: argparse.Namespace) -> int:
    """The offline batch command; exit status 2 for a bad spec or unreadable input."""
    import asyncio
    import json

    from reward_server.batch import score_file
    from reward_server.errors import RequestError
    from reward_server.logs import configure_logging

    settings = Settings()
    configure_logging("warning", "text")
    try:
        spec = _components(args.components)
        summary = asyncio.run(
            score_file(args.input, args.output, settings, spec, args.batch_size, progress=not args.no_progress)
        )
    except (RequestError, ValueError, OSError) as exc:
        print(f"reward-server score: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def _components(text: str | None) -> dict[str, Any] | None:
    """``--components``: a JSON object (the /v1/score ``components`` shape)."""
    if not text:
        return None
    import json

    try:
        spec = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"--components must be a JSON object, e.g. '{{\"accuracy\": 1}}': {exc}") from None
    if not isinstance(spec, dict):
        raise ValueError(f"--components must be a JSON object, not {type(spec).__name__}")
    return spec


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
