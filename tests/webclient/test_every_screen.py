"""Every screen in the service navigation, for a user holding every staff role and for a provider's staff:
it draws without a script error or a Content-Security-Policy violation, with no serious or critical axe-core
violation, at 390 px without sideways scrolling (screens that open one record are checked in each role's day)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.webclient.checks import ROOT, check_screen
from tests.webclient.staff import provider_in_new_area, sign_in, staff

ROUTES = re.compile(r'\{ role: "(\w+)", href: "([^"]+)", text: "([^"]+)" \}')
ROUTES_FILE = "services/gateway/webclient/static/routes.js"


def _navigation() -> list[tuple[str, str, str]]:
    return ROUTES.findall((ROOT / ROUTES_FILE).read_text())


async def _visit_each(page: Page, links: list[tuple[str, str, str]], who: str) -> None:
    seen = set()
    for _role, href, text in links:
        if href in seen:
            continue
        seen.add(href)
        if not page.url.endswith(href):
            await page.locator("#nav").get_by_role("link", name=text, exact=True).first.click()
            await expect(page.locator("main h1")).to_be_focused()
        await expect(page.locator("#nav a[aria-current=page]")).to_have_text(text)
        await check_screen(page, f"{who} {text}")


async def test_every_staff_screen_passes_axe_and_fits_390_px(served_suite: str, page: Page) -> None:
    provider_in_new_area(served_suite)
    username, password, _ = staff(served_suite, "broker", also=("commissioner", "quality_officer", "finance", "admin"),
                                  display_name="Every Role")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("main h1")).to_have_text("Being sourced")
    await _visit_each(page, [link for link in _navigation() if link[0] != "provider"], "staff")


async def test_every_provider_screen_passes_axe_and_fits_390_px(served_suite: str, page: Page) -> None:
    provider, _ = provider_in_new_area(served_suite)
    username, password, _ = staff(served_suite, "provider", provider_id=provider["id"])
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("main h1")).to_have_text("Offers of care")
    await _visit_each(page, [link for link in _navigation() if link[0] == "provider"], "provider")
