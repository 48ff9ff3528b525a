"""The entry point of a grading process: its zygote first, then the grading code.

The coordinator (:mod:`autograder.grade.coordinator`) starts each grading process as
``python -c "from autograder.grade.process import boot; boot(FD, SETTINGS, NUMBER)"``
(SETTINGS: :class:`autograder.intake.jobs.WorkerSettings` as JSON, sent only there; NUMBER:
the process's number in the run, which chooses its core, :mod:`autograder.kernel.cores`).
This module imports only the standard library and :mod:`autograder.kernel`'s ``zygote``,
``settings``, ``sandbox`` and ``cores`` (themselves standard library only), so the zygote's
imports (numpy, matplotlib, scikit-learn) run in their own process while this one imports the
grading code (nbclient, jupyter_client, the trusted tests), which it does only after the
zygote started.
"""

from __future__ import annotations

import json
import signal

from autograder.kernel import cores
from autograder.kernel.launcher import die_with_parent
from autograder.kernel.settings import KernelSettings
from autograder.kernel.zygote import Zygote, kernel_env, skip_slow_optional_imports


def boot(fd: int, settings_json: str, number: int | None = None) -> None:
    """Serve the coordinator's jobs on the socket ``fd`` (one end of a socket pair) as
    ``settings_json`` (:class:`autograder.intake.jobs.WorkerSettings` as JSON) says, with
    kernels forked from a zygote started here first, when its ``kernel`` settings fork;
    ``number``: this process's number in the run (from 0), which chooses its core (None:
    no core of its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl-C
    die_with_parent()
    if number is not None:
        cores.choose(number)
    skip_slow_optional_imports()
    settings = KernelSettings.from_dict(json.loads(settings_json)["kernel"])
    zygote = None
    if settings.forks:
        zygote = Zygote(settings.memory_mb, settings.warmup, kernel_env(dict(settings.env)),
                        settings.sandbox)
    from autograder.grade.submission import serve_fd  # the heavy imports, after the zygote started

    serve_fd(fd, settings_json, zygote)
