"""The database servers a recipe names (`services = ["postgres", "redis", "mongodb"]`), each a
fresh, empty, throw-away server for one deep check: on a free port of 127.0.0.1, its files in a
temporary directory, stopped (by its handle, never by name) and removed when the check ends,
also when it fails. The recipe reaches them through placeholders:

    postgres  {postgres_url} (postgresql://bench:bench@127.0.0.1:PORT/bench), {postgres_host},
              {postgres_port}, {postgres_user}, {postgres_password}, {postgres_db}; the
              database `bench` exists, owned by `bench`, a superuser (migrations may create
              extensions)
    redis     {redis_url} (redis://127.0.0.1:PORT/0), {redis_host}, {redis_port}
    mongodb   {mongodb_url} (mongodb.py: SecantusDB, mongod cannot be had here)

PostgreSQL and Redis are the machine's own (Debian's postgresql, redis-server packages): a
machine without them skips the check and says which is missing. PostgreSQL refuses to run as
root: as root, its server runs as the `postgres` system user (or `nobody`) in a directory that
user owns. Nothing is tuned for durability: the data dies with the check."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache, mongodb

HOST = "127.0.0.1"
USER = "bench"
PASSWORD = "bench"
DATABASE = "bench"
START_TIMEOUT = 60
STOP_TIMEOUT = 15
SETUP_TIMEOUT = 120
DEBIAN_POSTGRESQL = Path("/usr/lib/postgresql")  # one bin/ per release, not on PATH


@dataclass
class Running:
    """The placeholders the recipe may use and what runs (for the check's reason)."""

    names: dict[str, str] = field(default_factory=dict)
    on: list[str] = field(default_factory=list)


@contextmanager
def running(wanted: list[str], work: Path) -> Iterator[Running]:
    """Every service the recipe names, running for the duration of the block. Raises
    cache.InstallError (the check is skipped) when one cannot be had or does not start."""
    unknown = sorted(set(wanted) - set(STARTERS))
    if unknown:
        raise cache.InstallError(f"unknown service(s) in the recipe: {', '.join(unknown)}")
    started = Running()
    with ExitStack() as stack:
        for name in wanted:
            label, names = stack.enter_context(STARTERS[name](work))
            started.names.update(names)
            started.on.append(label)
        yield started


@contextmanager
def postgres(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    del work  # its files live where its unprivileged user can reach them (not under work)
    bindir = _postgres_bindir()
    account = _server_account()
    home = Path(tempfile.mkdtemp(prefix="bcb-rw-postgres-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        if account is not None:
            os.chown(home, account.pw_uid, account.pw_gid)
        data = home / "data"
        as_user = _as(account)
        _setup(
            [
                str(bindir / "initdb"),
                *("-D", str(data), "-U", USER, "--auth=trust"),
                *("-E", "UTF8", "--no-locale", "--no-sync"),
            ],
            "initdb",
            home,
            as_user,
        )
        port = mongodb.free_port()
        settings = {
            "listen_addresses": HOST,
            "port": str(port),
            "unix_socket_directories": str(home),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        process = _start(
            [str(bindir / "postgres"), "-D", str(data)]
            + [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")],
            home / "server.log",
            home,
            as_user,
        )
        _created(bindir, port, process, home / "server.log")
        names = {
            "postgres_host": HOST,
            "postgres_port": str(port),
            "postgres_user": USER,
            "postgres_password": PASSWORD,
            "postgres_db": DATABASE,
            "postgres_url": f"postgresql://{USER}:{PASSWORD}@{HOST}:{port}/{DATABASE}",
        }
        yield f"PostgreSQL {_version([str(bindir / 'postgres'), '--version'])}", names
    finally:
        if process is not None:
            _stop(process, signal.SIGINT)  # PostgreSQL's fast shutdown
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def redis(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    server = shutil.which("redis-server")
    if server is None:
        raise cache.InstallError("no redis-server on this machine (apt-get install redis-server)")
    home = Path(tempfile.mkdtemp(prefix="bcb-rw-redis-", dir=work))
    process: subprocess.Popen[bytes] | None = None
    try:
        port = mongodb.free_port()
        process = _start(
            [
                server,
                *("--bind", HOST, "--port", str(port), "--dir", str(home)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            home / "server.log",
            home,
            {},
        )
        _listening(port, process, home / "server.log", "redis-server")
        names = {
            "redis_host": HOST,
            "redis_port": str(port),
            "redis_url": f"redis://{HOST}:{port}/0",
        }
        yield f"Redis {_version([server, '--version'])}", names
    finally:
        if process is not None:
            _stop(process, signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def mongo(work: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with mongodb.server(work) as url:
        yield mongodb.NAME, {"mongodb_url": url}


STARTERS: dict[str, Callable[[Path], AbstractContextManager[tuple[str, dict[str, str]]]]] = {
    "postgres": postgres,
    "redis": redis,
    "mongodb": mongo,
}


def _postgres_bindir() -> Path:
    """The directory of initdb and postgres: on PATH, or Debian's /usr/lib/postgresql/N/bin
    (which is not on PATH), the newest release."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    releases = sorted(
        DEBIAN_POSTGRESQL.glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not releases:
        raise cache.InstallError(
            "no PostgreSQL server on this machine (apt-get install postgresql)"
        )
    return releases[-1].parent


def _server_account() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as: None (this one) unless this is root, which it refuses."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with suppress(KeyError):
            return pwd.getpwnam(name)
    raise cache.InstallError("running as root and no postgres or nobody account for PostgreSQL")


def _as(account: pwd.struct_passwd | None) -> dict[str, Any]:
    """Popen's arguments that run a process as that account (nothing: as this one)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _setup(command: list[str], what: str, cwd: Path, as_user: dict[str, Any]) -> None:
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
            check=False,
            **as_user,
        )
    except subprocess.TimeoutExpired:
        raise cache.InstallError(f"{what} timed out after {SETUP_TIMEOUT}s") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise cache.InstallError(f"{what} failed: {lines[-1][:150]}")


def _start(
    command: list[str], log: Path, cwd: Path, as_user: dict[str, Any]
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **as_user,
        )


def _created(bindir: Path, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Waits until the server accepts connections (it listens before it does), then creates
    the database."""
    deadline = time.monotonic() + START_TIMEOUT
    ready = [str(bindir / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-U", USER]
    while subprocess.run(ready, timeout=START_TIMEOUT, check=False).returncode != 0:
        _still_starting(process, log, deadline, "PostgreSQL")
        time.sleep(0.2)
    create = [str(bindir / "createdb"), "-h", HOST, "-p", str(port), "-U", USER, DATABASE]
    _setup(create, "createdb", log.parent, {})


def _listening(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not mongodb.listening(port):
        _still_starting(process, log, deadline, what)
        time.sleep(0.1)


def _still_starting(
    process: subprocess.Popen[bytes], log: Path, deadline: float, what: str
) -> None:
    if process.poll() is None and time.monotonic() < deadline:
        return
    said = log.read_text(errors="replace").strip().splitlines() or ["no output"]
    raise cache.InstallError(f"{what} did not start: {said[-1][:150]}")


def _version(command: list[str]) -> str:
    """The release a server's --version names ("postgres (PostgreSQL) 15.18 ...": 15.18)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    found = re.search(r"\d+\.\d+(?:\.\d+)?", done.stdout)
    return found.group(0) if found else "?"


def _stop(process: subprocess.Popen[bytes], how: signal.Signals) -> None:
    """Stops a server this module started, and whatever it forked: its own session's process
    group, by id; killed when it does not stop in time."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, how)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT)
