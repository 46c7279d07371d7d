"""The local executor runs N jobs at once, lowest priority first, and hands errors back to the caller."""

from __future__ import annotations

import asyncio
import time

import pytest

from backends.executor import LocalExecutor


def test_runs_at_most_n_at_once_and_in_parallel() -> None:
    executor = LocalExecutor(workers=4)
    running = peak = 0

    async def job() -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return 1

    started = time.perf_counter()
    futures = [executor.submit(job) for _ in range(16)]
    assert sum(f.result() for f in futures) == 16
    elapsed = time.perf_counter() - started
    executor.shutdown()
    assert peak == 4
    assert elapsed < 16 * 0.05 / 2  # parallel, not serial


def test_priority_orders_the_queue() -> None:
    executor = LocalExecutor(workers=1)
    order: list[int] = []

    async def blocker() -> None:
        await asyncio.sleep(0.05)

    def job(n: int):  # type: ignore[no-untyped-def]
        async def run() -> None:
            order.append(n)

        return run

    first = executor.submit(blocker)  # occupies the only worker while the rest queue up
    futures = [executor.submit(job(n), priority=(n,)) for n in (3, 1, 2)]
    first.result()
    for f in futures:
        f.result()
    executor.shutdown()
    assert order == [1, 2, 3]


def test_errors_reach_the_caller() -> None:
    executor = LocalExecutor(workers=2)

    async def boom() -> None:
        raise ValueError("provider said no")

    with pytest.raises(ValueError, match="provider said no"):
        executor.submit(boom).result()
    executor.shutdown()


def test_an_executor_that_is_not_implemented_is_refused_when_the_config_is_read() -> None:
    from domain.errors import ConfigError
    from reelcrew.config import load_settings

    with pytest.raises(ConfigError, match="executor 'ray' is not implemented yet"):
        load_settings(executor={"kind": "ray"})
    assert load_settings(executor={"kind": "local"}).executor.kind == "local"
