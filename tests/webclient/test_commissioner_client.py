"""Commissioners in the web client: rate cards with their cost breakdown, embargoes imposed and lifted."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.webclient.staff import api_get, new_area, primary_provider, sign_in, staff


async def test_a_commissioner_sees_only_the_commissioning_links(served_suite: str, page: Page) -> None:
    username, password, _ = staff(served_suite, "commissioner")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Providers")
    await expect(page.locator("#nav >> text=Rate cards")).to_be_visible()
    await expect(page.locator("#nav >> text=New referral")).to_be_hidden()
    await expect(page.locator("#nav >> text=Risk matrix")).to_be_hidden()


async def _rate_card_form_for_a_new_area(served_suite: str, page: Page) -> tuple[str, dict[str, str]]:
    """A commissioner signed in, on the rate-card form with a new area chosen; the area and their headers."""
    username, password, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
    await sign_in(page, served_suite, username, password)
    await page.click("#nav >> text=Rate cards")
    await page.select_option("#card-area", area)
    return area, commissioner


async def test_a_commissioner_adds_a_rate_card_and_sees_its_hourly_rate_and_breakdown(
    served_suite: str, page: Page
) -> None:
    area, commissioner = await _rate_card_form_for_a_new_area(served_suite, page)
    await page.fill("#care_worker_hourly_pay", "12.80")
    await page.click("text=Add rate card")

    await expect(page.get_by_role("status")).to_contain_text(f"Rate card for {area}")
    cards = (await api_get(served_suite, commissioner, "/rate-cards", area=area))["items"]
    assert len(cards) == 1
    card = cards[0]
    assert card["care_worker_hourly_pay"] == "12.80"
    await expect(page.get_by_role("status")).to_contain_text(f"£{card['hourly_rate']} an hour")
    breakdown = page.locator("#created-card #breakdown")
    for name, amount in card["breakdown"].items():
        await expect(breakdown.locator("tr", has_text=name.replace("_", " "))).to_contain_text(amount)
    await expect(breakdown.locator("tr.total")).to_contain_text(card["hourly_rate"])
    await expect(page.locator(f"#rate-cards tr[data-id='{card['id']}']")).to_contain_text(card["hourly_rate"])

    await page.click(f"#rate-cards tr[data-id='{card['id']}']")
    await expect(page.locator("h1")).to_contain_text(f"Rate card {area}")
    await expect(page.locator("#breakdown tr.total")).to_contain_text(card["hourly_rate"])


async def test_a_rate_card_below_the_minimum_wage_is_refused_with_the_reason(served_suite: str, page: Page) -> None:
    area, commissioner = await _rate_card_form_for_a_new_area(served_suite, page)
    await page.fill("#care_worker_hourly_pay", "9.00")
    await page.fill("#travel_minutes_per_visit", "20")
    await page.click("text=Add rate card")

    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("below the minimum wage")
    await expect(alert).to_contain_text("Once travel time is counted a care worker earns")
    await expect(page.get_by_role("status")).to_have_count(0)
    assert (await api_get(served_suite, commissioner, "/rate-cards", area=area))["items"] == []


async def test_a_commissioner_imposes_then_lifts_an_embargo(served_suite: str, page: Page) -> None:
    username, password, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        provider = primary_provider(api, area)
    await sign_in(page, served_suite, username, password)
    await page.select_option("#area-filter", area)
    row = page.locator(f"#providers tr[data-id='{provider['id']}']")
    await expect(row).to_contain_text(f"{area} primary, cap 100.00 h/week")
    await expect(page.locator("#providers tbody tr")).to_have_count(1)
    await row.click()

    await expect(page.locator("h1")).to_contain_text(provider["name"])
    await page.select_option("#scope", "area")
    await page.select_option("#embargo-area", area)
    await page.fill("#embargo-reason", "Safeguarding investigation under way")
    await page.click("text=Impose embargo")
    embargo_row = page.locator("#embargoes tr", has_text="Safeguarding investigation under way")
    await expect(embargo_row).to_contain_text("open")
    await expect(embargo_row).to_contain_text(f"area {area}")

    embargoes = (await api_get(served_suite, commissioner, f"/providers/{provider['id']}"))["embargoes"]
    assert [(e["scope"], e["area"], e["imposed_by"], e["status"]) for e in embargoes] == [
        ("area", area, "council", "open")]

    await embargo_row.locator("input[name=reason]").fill("Investigation closed")
    await embargo_row.locator("text=Lift").click()
    await expect(embargo_row).to_contain_text("lifted")
    await expect(embargo_row.locator("form")).to_have_count(0)

    assert (await api_get(served_suite, commissioner, f"/providers/{provider['id']}"))["embargoes"] == []
    history = (await api_get(served_suite, commissioner, f"/providers/{provider['id']}/embargoes"))["items"]
    assert [(e["status"], e["lift_reason"]) for e in history] == [("lifted", "Investigation closed")]
