"""A small provider's day in the web client (its staff hold the provider role, bound to it): accept an offer
by keyboard alone, find the package, report visits by uploading the rota system's CSV and read the row
report, declare capacity. Everything is scoped to the provider's own organisation."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen
from tests.webclient.staff import api_get, eventually_json, provider_in_new_area, sign_in, staff

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _a_referral_offered_to(base: str) -> tuple[dict[str, str], str, str]:
    """A provider holding the primary contract of a new area, offered a referral starting today (a visit at
    08:00 every day); the provider, the area and the client reference."""
    provider, area = provider_in_new_area(base)
    client_ref = f"P-{uuid.uuid4().hex[:6].upper()}"
    _, _, broker = staff(base, "broker")
    body = {"client_ref": client_ref, "area": area, "client_group": "older_people", "needs": [],
            "urgency": "hospital_discharge", "start_on": str(date.today()),
            "visits": [{"day": day, "start": "08:00", "minutes": 60, "carers": 1} for day in DAYS],
            "short_visit_justification": None, "funding": {"health_share_percent": 0}}
    for _ in range(150):  # the area and provider reach brokerage by events, a moment after they are made
        answer = httpx.post(base + "/api/v1/referrals", headers=broker, json=body)
        if answer.status_code == 201:
            return provider, area, client_ref
        time.sleep(0.2)
    raise AssertionError(f"the referral was refused: {answer.text}")


def _rota_csv(client_ref: str) -> bytes:
    today = date.today().strftime("%d/%m/%Y")
    return (f"Visit ID,Client ref,Date,Planned start,Planned minutes,Actual start,Actual minutes,Carers,Outcome\r\n"
            f"R-{client_ref}-1,{client_ref},{today},08:00,60,08:05,58,1,Completed\r\n"
            f"R-{client_ref}-2,{client_ref},31/02/2026,08:00,60,,,1,delivered\r\n"
            f"R-{client_ref}-3,SOMEONE-ELSE,{today},08:00,60,,,1,missed\r\n").encode()


async def test_a_provider_accepts_an_offer_and_reports_visits_from_its_rota_csv(served_suite: str, page: Page) -> None:
    provider, area, client_ref = _a_referral_offered_to(served_suite)
    username, password, own = staff(served_suite, "provider", provider_id=provider["id"], display_name="Dana Hughes")
    await eventually_json(served_suite, own, "/offers", lambda page: len(page["items"]) == 1, status="open")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Offers of care")
    await expect(page.locator("#who-name")).to_have_text("Signed in as Dana Hughes")
    await expect(page.locator("#nav")).not_to_contain_text("Providers")
    await expect(page.locator("#open-offers tbody tr")).to_have_count(1)
    await expect(page.locator("#open-offers")).to_contain_text("Hospital discharge")
    await check_screen(page, "provider offers")

    # The offer accepted by keyboard alone.
    await activate(page, page.locator("#open-offers tbody a").first)
    await expect(page.locator("h1")).to_have_text("Offer of care")
    await expect(page.locator("#offer-schedule")).to_contain_text("Monday")
    await check_screen(page, "provider offer")
    await activate(page, page.get_by_role("button", name="Accept the offer"))
    await expect(page.locator(".app-confirm")).to_contain_text("Accepting commits you")
    await activate(page, page.get_by_role("button", name="Accept and take on the care"))
    await expect(page.locator("#flash")).to_contain_text("You accepted the offer")
    await expect(page.locator("main .govuk-tag").first).to_have_text("Accepted")

    packages = await eventually_json(served_suite, own, "/packages", lambda found: len(found["items"]) == 1)
    [package] = packages["items"]
    await page.locator("#nav").get_by_role("link", name="Packages").click()
    await page.locator("#packages").get_by_role("link", name=client_ref).click()
    await expect(page.locator("h1")).to_have_text(f"Package of {client_ref}")
    await expect(page.locator("#schedule")).to_contain_text("08:00")
    await expect(page.locator("#split")).to_have_count(0)
    await check_screen(page, "provider package")

    await page.locator("#nav").get_by_role("link", name="Report visits").click()
    await page.set_input_files("#rota-file", files=[{"name": "rota.csv", "mimeType": "text/csv",
                                                      "buffer": _rota_csv(client_ref)}])
    await page.get_by_role("button", name="Upload visits").click()
    await expect(page.locator("#upload-summary")).to_contain_text("Recorded1")
    await expect(page.locator("#upload-summary")).to_contain_text("Rejected2")
    rows = page.locator("#upload-rows tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text("Recorded")
    await expect(rows.nth(1)).to_contain_text('the date "31/02/2026" is not a date')
    await expect(rows.nth(2)).to_contain_text("no single package of yours is for SOMEONE-ELSE")
    await check_screen(page, "provider visits upload")
    visits: dict[str, Any] = await api_get(served_suite, own, "/visits", package_id=package["id"])
    assert [(v["visit_id"], v["outcome"], v["actual_minutes"]) for v in visits["items"]] == [
        (f"R-{client_ref}-1", "delivered", 58)]

    await page.reload()
    await page.get_by_role("button", name="Upload visits").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the CSV file to upload")
    await expect(page.locator("#rota-file-error")).to_contain_text("Choose the CSV file to upload")

    await page.locator("#nav").get_by_role("link", name="Capacity").click()
    await page.get_by_label(f"{area}, hours a week").fill("25")
    await page.get_by_role("button", name="Save capacity").click()
    await expect(page.locator("#flash")).to_contain_text("Capacity of")
    await expect(page.locator("#capacity-now")).to_contain_text("25 h")
    await check_screen(page, "provider capacity")
    assert (await api_get(served_suite, own, f"/providers/{provider['id']}/capacity"))["areas"] == [
        {"area": area, "weekly_hours": "25.00"}]

    await page.locator("#nav").get_by_role("link", name="Invoices").click()
    await expect(page.locator("h1")).to_have_text("Your invoices")
    await expect(page.locator("#filter-provider")).to_have_count(0)
    await check_screen(page, "provider invoices")


async def test_a_provider_declines_an_offer_with_a_reason_from_the_list(served_suite: str, page: Page) -> None:
    provider, _, _ = _a_referral_offered_to(served_suite)
    username, password, own = staff(served_suite, "provider", provider_id=provider["id"])
    [offer] = (await eventually_json(served_suite, own, "/offers", lambda found: len(found["items"]) == 1,
                                     status="open"))["items"]
    await sign_in(page, served_suite, username, password)
    await page.locator("#open-offers tbody a").first.click()
    await page.get_by_role("button", name="Decline the offer").click()
    await page.get_by_role("button", name="Decline the offer").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Select why you decline")
    await page.get_by_label("No staff in the area").check()
    await page.get_by_label("Details").fill("Our Oakham round is full until January")
    await check_screen(page, "provider decline")
    await page.get_by_role("button", name="Decline the offer").click()
    await expect(page.locator("#flash")).to_contain_text("You declined the offer")
    await expect(page.locator("#offer-facts")).to_contain_text("No staff in the area")
    answered = await api_get(served_suite, own, f"/offers/{offer['id']}")
    assert (answered["status"], answered["decline_reason"]) == ("declined", "no_staff_in_area")
