"""A pool of rendering processes for bulk issuing.

WeasyPrint is pure CPU and holds the GIL, so hundreds of certificates go to separate
processes: each starts (spawn: safe from a threaded web process) by loading the fonts and
parsing the stylesheets once (pdf.warm_up), then renders HTML sent to it and returns bytes.
Workers are replaced after a number of tasks so that memory stays flat however long the
pool lives. The database, numbering and storing stay in the calling process.

Spawned workers import this app's modules from disk, not from the running process: after
the code is updated under a running web server or RQ worker, new workers may fail to import
(ModuleNotFoundError in the worker, BrokenProcessPool here) until that process is
restarted. A batch that fails so says the worker needs a restart (jobs.failure_message).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from school import pdf

TASKS_PER_WORKER = 100  # each task is a slice of a chunk, ~10 documents


def default_processes() -> int:
    """CERTIFICATE_RENDER_PROCESSES when set (1 renders in the calling process), else one
    per CPU."""
    try:
        from school.certificates.documents import setting

        configured = setting("CERTIFICATE_RENDER_PROCESSES")
    except RuntimeError:  # no app: the bench, a script
        configured = os.environ.get("CERTIFICATE_RENDER_PROCESSES")
    if configured not in (None, ""):
        return max(1, int(configured))
    return max(1, os.cpu_count() or 1)


class Pool:
    """`with Pool(n) as pool: pool.render([(html, kind), ...])` → PDF bytes, in order.

    With n <= 1 it renders in the calling process and starts nothing.
    """

    def __init__(self, processes: int | None = None):
        self.processes = default_processes() if processes is None else max(0, processes)
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=pdf.warm_up,
                max_tasks_per_child=TASKS_PER_WORKER,
            )
        return self._executor

    def render(
        self, items: list[tuple[str, str]], meanwhile: Callable[[], None] | None = None
    ) -> list[bytes]:
        """PDFs of `items`; `meanwhile` runs here while the pool renders (a batch mails
        the previous chunk's holders then, instead of leaving the pool idle)."""
        if self.processes <= 1 or len(items) < 2:
            if meanwhile is not None:
                meanwhile()
            return pdf.render_many(items)
        # Contiguous slices, two per process, so that each task is worth sending and a
        # slow one does not leave the other process idle for long.
        slices = min(len(items), self.processes * 2)
        size = -(-len(items) // slices)
        pool = self._pool()
        futures = [pool.submit(pdf.render_many, items[i : i + size])
                   for i in range(0, len(items), size)]
        if meanwhile is not None:
            meanwhile()
        results: list[bytes] = []
        for future in futures:
            results.extend(future.result())
        return results

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
