"""The dashboard in the web client: every chart with its figures as a table, a figure read from one, filters by
period and area, and a navigation entry for each role that uses it."""

from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import check_screen
from tests.webclient.staff import eventually_json, provider_in_new_area, sign_in, staff


def _waiting_discharge(base: str, broker: dict[str, str], area: str) -> None:
    """A hospital discharge nobody in the area can take (PEG feeding): it waits, 3 hours a week."""
    body = {"client_ref": "D-001", "area": area, "client_group": "older_people", "needs": ["peg_feeding"],
            "urgency": "hospital_discharge", "start_on": str(date.today() + timedelta(days=1)),
            "visits": [{"day": day, "start": "09:00", "minutes": 60, "carers": 1} for day in ("mon", "wed", "fri")],
            "short_visit_justification": None, "funding": {"health_share_percent": 0}}
    for _ in range(150):  # the area reaches brokerage by event, a moment after it is made
        if httpx.post(base + "/api/v1/referrals", headers=broker, json=body).status_code == 201:
            return
        time.sleep(0.2)
    raise AssertionError("the referral was refused")


async def test_the_dashboard_shows_each_chart_with_its_figures_filtered_by_area(served_suite: str, page: Page) -> None:
    _, area = provider_in_new_area(served_suite)
    _, other = provider_in_new_area(served_suite)
    username, password, broker = staff(served_suite, "broker", also=("commissioner", "quality_officer"))
    _waiting_discharge(served_suite, broker, area)
    await eventually_json(served_suite, broker, "/dashboard/summary", lambda body: body["unmet_need"]["people"] == 1)

    await sign_in(page, served_suite, username, password)
    await page.locator("#nav").get_by_role("link", name="Dashboard").click()
    await expect(page.locator("h1")).to_contain_text("Dashboard")
    await expect(page.locator("#headlines")).to_contain_text("1 person, 3 h a week")
    for chart in ("referrals-per-week", "time-to-source", "unmet-need", "capacity-demand", "offers-expiring",
                  "declines", "ratings", "rag"):
        await expect(page.locator(f"#{chart} canvas")).to_be_visible()
        await expect(page.locator(f"#{chart}-table")).to_be_attached()
    await page.locator("#unmet-need summary").click()
    row = page.locator("#unmet-need-table tbody tr", has_text=f"({area})")
    await expect(row.locator("td").nth(1)).to_have_text("3 h")
    capacity = page.locator("#capacity-demand-table tbody tr", has_text=f"({area})")
    await expect(capacity).to_contain_text("40 h")
    await check_screen(page, "dashboard")

    await page.select_option("#area", other)
    await page.select_option("#weeks", "4")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("h1")).to_contain_text(f"({other})")
    await expect(page.locator("#headlines")).to_contain_text("0 people, 0 min a week")
    await expect(page.locator("#unmet-need-table tbody tr")).to_have_text(["Nothing to show."])
    assert page.url.endswith(f"#/dashboard?weeks=4&area={other}")
