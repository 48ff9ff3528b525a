"""Calls into a real kernel over the link (autograder/grade/trusted/channel.py): answers come
back as data; a session that ends without answering, an answer too big, a dead kernel and a
call past its time each fail that call the way the grader expects, and the next test's calls
still work where the kernel lives."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import numpy as np
import pytest
from jupyter_core.utils import ensure_async

from autograder.grade.trusted import channel as channel_module
from autograder.grade.trusted import wire
from autograder.grade.trusted.channel import DEAD, TIMEOUT, CallFailed, Channel, KernelLost
from autograder.grade.trusted.proxies import RemoteFunction, proxy_class
from autograder.kernel import cores
from autograder.kernel.execute import run_quietly
from autograder.kernel.pool import KernelPool
from autograder.kernel.settings import KernelSettings

STUDENT = """import numpy as np
def double(x):
    return 2 * x
def leave(x):
    raise SystemExit(3)
def interrupt(x):
    raise KeyboardInterrupt
def big(n):
    return np.zeros(n)
def crash(x):
    import os
    os._exit(7)
def spin(x):
    while True:
        pass
def draw(n):
    return np.random.randn(n)
def nested(n):
    return [[] for _ in range(n)]
def numbers(n):
    return list(range(n))
def use_layers(x):
    one, two = Layer(2.0), Layer(3.0)
    return [one.forward(x), one.forward(x), two.forward(x)]
def shadow(x):
    layer = Layer(2.0)
    first = layer.forward(x)
    layer.forward = 7.0
    return [first, layer.forward]
def shadow_one(x):
    one, two = Layer(2.0), Layer(3.0)
    one.forward = 7.0
    return [two.forward(x), one.forward]
def cores_of():
    import os
    return sorted(os.sched_getaffinity(0))
"""


def _test(kernel, loop, seconds: float, body):
    """Run ``body(call)`` as one test would, in a worker thread: ``call(name, *args)``; the
    stub is then released as after a test cell (``NotebookTests.run_cell``)."""
    channel = Channel(kernel, loop, loop.time() + seconds, proxy_class)

    def run():
        def call(name, *args):
            return RemoteFunction(channel, name)(*args)
        call.channel = channel   # for a test that binds names or counts questions
        call.pid = kernel.pid     # the kernel's thread that runs the student's code
        try:
            return body(call)
        finally:
            if channel.lost is None:
                with contextlib.suppress(Exception):
                    channel.send({"op": "release"})
                channel.end()
    return loop.run_in_executor(None, run)


def _outcome(body):
    def wrapped(call):
        start = time.monotonic()
        try:
            return ("value", body(call), time.monotonic() - start)
        except KernelLost as lost:
            return ("lost", lost.kind, time.monotonic() - start)
        except CallFailed as failed:
            return ("failed", str(failed), time.monotonic() - start)
        except Exception as error:  # noqa: BLE001 - the student's exception
            return ("raised", type(error).__name__, time.monotonic() - start)
    return wrapped


async def _session(steps):
    """Each step: (seconds, body); returns each step's outcome."""
    pool = KernelPool(KernelSettings(memory_mb=2048), spares=0)
    pool.prime()
    kernel = await pool.acquire()
    try:
        await run_quietly(kernel, STUDENT, 30)
        loop = asyncio.get_running_loop()
        await Channel(kernel, loop, loop.time() + 30).install()
        outcomes = []
        for seconds, body in steps:
            outcomes.append(await _test(kernel, loop, seconds, _outcome(body)))
            if outcomes[-1][:2] == ("lost", TIMEOUT):
                await ensure_async(kernel.km.interrupt_kernel())   # as execute does
                await run_quietly(kernel, "", 10)
        return outcomes
    finally:
        pool.release(kernel)
        await pool.close()


