"""A kernel dies with the process that forked it, even one that died a moment before the
kernel asked Linux for it (it is then already an orphan, whose parent of the moment looks
alive)."""

from __future__ import annotations

import os
import sys

import pytest

from autograder.kernel.launcher import die_with_parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def _exit_code_of_child(parent_for_it) -> int:
    pid = os.fork()
    if pid == 0:   # the child: exits 1 when die_with_parent finds its parent gone, else 0
        try:
            die_with_parent(parent_for_it(os.getppid()))
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_process_whose_parent_is_alive_goes_on():
    assert _exit_code_of_child(lambda ppid: ppid) == 0
    assert _exit_code_of_child(lambda ppid: None) == 0


def test_a_process_whose_parent_died_before_it_asked_exits():
    """The zygote's pid, given by the zygote, is not the orphan's parent of the moment."""
    assert _exit_code_of_child(lambda ppid: ppid + 1_000_000) == 1
