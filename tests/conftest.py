"""What every test shares: the kernels the tests start talk over Unix sockets, not TCP ports.

jupyter_client gives a kernel TCP ports it found free, closes them, and the kernel binds them
a moment later; a kernel started by the other pytest-xdist worker in that moment can take
one first ("zmq.error.ZMQError: Address already in use": a test failed so, once in a full
run). The grader's own kernels never use TCP (:mod:`autograder.kernel.pool` gives each a
socket folder of its own); here every kernel manager created without an explicit transport
gets ``ipc`` and a path no other kernel shares.
"""

from __future__ import annotations

import itertools
import os

import pytest
from jupyter_client.manager import KernelManager


@pytest.fixture(autouse=True, scope="session")
def kernels_on_unix_sockets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernel-sockets")
    numbers = itertools.count()
    original = KernelManager.__init__

    def __init__(self, *args, **kwargs):   # noqa: N807 - in place of KernelManager's
        original(self, *args, **kwargs)
        if "transport" not in kwargs and "ip" not in kwargs:
            self.transport = "ipc"
            self.ip = str(folder / f"{os.getpid()}-{next(numbers)}")

    KernelManager.__init__ = __init__
    yield folder
    KernelManager.__init__ = original
