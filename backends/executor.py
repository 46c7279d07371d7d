"""Where shot generations run: an executor interface, local async workers now, a cluster later.

Jobs are coroutine factories. The local executor owns one event loop in a background thread and runs at most
``workers`` jobs at once, lowest priority value first, so episode 1's shots take the workers before episode 2's
(episode 2 then fills them while episode 1 is in QA and audio). Callers block on a ``concurrent.futures.Future``,
which is what LangGraph's threaded nodes want.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Job = Callable[[], Awaitable[T]]


class ShotExecutor(Protocol):
    workers: int

    def submit(self, job: Job[T], *, priority: tuple[Any, ...] = ()) -> Future[T]: ...

    def shutdown(self) -> None: ...


class LocalExecutor:
    """``workers`` concurrent jobs on one background event loop."""

    def __init__(self, workers: int = 8) -> None:
        self.workers = workers
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._serve, name="reelcrew-executor", daemon=True)
        self._thread.start()
        self._ready.wait()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._queue: asyncio.PriorityQueue[tuple[tuple[Any, ...], int, Job[Any], Future[Any]]] = asyncio.PriorityQueue()
        self._workers = [self._loop.create_task(self._worker()) for _ in range(self.workers)]
        self._ready.set()
        self._loop.run_forever()

    async def _worker(self) -> None:
        while True:
            _, _, job, future = await self._queue.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(await job())
                except BaseException as exc:  # delivered to the caller, who decides
                    future.set_exception(exc)
            self._queue.task_done()

    def submit(self, job: Job[T], *, priority: tuple[Any, ...] = ()) -> Future[T]:
        future: Future[T] = Future()
        item = (priority, next(self._order), job, future)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        return future

    def shutdown(self) -> None:
        """Stop the workers and the loop; jobs still queued are cancelled."""
        if not self._thread.is_alive():
            return

        async def stop_workers() -> None:
            for task in self._workers:
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop_workers(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def make_executor(kind: str, workers: int) -> ShotExecutor:
    """The executor named in config. Only ``local`` ships today; ``ray`` is the documented next step."""
    if kind == "local":
        return LocalExecutor(workers)
    from domain.errors import ConfigError

    raise ConfigError(f"executor {kind!r} is not available yet; use executor.kind = 'local'")