def test_answers_failures_and_the_next_test(monkeypatch):
    monkeypatch.setattr(wire, "MAX_REPLY_BYTES", 10_000)
    monkeypatch.setattr(channel_module, "ALIVE_EVERY", 0.5)
    outcomes = asyncio.run(_session([
        (10, lambda call: call("double", np.arange(3.0))),
        (10, lambda call: call("leave", 1)),     # sys.exit: the student's exception
        (10, lambda call: call("interrupt", 1)),  # ends the stub's session
        (10, lambda call: call("double", 4)),
        (10, lambda call: call("big", 100_000)),  # 800 kB of JSON: thrown away
        (10, lambda call: call("big", 3)),
        (1, lambda call: call("spin", 1)),       # past the test's time
        (10, lambda call: call("double", 5)),
        (10, lambda call: call("crash", 1)),
    ]))
    kinds = [o[:2] for o in outcomes]
    assert kinds[0][0] == "value" and np.array_equal(kinds[0][1], [0.0, 2.0, 4.0])
    assert kinds[1] == ("raised", "SystemExit")
    assert kinds[2] == ("failed", "the student's kernel gave no answer")
    assert outcomes[2][2] < 5   # said at once, not at the end of the test's time
    assert kinds[3] == ("value", 8)
    assert kinds[4] == ("failed", "the answer was larger than the grader accepts")
    assert kinds[5][0] == "value" and np.array_equal(kinds[5][1], np.zeros(3))
    assert kinds[6] == ("lost", TIMEOUT)
    assert kinds[7] == ("value", 10)
    assert kinds[8] == ("lost", DEAD)


def test_an_answer_of_more_values_than_the_grader_unpacks_fails_its_call(monkeypatch):
    """A red team's 16 MB answer of empty lists took 1.4 GB in the grader: the values are
    counted before the JSON is parsed."""
    monkeypatch.setattr(wire, "MAX_CONTAINERS", 1_000)
    monkeypatch.setattr(wire, "MAX_ITEMS", 1_000)
    outcomes = asyncio.run(_session([
        (10, lambda call: call("nested", 900)),
        (10, lambda call: call("nested", 2_000)),    # 6 kB of JSON, 2,001 lists
        (10, lambda call: call("numbers", 2_000)),   # 2,000 numbers
        (10, lambda call: call("numbers", 900)),
    ]))
    refused = ("failed", "the answer held more values than the grader accepts (a long list: "
               "return a numpy array instead)")
    assert outcomes[0][:2] == ("value", [[]] * 900)
    assert outcomes[1][:2] == refused and outcomes[2][:2] == refused
    assert outcomes[3][:2] == ("value", list(range(900)))


def test_hundreds_of_calls_in_one_test():
    """Not a timing assertion: the link carries hundreds of calls in one test's time."""
    calls = 300
    outcomes = asyncio.run(_session([
        (30, lambda call: [call("double", i) for i in range(calls)]),
    ]))
    assert outcomes[0][:2] == ("value", [2 * i for i in range(calls)])


def test_the_legacy_generator_is_shared_with_the_kernel():
    """A test's np.random.seed seeds the student's draws, and the grader draws on from where
    the student's code stopped, even when that code only used up a cached Gaussian."""
    def body(call):
        np.random.seed(7)
        drawn = [call("draw", 1), call("draw", 1), np.random.randn(1), call("draw", 2),
                 np.random.randn(1)]
        return np.concatenate(drawn)

    outcomes = asyncio.run(_session([(30, body)]))
    np.random.seed(7)
    assert outcomes[0][0] == "value"
    assert np.array_equal(outcomes[0][1], np.random.randn(6))


def test_the_link_closes_with_its_kernel():
    """The grader's end of the link is closed when the pool stops the kernel, not by the
    garbage collector (whose ResourceWarning, raised while a later test runs, was shown to a
    student as a warning of their code)."""
    async def run():
        pool = KernelPool(KernelSettings(memory_mb=2048), spares=0)
        pool.prime()
        kernel = await pool.acquire()
        try:
            loop = asyncio.get_running_loop()
            await Channel(kernel, loop, loop.time() + 30).install()
            link = kernel.grader_link
            assert link.sock.fileno() != -1
        finally:
            pool.release(kernel)
            await pool.close()
        return link

    link = asyncio.run(run())
    assert link.sock.fileno() == -1


