"""Fresh kernels: one process per notebook, nothing carried from the previous student."""

from __future__ import annotations

import asyncio
import os
import shutil

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.kernel.execute import DEAD, OK, execute_notebook
from autograder.kernel.pool import KernelPool, KernelSettings, KernelStartError, start_kernel
from autograder.kernel.zygote import Zygote, kernel_env


def _run(settings: KernelSettings, notebooks, files=None):
    async def go():
        pool = KernelPool(settings, spares=1)
        pool.prime()
        outs = []
        try:
            for nb in notebooks:
                kernel = await pool.acquire()
                for name, text in (files or {}).items():
                    (kernel.cwd / name).write_text(text)
                outs.append((await execute_notebook(nb, kernel, 10, 10_000), nb))
                pool.release(kernel)
        finally:
            await pool.close()
        return outs
    return asyncio.run(go())


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("name") == "stdout")


FIRST = "import os, numpy as np\nleak = 42\nnp.pi = 3\nopen('leak.txt', 'w').write('x')\n" \
        "print(os.getpid())"
SECOND = "import os, numpy as np\nprint('leak' in globals(), np.pi > 3.14, " \
         "sorted(os.listdir('.')), os.getpid())"


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "spawn"])
def test_no_state_or_file_leaks_between_notebooks(fork):
    settings = KernelSettings(memory_mb=2048, fork=fork)
    (first, nb1), (second, nb2) = _run(
        settings, [new_notebook(cells=[new_code_cell(FIRST)]),
                   new_notebook(cells=[new_code_cell(SECOND)])], files={"data.csv": "1,2"})
    assert first.status == second.status == OK
    pid1 = _stdout(nb1).strip()
    flags = _stdout(nb2).split()
    assert flags[:3] == ["False", "True", "['data.csv']"], _stdout(nb2)
    assert flags[3] != pid1


def test_a_kernel_that_cannot_start_says_so_with_its_last_words(tmp_path):
    """Not the notebook's fault: the message says it ran nothing, and why the kernel died."""
    settings = KernelSettings(memory_mb=2048, fork=False, warmup=(),
                              env=(("PYTHONHOME", str(tmp_path / "no-python-here")),),
                              tmp_root=str(tmp_path))
    with pytest.raises(KernelStartError) as err:
        asyncio.run(start_kernel(settings))
    said = str(err.value)
    assert "a kernel died while starting, before it ran any of the notebook" in said
    assert "encodings" in said   # Python's own last words: it found no standard library
    assert "--memory (2048 MB)" in said
    assert os.listdir(tmp_path) == ["no-python-here"] or os.listdir(tmp_path) == []


def test_input_the_memory_limit_and_a_crash():
    nb = new_notebook(cells=[new_code_cell("name = input('your name? ')"),
                             new_code_cell("x = bytearray(3 * 1024 ** 3)"),
                             new_code_cell("print('still alive')"),
                             new_code_cell("import ctypes\nctypes.string_at(0)"),
                             new_code_cell("print('never')")])
    ((execution, ran),) = _run(KernelSettings(memory_mb=1024), [nbformat.from_dict(nb)])
    assert execution.memory_error
    assert "still alive" in _stdout(ran) and "never" not in _stdout(ran)
    assert ran.cells[0].outputs[0].ename == "StdinNotImplementedError"   # no wait for input
    assert execution.status == DEAD and execution.stopped_at == 3
    assert "SIGSEGV" in execution.message and execution.executed == {0, 1, 2}


def test_prepare_runs_before_a_kernel_is_handed_out_and_a_failure_costs_nothing():
    prepared = []

    async def prepare(kernel):
        prepared.append(kernel.cwd)
        if len(prepared) == 1:
            raise RuntimeError("the first one refuses")

    async def go():
        pool = KernelPool(KernelSettings(memory_mb=1024), spares=1, prepare=prepare)
        pool.prime()
        try:
            handed = []
            for _ in range(2):
                kernel = await pool.acquire()
                handed.append((kernel.cwd, await kernel.alive()))
                pool.release(kernel)
            return handed
        finally:
            await pool.close()

    handed = asyncio.run(go())
    assert [alive for _, alive in handed] == [True, True]   # the one it failed on, too
    assert [cwd for cwd, _ in handed] == prepared[:2]        # each prepared before it was used


