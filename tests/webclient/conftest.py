"""A real suite (uvicorn, embedded default) and a real headless Chromium (Debian's) for the web client.

Screenshots of every screen checked (`checks.check_screen`) are saved under `WEBCLIENT_ARTIFACTS` (default
`build/webclient-screenshots`), printed at the end of the run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.harness import ADMIN_PASSWORD
from tests.webclient.checks import ARTIFACTS, DESKTOP

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--lang=en-GB",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`make run`'s command on a free port with a fresh data folder (no demo data)."""
    port, data = _free_port(), tmp_path_factory.mktemp("webclient")
    env = {**os.environ, "DATA_DIR": str(data), "SUITE_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEMO_DATA": "0"}
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


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh page; a script error or a Content-Security-Policy violation on it fails the test."""
    context = await browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="Europe/London")
    opened = await context.new_page()
    faults: list[str] = []
    opened.on("pageerror", lambda error: faults.append(f"script error: {error}"))
    opened.on("console", lambda message: faults.append(message.text)
              if "Content Security Policy" in message.text else None)
    yield opened
    await context.close()
    assert faults == []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ARTIFACTS.exists() and any(ARTIFACTS.iterdir()):
        terminalreporter.write_line(f"web client screenshots: {ARTIFACTS}")