def test_a_spare_kernel_gets_the_stub_before_the_students_cells():
    """The pool puts the stub into each kernel before handing it out (``put_stub_in``): the
    student's cells then run as usual, leave no trace of it in ``In``, and the first test's
    calls go through the link already there."""
    from autograder.grade.trusted.runner import put_stub_in

    async def run():
        pool = KernelPool(KernelSettings(memory_mb=2048), spares=1, prepare=put_stub_in)
        pool.prime()
        kernel = await pool.acquire()
        try:
            comm = kernel.grader_comm
            assert comm is not None and kernel.grader_link.sock.fileno() != -1
            await run_quietly(kernel, STUDENT + "def history():\n    return list(In)", 30)
            loop = asyncio.get_running_loop()
            answers = await _test(kernel, loop, 10,
                                  lambda call: (call("double", 21), call("history")))
            return comm, kernel.grader_comm, answers
        finally:
            pool.release(kernel)
            await pool.close()

    before, after, (doubled, history) = asyncio.run(run())
    assert after == before   # the first test did not put it in again
    assert doubled == 42
    assert not any("course-grader" in cell or "_course_grader" in cell for cell in history)


def test_put_stub_in_is_silent_on_a_dead_kernel():
    from autograder.grade.trusted.runner import put_stub_in

    async def run():
        pool = KernelPool(KernelSettings(memory_mb=2048), spares=0)
        pool.prime()
        kernel = await pool.acquire()
        try:
            await ensure_async(kernel.km.shutdown_kernel(now=True))
            await put_stub_in(kernel)
            return getattr(kernel, "grader_comm", None)
        finally:
            pool.release(kernel)
            await pool.close()

    assert asyncio.run(run()) is None


class _Layer:
    """A course class a test binds (kept by the grading process for the next submissions)."""

    def __init__(self, w: float = 1.0):
        self.w = w

    def forward(self, x: float) -> float:
        return self.w * x


def _helper(x: float) -> float:
    return x + 1


def test_the_students_questions_cannot_change_what_outlives_their_test():
    """Found by a red team: asking ``Dense.mro()`` handed out the course's class, and setting
    its ``forward`` broke every later student's tests in that grading process. Instances the
    student's code made (or was given) stay open; classes, functions and modules are called
    only."""
    loop = asyncio.new_event_loop()
    channel = Channel(None, loop, loop.time() + 10)
    channel.bound["Layer"] = _Layer

    def ask(**question):
        answer = channel._answer(question)
        assert "raised" in answer or "value" in answer
        return answer

    no_args = {"args": [], "kwargs": wire.encode({})}
    made = ask(op="call", name="Layer", **no_args)["value"]["$g"]
    assert ask(op="setattr", object=made, name="w", value=3.0) == {"value": None}
    assert ask(op="call", object=made, method="forward", args=[2.0],
               kwargs=wire.encode({})) == {"value": 6.0}
    refused = ask(op="call", name="Layer", method="mro", **no_args)
    assert refused["raised"]["type"] == "PermissionError"

    channel.objects[90] = _Layer           # a class the student's code got hold of
    channel.objects[91] = channel_module   # a module
    channel.objects[92] = _helper          # a function: called, not opened
    for number in (90, 91, 92):
        for question in ({"op": "setattr", "name": "forward", "value": 0},
                         {"op": "getattr", "name": "forward"},
                         {"op": "call", "method": "forward", **no_args}):
            answer = ask(object=number, **question)
            assert answer["raised"]["type"] == "PermissionError", (number, question)
    assert _Layer.forward is not None and callable(_Layer.forward)
    assert ask(op="call", object=92, args=[1.0], kwargs=wire.encode({})) == {"value": 2.0}
    made_again = ask(op="call", object=90, args=[5.0], kwargs=wire.encode({}))["value"]
    assert made_again["class"] == "_Layer"


def test_a_method_of_the_graders_object_is_asked_about_once_per_class():
    """The stub remembers which names of a class of the grader's are methods: three calls of
    ``forward`` on two objects are one question about the name and three calls (six questions
    with the two objects made, where asking each time made eight). A name the student's code
    sets on an object is asked about again on that object (it is then what was set), and
    stays a method on the class's other objects, also when one of them asks about it after."""
    def questions(name):
        def body(call):
            with call.channel.bind({"Layer": _Layer}):
                return call(name, 2.0), call.channel.questions
        return body

    outcomes = asyncio.run(_session([(30, questions("use_layers")), (30, questions("shadow")),
                                     (30, questions("use_layers")),
                                     (30, questions("shadow_one"))]))
    assert [outcome[:2] for outcome in outcomes] == [
        ("value", ([4.0, 4.0, 6.0], 6)),
        ("value", ([4.0, 7.0], 4)),     # made, forward called (known), set, asked again
        ("value", ([4.0, 4.0, 6.0], 5)),   # new objects: forward still a known method
        ("value", ([6.0, 7.0], 5)),     # two made, set on one, called on two, asked on one
    ]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two usable cores")
