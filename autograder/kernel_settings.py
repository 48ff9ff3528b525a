"""How grading kernels are started: plain data, standard library only.

Shared by the coordinator (which sends it to each grading process: as JSON on the command
line, so that :mod:`autograder.zygote` can start before the grading code is imported, and
within :class:`autograder.jobs.WorkerSettings`) and by :mod:`autograder.kernels`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass

#: Imported once by each grading process's zygote, so that every kernel forked from it has
#: them: the libraries the course's notebooks and student edition import (none holds an
#: answer; importing scikit-learn's datasets alone costs a kernel about 1 s here), and the
#: inline plotting backend grading kernels use. ``course_lib`` is never among them: the
#: kernel's own edition of it is imported from the student's folder.
WARM_MODULES = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
                "sklearn.datasets", "sklearn.model_selection", "sklearn.linear_model")


@dataclass(frozen=True)
class KernelSettings:
    """How grading kernels are started."""

    memory_mb: int = 4096
    warmup: tuple[str, ...] = WARM_MODULES
    fork: bool = sys.platform.startswith("linux")
    env: tuple[tuple[str, str], ...] = ()
    tmp_root: str | None = None
    sandbox: str = ""          # autograder.sandbox.Sandbox as JSON ("": none)


def settings_json(settings: KernelSettings) -> str:
    return json.dumps(dataclasses.asdict(settings))
