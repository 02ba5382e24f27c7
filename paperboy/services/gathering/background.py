"""Preparing ingest batches in a child process, so reading and writing overlap.

The child inherits the source's open iterator through fork and sends back prepared
batches over a bounded queue: memory stays flat however large the input.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

Item = TypeVar("Item")
Prepared = TypeVar("Prepared")

# Batches in flight between the processes; enough to keep both busy.
_QUEUE_DEPTH = 4


def can_prepare_in_background() -> bool:
    """Only where fork exists: the child must inherit the open source as it stands."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def prepared_in_background(
    items: Iterable[Item],
    batch_size: int,
    prepare: Callable[[list[Item]], Prepared],
) -> Iterator[Prepared]:
    """Yield prepare(batch) for each batch of items, computed in a child process.

    An exception in the child (a file that cannot be read) is raised here.
    """
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=_QUEUE_DEPTH)

    def work() -> None:
        try:
            batch: list[Item] = []
            for item in items:
                batch.append(item)
                if len(batch) >= batch_size:
                    channel.put(("batch", prepare(batch)))
                    batch = []
            if batch:
                channel.put(("batch", prepare(batch)))
            channel.put(("done", None))
        except KeyboardInterrupt:
            channel.put(("done", None))
        except BaseException as exc:  # noqa: BLE001 (sent to the parent, which raises it)
            channel.put(("error", exc))

    child = context.Process(target=work, name="paperboy-prepare", daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, value = channel.get(timeout=1.0)
            except queue_module.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the preparing process died (exit code {child.exitcode})") from None
                continue
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
