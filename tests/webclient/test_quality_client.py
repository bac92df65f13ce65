"""Quality officers in the web client: raise a concern through the form, see the provider on the risk matrix."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import check_screen, fill_date
from tests.webclient.staff import api_get, new_area, primary_provider, sign_in, staff


async def _known_to_quality(base: str, headers: dict[str, str], provider_id: str,
                            rag: str | None = None) -> dict[str, Any]:
    """The registry announces a provider (and its ratings) by event; quality scores it once it hears."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = (await api_get(base, headers, "/risk-matrix", limit=500))["items"]
        found: list[dict[str, Any]] = [row for row in rows if row["provider_id"] == provider_id
                                          and rag in (None, row["rag"])]
        if found:
            return found[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"quality never scored the provider {rag or ''}")


def _one_inadequate_and_one_unrated_provider(base: str) -> tuple[dict[str, str], dict[str, str]]:
    _, _, commissioner = staff(base, "commissioner")
    with httpx.Client(base_url=base + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        failing = primary_provider(api, area)
        api.post(f"/providers/{failing['id']}/ratings", json={
            "regulator": "cqc", "overall": "inadequate", "published_on": str(date.today())}).raise_for_status()
        fine: dict[str, str] = api.post("/providers", json={
            "name": f"Fine Care {area}", "skills": [], "client_groups": []}).json()
    return failing, fine


async def test_a_quality_officer_raises_a_concern_and_sees_the_provider_on_the_risk_matrix(
    served_suite: str, page: Page
) -> None:
    _, _, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        provider = primary_provider(api, new_area(api))
    username, password, officer = staff(served_suite, "quality_officer")
    before = await _known_to_quality(served_suite, officer, provider["id"])
    assert before["evidence"] == []

    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Provider risk matrix")
    await expect(page.locator("#nav >> text=Providers")).to_have_count(0)
    await page.click("#nav >> text=Concerns")
    await page.locator("#record-provider").select_option(label=provider["name"])
    await page.select_option("#kind", "missed_visit")
    await page.get_by_label("High").check()
    await page.fill("#summary", "Morning visit missed twice this week")
    await page.get_by_role("button", name="Record a concern").click()

    await expect(page.locator("#flash")).to_contain_text(f"Concern recorded about {provider['name']}")
    await expect(page.locator("#record-provider")).to_have_value(provider["id"])
    await expect(page.locator("#concerns tr", has_text="Morning visit missed twice this week")).to_contain_text(
        provider["name"])
    await expect(page.locator("#concerns tr", has_text="Morning visit missed twice this week")).to_contain_text(
        username)
    await check_screen(page, "quality concerns")
    concerns = (await api_get(served_suite, officer, "/concerns", provider_id=provider["id"]))["items"]
    assert [(c["kind"], c["severity"], c["summary"]) for c in concerns] == [
        ("missed_visit", "high", "Morning visit missed twice this week")]

    after = await _known_to_quality(served_suite, officer, provider["id"])
    assert len(after["evidence"]) == 1
    await page.locator("#flash").get_by_role("link", name="See its risk").click()
    await expect(page.locator("#risk-now")).to_contain_text(f"score {after['score']}")
    await expect(page.locator("#evidence tbody tr")).to_have_count(1)
    await page.click("#nav >> text=Risk matrix")
    row = page.locator(f"#risk-matrix tr[data-id='{provider['id']}']")
    await expect(row).to_contain_text(provider["name"])
    await expect(row.locator(".govuk-tag").first).to_have_text(str(after["rag"]).capitalize())
    await expect(row).to_contain_text(str(after["score"]))
    await expect(row.locator("summary")).to_have_text("1 item")
    await check_screen(page, "quality risk matrix")


async def test_a_concern_without_a_summary_or_dated_in_the_future_shows_the_problem(
    served_suite: str, page: Page
) -> None:
    _, _, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        provider = primary_provider(api, new_area(api))
    username, password, officer = staff(served_suite, "quality_officer")
    await _known_to_quality(served_suite, officer, provider["id"])
    await sign_in(page, served_suite, username, password)
    await page.click("#nav >> text=Concerns")
    await page.locator("#record-provider").select_option(label=provider["name"])
    await page.get_by_role("button", name="Record a concern").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter a summary of the concern")
    await expect(summary).to_be_focused()
    await expect(page.locator("#summary-error")).to_contain_text("Enter a summary of the concern")

    await page.fill("#summary", "Carer shouted at the person")
    await fill_date(page, "occurred_on", date.today() + timedelta(days=3))
    await page.get_by_role("button", name="Record a concern").click()
    await expect(page.locator("#occurred_on-error")).to_contain_text("must be today or in the past")
    await check_screen(page, "quality concern refused")
    assert (await api_get(served_suite, officer, "/concerns", provider_id=provider["id"]))["items"] == []


async def test_the_risk_matrix_lists_red_before_amber_before_green(served_suite: str, page: Page) -> None:
    failing, fine = _one_inadequate_and_one_unrated_provider(served_suite)
    username, password, officer = staff(served_suite, "quality_officer")
    red = await _known_to_quality(served_suite, officer, failing["id"], rag="red")
    await _known_to_quality(served_suite, officer, fine["id"], rag="green")

    await sign_in(page, served_suite, username, password)
    red_row = page.locator(f"#risk-matrix tr[data-id='{failing['id']}']")
    await expect(red_row.locator("td:nth-child(2) .govuk-tag")).to_have_text("Red")
    await expect(red_row.locator("td:nth-child(2) .govuk-tag")).to_have_class("govuk-tag govuk-tag--red")
    await expect(red_row).to_contain_text(str(red["score"]))
    await expect(page.locator(f"#risk-matrix tr[data-id='{fine['id']}'] td:nth-child(2)")).to_have_text("Green")

    shown = await page.locator("#risk-matrix tbody tr td:nth-child(2)").all_text_contents()
    order = {"Red": 0, "Amber": 1, "Green": 2}
    assert [order[rag] for rag in shown] == sorted(order[rag] for rag in shown)
    ids = await page.locator("#risk-matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert ids.index(failing["id"]) < ids.index(fine["id"])
    rows = (await api_get(served_suite, officer, "/risk-matrix", limit=500))["items"]
    assert len(rows) == min(len(shown), 25) or len(shown) == 25


async def test_a_write_the_role_does_not_allow_shows_the_servers_refusal(served_suite: str, page: Page) -> None:
    _, _, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
    username, password, officer = staff(served_suite, "quality_officer")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("#risk-matrix")).to_be_visible()
    await page.goto(served_suite + "/app/#/rate-cards/new")
    await page.select_option("#card-area", area)
    await page.get_by_role("button", name="Add the rate card").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("commissioner")
    assert (await api_get(served_suite, officer, "/rate-cards", area=area))["items"] == []
