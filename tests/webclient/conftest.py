"""A real suite (uvicorn, embedded default) and a real headless Chromium (Debian's) for the web client.

Screenshots of every screen checked (`checks.check_screen`) are saved under `WEBCLIENT_ARTIFACTS` (default
`build/webclient-screenshots`), printed at the end of the run."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.webclient.checks import ARTIFACTS, DESKTOP

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--lang=en-GB",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