def test_a_test_holds_the_kernels_thread_that_runs_student_code_on_its_core(monkeypatch):
    """``Kernel.pid`` is the thread that runs the student's code: held on the grading
    process's core for a test (:func:`autograder.kernel.cores.one_core`), where the student's
    function sees only that core, then back on every core it had."""
    monkeypatch.setattr(cores, "_core", None)
    core = cores.choose(1)

    def body(call):
        before = call("cores_of")
        with cores.one_core(call.pid):
            held = call("cores_of")
        return before, held, call("cores_of")

    [outcome] = asyncio.run(_session([(30, body)]))
    before, held, after = outcome[1]
    assert held == [core] and after == before and len(before) >= 2


def test_no_exception_of_the_students_takes_the_name_of_the_graders_verdict():
    """A hidden test shows the message of an ``InputsChanged`` (the grader's words): a
    student's exception of that name would otherwise put its message (the hidden inputs) on
    the feedback page."""
    from autograder.grade.trusted.channel import InputsChanged, student_error

    spoof = student_error({"type": "InputsChanged", "message": "X = [[0.7, -1.5]]"})
    assert not isinstance(spoof, InputsChanged) and type(spoof).__name__ == "Exception"
    assert type(student_error({"type": "ValueError", "message": "m"})).__name__ == "ValueError"


def _step(w: np.ndarray) -> np.ndarray:
    return w - 0.1 * np.tanh(w + 1.0)


def _long_training(iterations: int) -> float:
    """A course function that loops, calling a function of its own at every step, as
    ``optimize`` calls ``propagate``."""
    w = np.zeros(3)
    for _iteration in range(iterations):
        w = _step(w)
    return float(w.sum())


def test_a_question_is_answered_within_the_tests_latest_end():
    """A red team asked the course's optimize for a million iterations from its own code: the
    grader worked on it past the cell's limit (up to the run's watchdog). The answer now
    stops at the test's latest end, LATEST times its limit."""
    loop = asyncio.new_event_loop()
    channel = Channel(None, loop, loop.time() + 0.1)   # answers end 0.4 s from now
    channel.bound["train"] = _long_training
    question = {"op": "call", "name": "train", "args": [10**9], "kwargs": wire.encode({})}
    start = time.monotonic()
    answer = channel._answer(question)
    assert answer["raised"]["type"] == "AnswerTimeout", answer
    assert time.monotonic() - start < 5
    assert channel._answer({**question, "args": [3]})["raised"]["type"] == "AnswerTimeout"
    later = Channel(None, loop, loop.time() + 10)
    later.bound["train"] = _long_training
    assert later._answer({**question, "args": [3]}) == {"value": _long_training(3)}
    import sys
    assert sys.getprofile() is None


def test_a_test_given_more_time_answers_again_and_still_stops():
    """A test run again (its arguments as given: runner) gets as much time again: its latest
    end moves, answers are given again, and a long one still stops (the thread that waits
    for the end starts again when it had seen the old end pass)."""
    loop = asyncio.new_event_loop()
    channel = Channel(None, loop, loop.time() + 0.1)
    channel.bound["train"] = _long_training
    question = {"op": "call", "name": "train", "args": [10**9], "kwargs": wire.encode({})}
    assert channel._answer(question)["raised"]["type"] == "AnswerTimeout"
    channel.extend(1.0)
    start = time.monotonic()
    assert channel._answer(question)["raised"]["type"] == "AnswerTimeout"
    assert time.monotonic() - start < 5
    channel.extend(60.0)
    assert channel._answer({**question, "args": [3]}) == {"value": _long_training(3)}
    channel.end()
