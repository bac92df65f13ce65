"""`make run`'s command served on a free port (a real uvicorn, the embedded default, no demo data), for the
tests that call the suite as an outside program would: the web client's, a generated client's, the guides'
examples. A pytest plugin (tests/conftest.py names it), so any test asks for `served_suite`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served_settings() -> dict[str, str]:
    """Settings the served suite runs with beyond the defaults; a test module overrides this fixture to
    change them (the fuzzing test lifts the rate limit)."""
    return {}


@pytest.fixture(scope="module")
def served_suite(tmp_path_factory: pytest.TempPathFactory, served_settings: dict[str, str]) -> Iterator[str]:
    """`make run`'s command on a free port with a fresh data folder (no demo data)."""
    port, data = free_port(), tmp_path_factory.mktemp("served")
    env = {**os.environ, "DATA_DIR": str(data), "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEMO_DATA": "0",
           **served_settings}
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
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                raise AssertionError("the suite did not start: " + (data / "suite.log").read_text()[-2000:])
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)
