"""Brokers in the web client: sign in, see the queue, raise a referral, follow its cascade history."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import check_screen
from tests.webclient.staff import provider_in_new_area, sign_in, staff


def _registry_with_one_primary_provider(base: str) -> tuple[str, str]:
    provider, area = provider_in_new_area(base)
    return area, provider["name"]


def _unsourceable_referral(base: str, broker: dict[str, str], area: str) -> dict[str, object]:
    """Nobody in the area has PEG feeding skills: the referral goes straight to the waiting list."""
    created: dict[str, object] = httpx.post(base + "/api/v1/referrals", headers=broker, json={
        "client_ref": "WEB-002", "area": area, "client_group": "older_people", "needs": ["peg_feeding"],
        "urgency": "crisis", "start_on": str(date.today() + timedelta(days=2)),
        "visits": [{"day": "tue", "start": "09:00", "minutes": 60, "carers": 1}],
        "short_visit_justification": None, "funding": {"health_share_percent": 0}}).json()
    return created


async def test_a_wrong_password_is_refused_on_the_sign_in_page(served_suite: str, page: Page) -> None:
    await sign_in(page, served_suite, "admin", "not the password")
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("username or password is not valid")
    await expect(summary).to_be_focused()
    await expect(page.locator("#nav")).to_be_hidden()
    await check_screen(page, "sign-in refused")


async def test_a_broker_raises_a_referral_and_follows_its_cascade(served_suite: str, page: Page) -> None:
    area, provider = _registry_with_one_primary_provider(served_suite)
    username, password, _ = staff(served_suite, "broker")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Being sourced")
    await expect(page.locator("h1")).to_be_focused()

    await page.get_by_role("link", name="New referral").click()
    await page.fill("#client_ref", "WEB-001")
    await page.select_option("#area", area)
    await page.check("input[value=dementia]")
    await page.get_by_label("Minutes").fill("15")
    await page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("under 30 minutes")
    await expect(summary).to_be_focused()
    await expect(summary).not_to_contain_text("short_visit_justification")
    await check_screen(page, "broker new referral refused")

    await page.get_by_label("Minutes").fill("45")
    for _ in range(3):
        await page.get_by_role("button", name="Add a visit").click()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("button", name="Start sourcing").click()
    await expect(page.locator("h1")).to_contain_text("Referral WEB-001")
    await expect(page.locator("#history")).to_contain_text("Offered")
    await expect(page.locator("#history")).to_contain_text(provider)
    await check_screen(page, "broker referral")

    await page.locator("#nav").get_by_role("link", name="Sourcing").click()
    await expect(page.locator("#queue")).to_contain_text("WEB-001")
    await check_screen(page, "broker queue")


async def test_a_broker_awards_a_waiting_referral_directly_with_a_reason(served_suite: str, page: Page) -> None:
    area, provider = _registry_with_one_primary_provider(served_suite)
    username, password, broker = staff(served_suite, "broker")
    assert _unsourceable_referral(served_suite, broker, area)["status"] == "unsourced"
    await sign_in(page, served_suite, username, password)
    await page.locator("#nav").get_by_role("link", name="Waiting list").click()
    await page.locator("#queue").get_by_role("link", name="WEB-002").click()
    await page.locator("#award").get_by_label(provider).check()
    await page.fill("#award-reason", "Known to the family; trained for PEG by the district nurse")
    await page.get_by_role("button", name="Award directly").click()
    await expect(page.locator(".app-confirm .govuk-warning-text")).to_contain_text("lacks PEG feeding")
    await page.get_by_role("button", name="Award anyway").click()
    await expect(page.locator("#flash")).to_contain_text("placed by direct award")
    await expect(page.locator("main .govuk-tag").first).to_have_text("Placed")
    await expect(page.locator("#history")).to_contain_text("Awarded")
