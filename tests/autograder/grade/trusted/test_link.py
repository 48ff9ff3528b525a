"""The link between the grader and the kernel's stub (autograder/grade/trusted/channel.Link):
frames in order, a frame too big thrown away without desynchronising the next ones, a closed
end and a silent one told apart."""

from __future__ import annotations

import json
import socket
import struct
import threading

import pytest

from autograder.grade.trusted import wire
from autograder.grade.trusted.channel import Link


@pytest.fixture
def pair():
    grader, kernel = socket.socketpair()
    yield Link(grader), kernel
    grader.close()
    kernel.close()


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(struct.pack("!I", len(data)) + data)


def test_frames_arrive_whole_and_in_order_even_byte_by_byte(pair):
    link, kernel = pair
    wanted = [json.dumps({"answer": {"value": i}}).encode() for i in range(3)]
    raw = b"".join(struct.pack("!I", len(w)) + w for w in wanted)
    for byte in raw[:5]:   # a header and a byte: not a frame yet
        kernel.sendall(bytes([byte]))
    assert link.frame(0.05) is None
    kernel.sendall(raw[5:])
    assert [link.frame(1.0) for _ in wanted] == wanted


def test_what_the_grader_writes_is_what_the_stub_reads(pair):
    link, kernel = pair
    link.write({"op": "call", "name": "sigmoid"}, 1.0)
    link.write(None, 1.0)   # the end of a session: an empty frame
    size = struct.unpack("!I", kernel.recv(4))[0]
    assert json.loads(kernel.recv(size)) == {"op": "call", "name": "sigmoid"}
    assert kernel.recv(4) == struct.pack("!I", 0)


def test_a_frame_too_big_is_thrown_away_and_the_next_one_read(pair, monkeypatch):
    monkeypatch.setattr(wire, "MAX_REPLY_BYTES", 1000)
    link, kernel = pair
    big = b"x" * 5000

    def flood() -> None:
        _send(kernel, big)
        _send(kernel, b'{"answer": {"value": 1}}')

    writer = threading.Thread(target=flood)
    writer.start()
    assert link.frame(2.0) is Link.TOO_BIG
    assert len(link.buffer) < len(big)   # never held whole
    assert link.frame(2.0) == b'{"answer": {"value": 1}}'
    writer.join()


def test_a_closed_end_is_an_error_a_silent_one_is_no_frame(pair):
    link, kernel = pair
    assert link.frame(0.05) is None
    kernel.close()
    with pytest.raises(EOFError):
        link.frame(0.05)


def test_drain_throws_away_what_an_interrupted_session_left(pair):
    link, kernel = pair
    _send(kernel, b'{"ended": true}')
    kernel.sendall(struct.pack("!I", 50) + b"half a frame")
    link.drain()
    _send(kernel, b'{"answer": {"value": 2}}')
    assert link.frame(1.0) == b'{"answer": {"value": 2}}'
