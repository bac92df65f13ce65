"""`make run`'s command served on a free port (a real uvicorn, the embedded default, no demo data), for the
tests that call the suite as an outside program would: the web client's, a generated client's, the guides'
examples. A pytest plugin (tests/conftest.py names it), so any test asks for `served_suite`. Also one
service alone in its own uvicorn process (`service_process`), for the deployment and fault tests, and
`make run-distributed`'s supervisor with every service apart (`running_distributed`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.harness import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(base: str, log: Path, seconds: float = 60) -> None:
    """Waits for the gateway at `base` to answer ready; fails with the end of `log` when it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not become ready: " + log.read_text()[-3000:])


@contextlib.contextmanager
def serving_suite(data: Path, port: int, extra_env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`make run`'s command on `port` with its data in `data` (no demo data), `extra_env` in its environment;
    yields its address."""
    env = {**os.environ, "DATA_DIR": str(data), "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEMO_DATA": "0",
           **(extra_env or {})}
    for key in ("DATABASE_URL", "BROKER_URL"):
        env.pop(key, None)
    subprocess.run([sys.executable, "-m", "services.migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    with (data / "suite.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "uvicorn", "services.suite:create_suite_app", "--factory",
                                    "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, data / "suite.log")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def served_settings() -> dict[str, str]:
    """Settings the served suite runs with beyond the defaults; a test module overrides this fixture to
    change them (the fuzzing test lifts the rate limit)."""
    return {}


@pytest.fixture(scope="module")
def served_suite(tmp_path_factory: pytest.TempPathFactory, served_settings: dict[str, str]) -> Iterator[str]:
    """`make run`'s command on a free port with a fresh data folder (no demo data)."""
    with serving_suite(tmp_path_factory.mktemp("served"), free_port(), served_settings) as base:
        yield base


@contextlib.contextmanager
def service_process(service: str, port: int, env: dict[str, str], log: Path, *, host: str = "127.0.0.1",
                    wrapper: Sequence[str] = ()) -> Iterator[subprocess.Popen[bytes]]:
    """`services.<service>.app` alone in a uvicorn on `host`:`port`, its output in `log`, started through
    `wrapper` when given (`ip netns exec NS`, which becomes uvicorn); stopped on exit (killed if it will not
    stop, and not waited on again when a test has killed it already)."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*wrapper, sys.executable, "-m", "uvicorn", f"services.{service}.app:create_app", "--factory",
             "--host", host, "--port", str(port), "--no-access-log"],
            cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


async def until_ready(url: str, seconds: float = 60) -> None:
    """Waits for `url`'s /health/ready to answer 200."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url + "/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


@dataclass
class Distributed:
    """`make run-distributed`'s supervisor running: the gateway's address, the supervisor, its output."""

    gateway: str
    supervisor: subprocess.Popen[bytes]
    log: Path

    def children(self) -> list[int]:
        listed = Path(f"/proc/{self.supervisor.pid}/task/{self.supervisor.pid}/children").read_text()
        return [int(pid) for pid in listed.split()]

    def address_of(self, label: str) -> str:
        """A process's own address (`brokerage-1`, `packages`...), as the supervisor said when it started it."""
        found = re.search(rf"{re.escape(label)} started \(pid \d+\) on (\S+)", self.log.read_text())
        assert found, f"{label} was not started"
        return found.group(1)


@contextlib.contextmanager
def running_distributed(database_url: str, broker_url: str, folder: Path) -> Iterator[Distributed]:
    """`python -m services.distributed` (what `make run-distributed` runs) on a free port, without demo
    data, its databases named after `database_url` and made by it; stopped as Ctrl-C would on exit."""
    port, log = free_port(), folder / "distributed.log"
    env = {**os.environ, "DATABASE_URL": database_url, "BROKER_URL": broker_url, "DATA_DIR": str(folder),
           "DEMO_DATA": "0", "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with log.open("wb") as output:
        supervisor = subprocess.Popen([sys.executable, "-m", "services.distributed", "--port", str(port)],
                                      cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}", log, seconds=120)
            yield Distributed(f"http://127.0.0.1:{port}", supervisor, log)
        finally:
            if supervisor.poll() is None:  # not stopped by the test itself
                supervisor.terminate()  # the supervisor stops its processes (a SIGKILL would orphan them)
                supervisor.wait(timeout=60)


@contextlib.contextmanager
def output_shown_on_failure(request: pytest.FixtureRequest, log: Path, lines: int = 120) -> Iterator[None]:
    """When the test fails, the end of `log` goes into its report (a CI run keeps nothing else)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        request.node.add_report_section("teardown", f"last {lines} lines of {log.name}", tail)
