"""Run a synchronous pyHanko-based call from anywhere.

pyHanko's synchronous API runs its own event loop (asyncio.run), which fails inside a running
loop (an async web handler, an async Prefect task). There we run the call in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def loop_safe(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: call ``fn`` directly, or in a worker thread when a loop is running here."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # The check is finished before the call: calling `fn` inside the `except RuntimeError`
        # block made "no running event loop" the context of every exception raised or logged
        # within it, so each pyHanko warning printed that unrelated error in its chain.
        if not _loop_running():
            return fn(*args, **kwargs)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sohoa-signing") as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return wrapper
