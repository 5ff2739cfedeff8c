"""The real process pool: stuck workers are killed at the deadline and replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import pytest

from reward_server.pool import FairPool, JobTimeout, LanedPool, ProcessPool, ThreadPool, WorkerLost


def spin_forever() -> None:
    while True:
        pass


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
    started = time.monotonic()
    with pytest.raises(JobTimeout):
        await pool.run(spin_forever, (), timeout=0.5)
    assert time.monotonic() - started < 5
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


async def test_cancelling_a_running_job_frees_the_worker(pool: ProcessPool) -> None:
    task = asyncio.ensure_future(pool.run(spin_forever, (), timeout=60))
    await asyncio.sleep(0.3)
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


def nap(seconds: float, label: str) -> str:
    time.sleep(seconds)
    return label


async def test_fair_pool_serves_a_second_request_between_the_first_ones_jobs() -> None:
    fair = FairPool(ThreadPool(2), slots=2)
    finished: list[str] = []

    async def job(tenant: str, i: int) -> None:
        finished.append(await fair.run(nap, (0.1, f"{tenant}{i}"), timeout=10, tenant=tenant))

    first = [asyncio.ensure_future(job("A", i)) for i in range(10)]
    await asyncio.sleep(0.05)
    second = asyncio.ensure_future(job("B", 0))
    await asyncio.gather(*first, second)
    # B waited for one free slot, not for A's whole backlog
    assert finished.index("B0") <= 3, finished
    assert fair._busy == 0 and not fair._waiting
    fair.close()


async def test_fair_pool_cancelled_waiters_give_their_slot_back() -> None:
    fair = FairPool(ThreadPool(1), slots=1)
    running = asyncio.ensure_future(fair.run(nap, (0.2, "a"), timeout=10, tenant="A"))
    await asyncio.sleep(0.02)
    waiters = [asyncio.ensure_future(fair.run(nap, (0, f"w{i}"), timeout=10, tenant=f"T{i}")) for i in range(3)]
    await asyncio.sleep(0.02)
    waiters[0].cancel()
    waiters[1].cancel()
    assert await running == "a"
    assert await waiters[2] == "w2"
    assert fair._busy == 0 and not fair._waiting
    assert fair.stats()["queued_jobs"] == 0
    fair.close()
