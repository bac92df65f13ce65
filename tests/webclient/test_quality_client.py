"""Quality officers in the web client: raise a concern through the form, see the provider on the risk matrix."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen, fill_date, tab_to, type_into
from tests.webclient.staff import api_get, new_area, primary_provider, provider_in_new_area, sign_in, staff


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
    provider, _ = provider_in_new_area(served_suite)
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
    provider, _ = provider_in_new_area(served_suite)
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


async def test_a_quality_officer_records_a_visit_and_an_action_plan_whose_overdue_action_raises_the_risk(
    served_suite: str, page: Page
) -> None:
    provider, _ = provider_in_new_area(served_suite)
    username, password, officer = staff(served_suite, "quality_officer", display_name="Alex Morgan")
    before = await _known_to_quality(served_suite, officer, provider["id"])
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Provider risk matrix")

    # A monitoring visit by keyboard alone: from the matrix to the provider, to its monitoring visits.
    await page.locator("#risk-matrix-search").fill(provider["name"])
    await activate(page, page.locator("#risk-matrix").get_by_role("link", name=provider["name"]))
    await expect(page.locator("h1")).to_contain_text(provider["name"])
    await activate(page, page.locator("#quality").get_by_role("link", name="Monitoring visits"))
    await expect(page.locator("#record-provider")).to_have_value(provider["id"])
    await tab_to(page, page.locator("#outcome-medication"))
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    await expect(page.locator("#outcome-medication-4")).to_be_checked()
    await type_into(page, page.locator("#notes-medication"), "MAR charts not signed for two weeks")
    await tab_to(page, page.locator("#outcome-training"))
    await page.keyboard.press("ArrowRight")
    await activate(page, page.get_by_role("button", name="Record a monitoring visit"))
    await expect(page.locator("#flash")).to_contain_text(f"Monitoring visit recorded about {provider['name']}")
    visit_row = page.locator("#monitoring-visits tbody tr").first
    await expect(visit_row).to_contain_text("Medication: Inadequate (MAR charts not signed for two weeks)")
    await expect(visit_row).to_contain_text("Training: Good")
    await expect(visit_row).to_contain_text("Alex Morgan")
    await check_screen(page, "quality monitoring visits")

    await page.locator("#flash").get_by_role("link", name="See its risk").click()
    await page.locator("#quality").get_by_role("link", name="Action plans").click()
    await page.get_by_role("button", name="Start an action plan").click()
    await expect(page.locator("#plan-provider")).to_have_value(provider["id"])
    await page.fill("#plan-title", "Medication handling")
    await page.fill("#action-0-description", "Audit every MAR chart and retrain the team")
    await page.fill("#action-0-owner", "Registered manager")
    await fill_date(page, "action-0-due", date.today() - timedelta(days=2))
    await check_screen(page, "quality new action plan")
    await page.get_by_role("button", name="Start the plan").click()
    await expect(page.locator("#flash")).to_contain_text("1 of its actions are overdue")
    await expect(page.locator("#actions")).to_contain_text("Overdue")
    await check_screen(page, "quality action plan")

    after = await _known_to_quality(served_suite, officer, provider["id"])
    assert "overdue_action" in [line["kind"] for line in after["evidence"]]
    assert Decimal(after["score"]) > Decimal(before["score"])
    await page.get_by_role("link", name=provider["name"]).click()
    await expect(page.locator("#risk-now")).to_contain_text(f"score {after['score']}")
    await expect(page.locator("#evidence")).to_contain_text("Overdue action")
    history = (await api_get(served_suite, officer, f"/risk-matrix/{provider['id']}/history"))["items"]
    assert len(history) >= 3
    await expect(page.locator("#risk-history-table tbody tr")).to_have_count(len(history))
    await expect(page.locator("#risk-history-table tbody tr").last).to_contain_text(after["score"])
    await check_screen(page, "quality provider risk over time")

    await page.locator("#nav").get_by_role("link", name="Reviews").click()
    await page.fill("#review-notes", "Fortnightly review with the contracts team")
    await page.get_by_label(provider["name"], exact=False).fill("Plan a follow-up visit within two weeks")
    await page.get_by_role("button", name="Record the review").click()
    await expect(page.locator("#flash")).to_contain_text("recorded")
    review_row = page.locator("#reviews tbody tr").first
    await expect(review_row).to_contain_text(f"{provider['name']}: Plan a follow-up visit within two weeks")
    await expect(review_row).to_contain_text("Alex Morgan")
    await check_screen(page, "quality reviews")

    await page.locator("#nav").get_by_role("link", name="Feedback").click()
    await page.locator("#record-provider").select_option(provider["id"])
    await page.select_option("#score-overall", "2")
    await page.select_option("#score-punctuality", "1")
    await page.fill("#comments", "Carers often rushed")
    await page.get_by_role("button", name="Record feedback").click()
    await expect(page.locator("#feedback tbody tr").first).to_contain_text("Overall 2, Punctuality 1")
    await check_screen(page, "quality feedback")
