"""Jupyter Lab on a student workspace, as a test fixture: started on a free port with a token,
stopped (kernels included) whatever happens."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from autograder.release.workspace import lab_command

START_TIMEOUT = 120  # seconds: Lab imports nbgrader's extensions, slow on a loaded machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running Jupyter Lab: ``url(path)`` adds the token; ``log`` is its output file."""

    process: subprocess.Popen
    port: int
    token: str
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        extra = "".join(f"&{k}={v}" if v else f"&{k}" for k, v in query.items())
        return f"{self.base}/{path.lstrip('/')}?token={self.token}{extra}"

    def get_json(self, path: str) -> dict:
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return json.load(response)

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url(path), timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def launch_lab(workspace: Path, log: Path) -> LabServer:
    """Start Lab on ``workspace`` (its config dir must be written; the notebooks may come while
    Lab starts) without waiting for it."""
    port, token = free_port(), secrets.token_hex(16)
    argv, env = lab_command(workspace, port=port, token=token, open_browser=False)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=workspace, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return LabServer(process, port, token, log)


def wait_until_ready(server: LabServer) -> LabServer:
    """Return ``server`` once it answers; stop it and raise if it exits or does not answer."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Jupyter Lab exited with {server.process.returncode}:\n"
                               f"{server.log.read_text()[-3000:]}")
        try:
            server.get_json("api/status")
            return server
        except (OSError, ValueError):
            time.sleep(0.5)
    stop_lab(server)
    raise RuntimeError(f"Jupyter Lab did not answer within {START_TIMEOUT} s:\n"
                       f"{server.log.read_text()[-3000:]}")


def stop_lab(server: LabServer) -> None:
    """Shut Lab down through its API (it stops its kernels), then make sure that it and every
    process it started are gone."""
    try:
        started = psutil.Process(server.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if server.process.poll() is None:
        request = urllib.request.Request(server.url("api/shutdown"), method="POST")
        try:
            urllib.request.urlopen(request, timeout=10).close()
            server.process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    for child in started:  # kernels run in sessions of their own
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
