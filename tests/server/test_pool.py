"""The real process pool: stuck workers are killed at the deadline and replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from reward_server.pool import FairPool, JobTimeout, LanedPool, ProcessPool, ThreadPool, WorkerLost


def spin_forever() -> None:
    while True:
        pass


def mark_then_spin(path: str) -> None:
    Path(path).write_text("running")
    spin_forever()


def pid() -> int:
    return os.getpid()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


@pytest.fixture
async def pool() -> AsyncIterator[ProcessPool]:
    p = ProcessPool(1, memory_mb=512, start_method="forkserver", preload=())
    await p.start()
    yield p
    p.close()


async def test_stuck_worker_is_killed_and_replaced(pool: ProcessPool) -> None:
    before = await pool.run(pid, (), timeout=10)
    with pytest.raises(JobTimeout):
        await pool.run(spin_forever, (), timeout=0.5)
    after = await pool.run(pid, (), timeout=10)
    assert after != before
    assert pool.stats()["timeouts"] == 1


async def test_dead_worker_is_replaced(pool: ProcessPool) -> None:
    with pytest.raises(WorkerLost):
        await pool.run(die, (), timeout=10)
    assert await pool.run(pid, (), timeout=10) > 0
    assert pool.stats()["workers_lost"] == 1


async def test_memory_cap(pool: ProcessPool) -> None:
    with pytest.raises(WorkerLost):
        await pool.run(allocate, (2048,), timeout=10)
    assert await pool.run(allocate, (16,), timeout=10) == 16 * 1024 * 1024


async def test_cancelling_a_running_job_frees_the_worker(pool: ProcessPool, tmp_path: Path) -> None:
    """Cancelled once the job is known to run in the worker (it says so in a file), not after a guessed delay."""
    mark = tmp_path / "running"
    task = asyncio.ensure_future(pool.run(mark_then_spin, (str(mark),), timeout=60))
    deadline = time.monotonic() + 30
    while not mark.exists():
        assert time.monotonic() < deadline and not task.done(), "the job never started"
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await pool.run(pid, (), timeout=10) > 0


async def test_lanes_route_and_cap_deadlines() -> None:
    main, quarantine = ThreadPool(1), ThreadPool(1)
    laned = LanedPool({"main": main, "quarantine": quarantine}, {"quarantine": 0.2})
    await laned.run(time.sleep, (0,), timeout=5, lane="quarantine")
    assert quarantine.stats()["jobs"] == 1 and main.stats()["jobs"] == 0
    with pytest.raises(JobTimeout):
        await laned.run(time.sleep, (1,), timeout=5, lane="quarantine")
    await laned.run(time.sleep, (0,), timeout=5, lane="unknown")
    assert main.stats()["jobs"] == 1
    laned.close()


def gated_job(gate: threading.Event, label: str, started: list[str]) -> str:
    started.append(label)
    gate.wait(30)
    return label


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.005)


async def test_fair_pool_serves_a_second_request_between_the_first_ones_jobs() -> None:
    """Order, not timing: A's ten jobs fill both slots and queue; B's job then starts at the next free slot."""
    fair = FairPool(ThreadPool(2), slots=2)
    gate, started = threading.Event(), []
    first = [
        asyncio.ensure_future(fair.run(gated_job, (gate, f"A{i}", started), timeout=30, tenant="A"))
        for i in range(10)
    ]
    await wait_for(lambda: len(started) == 2 and fair.stats()["queued_jobs"] == 8, "A fills both slots")
    second = asyncio.ensure_future(fair.run(gated_job, (gate, "B0", started), timeout=30, tenant="B"))
    await wait_for(lambda: fair.stats()["queued_jobs"] == 9, "B queued")
    gate.set()
    await asyncio.gather(*first, second)
    # B waited for one free slot, not for A's whole backlog (A0, A1 were running; B0 is dispatched next)
    assert started.index("B0") <= 3, started
    assert sorted(started) == sorted([f"A{i}" for i in range(10)] + ["B0"])
    assert fair._busy == 0 and not fair._waiting
    fair.close()


async def test_fair_pool_cancelled_waiters_give_their_slot_back() -> None:
    fair = FairPool(ThreadPool(1), slots=1)
    gate, started = threading.Event(), []
    running = asyncio.ensure_future(fair.run(gated_job, (gate, "a", started), timeout=30, tenant="A"))
    await wait_for(lambda: started == ["a"], "the first job runs")
    waiters = [
        asyncio.ensure_future(fair.run(gated_job, (gate, f"w{i}", started), timeout=30, tenant=f"T{i}"))
        for i in range(3)
    ]
    await wait_for(lambda: fair.stats()["queued_jobs"] == 3, "three waiters queued")
    waiters[0].cancel()
    waiters[1].cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await running == "a"
    assert await waiters[2] == "w2"
    assert started == ["a", "w2"]
    assert fair._busy == 0 and not fair._waiting
    assert fair.stats()["queued_jobs"] == 0
    fair.close()
