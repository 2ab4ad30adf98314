"""A MongoDB server for the deep checks of apps that need one. No registry here serves mongod
(mongodb-memory-server downloads it from mongodb.org at run time), so it is SecantusDB from
PyPI: a single-node server speaking MongoDB's wire protocol on WiredTiger (shipped in its
wheel), which the apps' own drivers (Mongoose, connect-mongo) talk to unchanged. It runs in a
venv cached like the apps' own, on a free port, in memory: nothing outlives the check."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import cache

SERVER = ["SecantusDB==0.7.0b3"]
PYTHON = "3.12"
START_TIMEOUT = 60
STOP_TIMEOUT = 10
NAME = "SecantusDB 0.7 for MongoDB"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def server(work: Path) -> Iterator[str]:
    """A fresh, empty server for the duration of the block; yields its URL (database `bench`).
    Raises cache.InstallError when it cannot be installed or does not start."""
    python = cache.find_python(PYTHON)
    if python is None:
        raise cache.InstallError(f"no Python {PYTHON} for the MongoDB server")
    venv = cache.venv("secantusdb", python, SERVER, work)
    port = free_port()
    log = work / "mongodb.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(venv.parent / "secantusd-py"),
                *("--host", "127.0.0.1", "--port", str(port)),
                *("--storage-path", ":memory:", "--cache-size", "256M"),
                *("--standalone", "--log-level", "WARNING"),
            ],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text(errors="replace").strip().splitlines() or ["no output"]
                raise cache.InstallError(f"the MongoDB server did not start: {said[-1][:150]}")
            time.sleep(0.2)
        yield f"mongodb://127.0.0.1:{port}/bench"
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends a server this module or the deep check started (by its handle, never by name)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
