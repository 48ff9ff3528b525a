"""What the integrity checks and the sandbox cost, measured in one run.

1. Kernel start (the grader's zygote forks a warm process): the median time from asking for
   a kernel to the kernel answering, with the run's sandbox (its own user, namespaces, private
   mounts) and without, and their ratio.
2. Grading a notebook: each course notebook's complete solution executed in a fresh kernel
   with the integrity checks (probe installed before the first cell, a question after every
   read-only cell) and without, and their ratio; the checks must find nothing in them.

Usage::

    PATH=.venv/bin:$PATH MPLBACKEND=Agg python bench/integrity_overhead.py
    PATH=.venv/bin:$PATH MPLBACKEND=Agg python bench/integrity_overhead.py 05_layers

Exits 1 if the checks flag a complete (honest) notebook.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import nbformat

from autograder.course.reference import build_reference
from autograder.demo.sample_class import complete_notebook
from autograder.grade.integrity import Monitor
from autograder.intake.sanitize import sanitize
from autograder.kernel import sandbox
from autograder.kernel.execute import execute_notebook
from autograder.kernel.pool import KernelPool, KernelSettings

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


async def kernel_starts(settings: KernelSettings, n: int) -> list[float]:
    pool = KernelPool(settings, spares=0)
    pool.prime()
    times = []
    try:
        warm = await pool.acquire()   # the zygote's own start is not a kernel start
        pool.release(warm)
        for _ in range(n):
            start = time.perf_counter()
            kernel = await pool.acquire()
            times.append(time.perf_counter() - start)
            pool.release(kernel)
    finally:
        await pool.close()
    return times


async def notebook_run(settings: KernelSettings, nb, checks: bool) -> tuple[float, list[str]]:
    pool = KernelPool(settings, spares=0)
    pool.prime()
    try:
        kernel = await pool.acquire()
        monitor = Monitor(nb) if checks else None
        start = time.perf_counter()
        await execute_notebook(nb, kernel, 120, 100_000, monitor=monitor)
        seconds = time.perf_counter() - start
        pool.release(kernel)
    finally:
        await pool.close()
    found = (monitor.findings.flags + ([monitor.findings.error] if monitor.findings.error
                                       else [])) if monitor else []
    return seconds, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", help="only these (default: all)")
    parser.add_argument("--starts", type=int, default=8, help="kernel starts to time")
    args = parser.parse_args()
    box = sandbox.plan()
    print(f"sandbox here: {sandbox.notice(box)}")
    plain = KernelSettings(memory_mb=4096)
    boxed = KernelSettings(memory_mb=4096, sandbox=box.to_json())
    without = statistics.median(asyncio.run(kernel_starts(plain, args.starts)))
    with_box = statistics.median(asyncio.run(kernel_starts(boxed, args.starts)))
    print(f"\nkernel start (median of {args.starts}): without sandbox {without * 1000:.0f} ms, "
          f"with {with_box * 1000:.0f} ms, ratio {with_box / without:.2f}")
    print(f"\n{'notebook':22s} {'plain s':>8s} {'checked s':>10s} {'ratio':>6s}  findings")
    failed = False
    for path in sorted(NOTEBOOKS.glob("*/*.ipynb")):
        if args.assignments and path.parent.name not in args.assignments:
            continue
        ref = build_reference(path, path.parent.name)
        nb = complete_notebook(ref.release(), nbformat.read(path, as_version=4))
        plain_s, _ = asyncio.run(notebook_run(boxed, sanitize(nb, ref).notebook, False))
        checked_s, found = asyncio.run(notebook_run(boxed, sanitize(nb, ref).notebook, True))
        failed |= bool(found)
        print(f"{path.parent.name:22s} {plain_s:8.2f} {checked_s:10.2f} "
              f"{checked_s / plain_s:6.2f}  {', '.join(found) or '-'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
