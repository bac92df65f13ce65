"""What every screen of the web client is checked for (UI.md): axe-core (vendored from npm) finds no serious or
critical violation, the screen works 390 px wide without sideways scrolling, and screenshots of it at both
widths are saved as artifacts; and helpers to drive a screen by keyboard alone."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, ViewportSize, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("WEBCLIENT_ARTIFACTS", ROOT / "build" / "webclient-screenshots"))
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
DESKTOP = ViewportSize(width=1366, height=768)
NARROW = ViewportSize(width=390, height=844)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations on the page as it is now (axe is evaluated through the DevTools
    protocol, which the page's Content-Security-Policy does not apply to)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE)
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    return [violation for violation in result["violations"] if violation["impact"] in ("serious", "critical")]


def _describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                     + ", ".join(str(node["target"]) for node in v["nodes"][:5]) for v in violations)


async def _screenshot(page: Page, name: str, width: str) -> None:
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    await page.screenshot(path=str(ARTIFACTS / f"{safe}-{width}.png"), full_page=True)


async def check_screen(page: Page, name: str) -> None:
    """axe at 1366 px, then 390 px without sideways scrolling; a screenshot at each width. Call it once the
    screen has drawn (after an `expect` on what it shows)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once per screen, a local folder)
    violations = await axe_violations(page)
    assert violations == [], f"axe on {name}:\n{_describe(violations)}"
    await _screenshot(page, name, "1366")
    await page.set_viewport_size(NARROW)
    try:
        await expect(page.locator("h1").first).to_be_visible()
        try:  # what resizes itself (a chart) does so on the next frames: give it a moment on a slow machine
            await page.wait_for_function(
                "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth", timeout=3000)
        except PlaywrightTimeoutError:
            overflow = await page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            raise AssertionError(f"{name} scrolls sideways by {overflow} px at 390 px wide") from None
        narrow = await axe_violations(page)
        assert narrow == [], f"axe on {name} at 390 px:\n{_describe(narrow)}"
        await _screenshot(page, name, "390")
    finally:
        await page.set_viewport_size(DESKTOP)


async def tab_to(page: Page, target: Locator, most: int = 80) -> None:
    """Presses Tab until `target` has focus: it is reachable by keyboard (fails after `most` presses)."""
    for _ in range(most):
        if await target.evaluate("node => node === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{target} was not reached by Tab in {most} presses")


async def activate(page: Page, target: Locator) -> None:
    """Tabs to a link or button and presses Enter, as a keyboard user would."""
    await tab_to(page, target)
    await page.keyboard.press("Enter")


async def type_into(page: Page, target: Locator, text: str) -> None:
    """Tabs to a field and types into it, as a keyboard user would."""
    await tab_to(page, target)
    await page.keyboard.press("Control+A")
    await page.keyboard.type(text)


async def fill_date(page: Page, field: str, value: date) -> None:
    """Fills a GOV.UK date input (day, month and year fields; the day field's id is the date's)."""
    await page.fill(f"#{field}", str(value.day))
    await page.fill(f"#{field}-month", str(value.month))
    await page.fill(f"#{field}-year", str(value.year))


async def type_date(page: Page, field: str, value: date) -> None:
    """Types a date into a GOV.UK date input by keyboard alone."""
    for part, text in (("", value.day), ("-month", value.month), ("-year", value.year)):
        await type_into(page, page.locator(f"#{field}{part}"), str(text))


async def confirm_with_reason(page: Page, confirm: str, reason_label: str, reason: str) -> None:
    """A consequential action's confirmation: refused without its reason (said in the error summary), then
    confirmed with it."""
    await page.get_by_role("button", name=confirm).click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text(f"Enter {reason_label.lower()}")
    await page.get_by_label(reason_label).fill(reason)
    await page.get_by_role("button", name=confirm).click()
