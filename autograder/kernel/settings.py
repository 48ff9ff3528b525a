"""How grading kernels are started: plain data, standard library only.

Part of :class:`autograder.intake.jobs.WorkerSettings`, which the coordinator sends to each
grading process once, as JSON on its command line: so that the process can start its
:mod:`autograder.kernel.zygote` from these settings before the grading code is imported.
Used by :mod:`autograder.kernel.pool`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

#: Imported once by each grading process's zygote, so that every kernel forked from it has
#: them: the libraries the course's notebooks and student edition import (none holds an
#: answer; importing scikit-learn's datasets alone costs a kernel about 1 s here; contourpy is
#: what matplotlib imports at a notebook's first contour plot), and the inline plotting
#: backend grading kernels use. ``course_lib`` is never among them: the kernel's own edition
#: of it is imported from the student's folder.
WARM_MODULES = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
                "contourpy", "sklearn.datasets", "sklearn.model_selection", "sklearn.linear_model")

#: The options of every grading kernel (ipykernel's command line): its input history kept in
#: memory (no sqlite file written for each cell), and inline figures drawn once a cell
#: (:mod:`autograder.kernel.figures`).
KERNEL_OPTIONS = ("--HistoryManager.hist_file=:memory:",
                  "--IPKernelApp.extensions=autograder.kernel.figures")


@dataclass(frozen=True)
class KernelSettings:
    """How grading kernels are started."""

    memory_mb: int = 4096
    warmup: tuple[str, ...] = WARM_MODULES
    fork: bool = sys.platform.startswith("linux")
    env: tuple[tuple[str, str], ...] = ()
    tmp_root: str | None = None
    sandbox: str = ""          # autograder.kernel.sandbox.Sandbox as JSON ("": none)

    @property
    def forks(self) -> bool:
        """Kernels forked from a zygote: where ``fork`` asks for it, except in the ``bwrap``
        sandbox, which starts each kernel in a ``bwrap`` of its own (its own process
        namespace and folders: kernels that share the grader's user must not see each other)."""
        from autograder.kernel.sandbox import BWRAP, Sandbox

        return self.fork and Sandbox.from_json(self.sandbox).mode != BWRAP

    @classmethod
    def from_dict(cls, data: dict) -> KernelSettings:
        """The settings :func:`dataclasses.asdict` gave (tuples came back as lists)."""
        return cls(**{**data, "warmup": tuple(data["warmup"]),
                      "env": tuple(tuple(kv) for kv in data["env"])})
