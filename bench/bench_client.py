"""What the HTTP client costs: the same batch scored in process vs through RewardClient.

Both sides are measured **warm** (every verdict already in the service's memo), so the
difference is the price of going through the client and HTTP: JSON encoding on both
ends, request validation, the socket round trip, the response model. One process runs
both sides: an in-process ``RewardService`` (``create_app``'s lifespan, real worker pool)
and a ``reward-server serve`` subprocess with the same settings.

    python -m bench.bench_client                 # batch sizes 1, 16, 128, 1024
    python -m bench.bench_client --sizes 1 64 --repeats 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any


from bench.grpo_data import make_batch
from reward_server.app import create_app
from reward_server.client import AsyncRewardClient, RewardClient
from reward_server.schemas import Item
from reward_server.service import RewardService, samples_from_items
from reward_server.settings import Settings
from tests.conftest import start_server, stop_server

SPEC = {"accuracy": 1.0, "format": 1.0}
ENV = {
    "REWARD_SERVER_WORKERS": "2",
    "REWARD_SERVER_QUARANTINE_WORKERS": "0",
    "REWARD_SERVER_LOG_LEVEL": "warning",
}


def items_for(n: int) -> list[dict[str, Any]]:
    keep = ("id", "group", "prompt", "completion", "reference")
    batch = make_batch(n_prompts=max(1, n // 16 + 1), per_prompt=16)[:n]
    return [{k: it[k] for k in keep} for it in batch]


async def timed(fn: Callable[[], Awaitable[Any]], repeats: int) -> list[float]:
    await fn()  # warm: memo, connections
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def timed_sync(fn: Callable[[], Any], repeats: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def measure(
    service: RewardService, sync_client: RewardClient, async_client: AsyncRewardClient, n: int, repeats: int
) -> None:
    """Median latency of one warm request of ``n`` items, each way, and the client's overhead."""
    raw = items_for(n)
    models = [Item.model_validate(it) for it in raw]

    async def in_process() -> Any:
        plan = service.plan(SPEC, models)
        return await service.scoring.score(samples_from_items(models), plan)

    reps = max(3, repeats if n <= 128 else repeats // 4)
    local = statistics.median(await timed(in_process, reps))
    via_async = statistics.median(await timed(lambda: async_client.score(raw, SPEC), reps))
    via_sync = statistics.median(
        await asyncio.to_thread(timed_sync, lambda: sync_client.score(raw, SPEC), reps)
    )
    overhead = via_sync - local
    print(
        f"{n:>6} | {local:>8.2f} ms | {via_sync:>9.2f} ms | {via_async:>6.2f} ms | "
        f"{overhead:>6.2f} ms | {overhead / n * 1000:.0f} µs"
    )


async def run(sizes: Sequence[int], repeats: int) -> None:
    settings = Settings(workers=2, quarantine_workers=0)
    app = create_app(settings)
    server = start_server(ENV)
    url = server.url
    try:
        async with app.router.lifespan_context(app):
            service: RewardService = app.state.service
            sync_client = RewardClient(url)
            async_client = AsyncRewardClient(url)
            print(
                f"{'items':>6} | {'in-process':>11} | {'RewardClient':>12} | {'Async':>9} | {'overhead':>9} | per item"
            )
            for n in sizes:
                await measure(service, sync_client, async_client, n, repeats)
            sync_client.close()
            await async_client.aclose()
    finally:
        stop_server(server)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 128, 1024])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args(argv)
    asyncio.run(run(args.sizes, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