def test_a_pool_closed_while_preparing_leaves_no_kernel_running():
    started = []

    async def prepare(kernel):
        started.append(kernel)
        await asyncio.sleep(3600)

    async def go():
        pool = KernelPool(KernelSettings(memory_mb=1024), spares=1, prepare=prepare)
        pool.prime()
        for _ in range(1200):   # the spare's start: a minute at most
            if started:
                break
            await asyncio.sleep(0.05)
        await pool.close()
        assert started, "the spare kernel never started"
        return await started[0].alive(), started[0].cwd.exists()

    assert asyncio.run(go()) == (False, False)


def test_a_fork_cancelled_while_the_zygote_forks_leaves_no_kernel_running(tmp_path):
    """A pool closing cancels a spare that may be waiting for its pid: the zygote forks that
    kernel all the same. It is killed, not left to write into the folder its caller
    removes (test runs left such ``grade-*-run`` folders in /tmp)."""
    run = tmp_path / "run"
    run.mkdir()

    async def go():
        zygote = Zygote(1024, (), kernel_env())
        try:
            await zygote.wait_ready()
            fork = asyncio.ensure_future(zygote.fork(
                ["-f", str(run / "kernel.json")], str(tmp_path), os.devnull, str(run)))
            await asyncio.sleep(0)   # the request is sent; the fork waits for its pid
            fork.cancel()
            with pytest.raises(asyncio.CancelledError):
                await fork
            shutil.rmtree(run)   # as start_kernel's clean-up does
            for _ in range(200):   # the killed kernel reaped by the zygote: 10 s at most
                if not psutil.Process(zygote.proc.pid).children():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)   # time enough for a kernel to write its connection file
            return psutil.Process(zygote.proc.pid).children(), run.exists()
        finally:
            zygote.close()

    assert asyncio.run(go()) == ([], False)


def test_a_forked_kernel_collects_garbage_but_not_the_zygotes_imports():
    """The zygote freezes what it imported before it forks (``gc.freeze``: a kernel's
    collections skip those objects), and collection is on again in each kernel."""
    nb = new_notebook(cells=[new_code_cell(
        "import gc\nprint(gc.isenabled(), gc.get_freeze_count() > 10_000)")])
    ((execution, ran),) = _run(KernelSettings(memory_mb=2048), [nbformat.from_dict(nb)])
    assert execution.status == OK
    assert _stdout(ran).split() == ["True", "True"]


class _Client:
    """What ``_until_ready`` uses of a kernel client: the kernel answers every request; its
    broadcasts reach this client from the ``joins``-th request on; it dies after ``lives``."""

    def __init__(self, joins: int, lives: int = 100):
        self.joins, self.lives, self.requests, self.handled = joins, lives, 0, None
        self.shell_channel, self.iopub_channel = self._Shell(self), self._Iopub(self)

    def kernel_info(self):
        self.requests += 1

    async def is_alive(self):
        return self.requests < self.lives

    def _handle_kernel_info_reply(self, msg):
        self.handled = msg

    class _Shell:
        def __init__(self, client):
            self.client = client

        async def get_msg(self, timeout):
            return {"msg_type": "kernel_info_reply", "n": self.client.requests}

    class _Iopub:
        def __init__(self, client):
            self.client = client

        async def get_msg(self, timeout):
            from queue import Empty

            if self.client.requests < self.client.joins:
                raise Empty
            return {"msg_type": "status"}


def test_ready_once_a_reply_and_a_broadcast_arrived_asking_again_until_they_do():
    from autograder.kernel.pool import _until_ready

    client = _Client(joins=4)
    asyncio.run(_until_ready(client, 60))
    assert client.requests == 4 and client.handled == {"msg_type": "kernel_info_reply", "n": 4}
    with pytest.raises(RuntimeError, match="Kernel died before replying"):
        asyncio.run(_until_ready(_Client(joins=10, lives=3), 60))
    with pytest.raises(RuntimeError, match="didn't respond in 0 seconds"):
        asyncio.run(_until_ready(_Client(joins=10), 0))
