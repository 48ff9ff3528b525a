"""The course's nbgrader configuration: the one place where grading policy lives.

Used by the instructor tool (`python -m autograder`), by the tests, and by anyone who runs the
plain nbgrader command line from a course folder with
`--JupyterApp.config_file=autograder/nbgrader_config.py` (``--config=FILE`` is ignored by
nbgrader 0.9). Call :func:`apply` to fill a traitlets ``Config`` programmatically.
"""

from __future__ import annotations

from traitlets.config import Config

#: A numpy RuntimeWarning (overflow in exp, divide by zero in log ...) goes to stderr, and
#: nbgrader scores a test cell with any stderr output zero.  Such warnings are dropped from
#: graded output; the course's check helpers print a note on stdout when a warning happened,
#: so the student still reads about it in the feedback.  nbgrader drops a whole stderr stream
#: output that matches, so the pattern is the warning category alone.
RUNTIME_WARNING_PATTERN = r"RuntimeWarning: "

#: Seconds a single cell may run before the grader interrupts it.
CELL_TIMEOUT = 30

#: Wall time a notebook may take, in per-cell timeouts (10 x 30 s), replays after a dead kernel
#: included: a notebook whose cells time out one after the other ends (the rest not run). The
#: slowest correct notebook (03) takes a fraction of it; plain nbgrader has no such limit.
BUDGET_TIMEOUTS = 10

#: Fresh kernels a notebook may get after the first (each after a dead or stuck kernel).
MAX_KERNEL_RESTARTS = 3

#: Characters of output kept per cell (a flood of prints is truncated).
MAX_OUTPUT_CHARS = 10_000

#: Address space (MB) a grading kernel may use; past it, allocations raise MemoryError.
MEMORY_LIMIT_MB = 4096


def apply(c: Config) -> Config:
    """Write the course's grading policy into the traitlets config ``c`` and return it."""
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = RUNTIME_WARNING_PATTERN
    # A deleted test cell is put back from the source notebook and graded, instead of leaving
    # the submission at "needs manual grade".
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.allow_errors = True
    c.Execute.interrupt_on_timeout = True
    c.LimitOutput.max_lines = 200
    c.LimitOutput.max_traceback = 100
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
    return c


try:  # executed by nbgrader as a config file: `c` is provided by traitlets
    c = get_config()  # type: ignore[name-defined]  # noqa: F821
    apply(c)
except NameError:
    pass
