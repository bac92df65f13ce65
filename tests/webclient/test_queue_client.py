"""The broker's queue in the web client: urgency first, searched, filtered, sorted, paged and exported; each row
opened by keyboard; and a row that updates in place, without a reload, when a provider answers through the API."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen, type_into
from tests.webclient.staff import eventually_json, provider_in_new_area, sign_in, staff

URGENCIES = ["routine", "crisis", "routine", "hospital_discharge"]


def _refer(base: str, broker: dict[str, str], area: str, number: int) -> dict[str, Any]:
    body = {"client_ref": f"Q-{number:03d}", "area": area, "client_group": "older_people", "needs": [],
            "urgency": URGENCIES[number % len(URGENCIES)], "start_on": str(date.today() + timedelta(days=3)),
            "visits": [{"day": "mon", "start": "09:00", "minutes": 60, "carers": 1}],
            "short_visit_justification": None, "funding": {"health_share_percent": 0}}
    for _ in range(150):  # the area and its provider reach brokerage by events, a moment after they are made
        answer = httpx.post(base + "/api/v1/referrals", headers=broker, json=body)
        created: dict[str, Any] = answer.json()
        if answer.status_code == 201 and created["status"] == "sourcing":
            return created
        if answer.status_code == 201:  # the provider is not known there yet: this one is not wanted
            httpx.post(f"{base}/api/v1/referrals/{created['id']}/cancel", headers=broker).raise_for_status()
        time.sleep(0.2)
    raise AssertionError(f"the referral was not offered: {answer.text}")


async def test_the_queue_is_searched_filtered_sorted_paged_exported_and_opened_by_keyboard(
    served_suite: str, page: Page, tmp_path: Path
) -> None:
    provider, area = provider_in_new_area(served_suite)
    username, password, broker = staff(served_suite, "broker")
    for number in range(1, 28):
        _refer(served_suite, broker, area, number)
    await sign_in(page, served_suite, username, password)
    queue = page.locator("#queue")
    await expect(page.locator("h1")).to_have_text("Being sourced")
    await expect(page.locator("#queue-count")).to_have_text("27 rows, showing 1 to 25")
    first = queue.locator("tbody tr").first
    await expect(first).to_contain_text("Hospital discharge")
    await expect(first).to_contain_text("Q-003")  # the longest waiting of the most urgent
    await expect(first).to_contain_text(f"{provider['name']} (Primary), answer by")
    await expect(first).to_contain_text("left")
    await expect(page.locator("main")).to_contain_text("7 hospital discharges")
    await check_screen(page, "broker queue")

    await activate(page, page.get_by_role("link", name="Next page"))
    await expect(page.locator("#queue-count")).to_have_text("27 rows, showing 26 to 27")
    await expect(queue.locator("tbody tr")).to_have_count(2)

    await page.select_option("#queue-urgency", "crisis")
    await expect(page.locator("#queue-count")).to_have_text("7 of 27 rows match")
    await activate(page, page.get_by_role("button", name="Client"))
    await expect(page.locator("th[aria-sort=ascending]")).to_have_text("Client")
    await expect(queue.locator("tbody tr").first).to_contain_text("Q-001")
    await page.get_by_role("button", name="Client").click()
    await expect(queue.locator("tbody tr").first).to_contain_text("Q-025")

    async with page.expect_download() as downloading:
        await page.locator("#queue-csv").click()
    saved = tmp_path / "queue.csv"
    await (await downloading.value).save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("Client,Urgency,Area,Hours a week,Start,Referred,Waiting,Tier reached,Open offers")
    assert len(lines) == 8
    assert lines[1].startswith("Q-025,Crisis,")
    assert provider["name"] in lines[1]

    await page.select_option("#queue-urgency", "")
    await type_into(page, page.locator("#queue-search"), "Q-014")
    await expect(page.locator("#queue-count")).to_have_text("1 of 27 rows match")
    await activate(page, queue.get_by_role("link", name="Q-014"))
    await expect(page.locator("h1")).to_have_text("Referral Q-014")


async def test_a_row_updates_in_place_when_the_provider_accepts(served_suite: str, page: Page) -> None:
    provider, area = provider_in_new_area(served_suite)
    username, password, broker = staff(served_suite, "broker")
    staying, accepted = _refer(served_suite, broker, area, 101), _refer(served_suite, broker, area, 102)
    await sign_in(page, served_suite, username, password)
    await type_into(page, page.locator("#queue-search"), "Q-10")
    row = page.locator(f"#queue tr[data-id='{accepted['id']}']")
    await expect(row).to_contain_text("answer by")
    await page.evaluate("window.notReloaded = true")

    _, _, own = staff(served_suite, "provider", provider_id=provider["id"])
    offers = await eventually_json(served_suite, own, "/offers", lambda found: accepted["id"] in {
        each["referral_id"] for each in found["items"]}, status="open")
    offer = next(each for each in offers["items"] if each["referral_id"] == accepted["id"])
    async with httpx.AsyncClient(base_url=served_suite + "/api/v1", headers=own) as api:
        (await api.post(f"/offers/{offer['id']}/accept", json={})).raise_for_status()

    await expect(row).to_have_count(0, timeout=15000)
    await expect(page.locator("#queue-updates")).to_contain_text("Left this list: Q-102.")
    await expect(page.locator(f"#queue tr[data-id='{staying['id']}']")).to_contain_text("answer by")
    await expect(page.locator("#queue-search")).to_be_focused()
    assert await page.evaluate("window.notReloaded === true")

    await page.locator("#nav").get_by_role("link", name="Placed").click()
    await expect(page.locator(f"#queue tr[data-id='{accepted['id']}']")).to_contain_text(provider["name"])
    await check_screen(page, "broker placed")


async def test_the_header_with_a_long_name_fits_390_px(served_suite: str, page: Page) -> None:
    username, password, _ = staff(served_suite, "broker",
                                  display_name="bartholomew.fitzwilliammontgomery@northumberlandcouncil.gov.uk")
    await page.set_viewport_size({"width": 390, "height": 844})
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("#who-name")).to_contain_text("northumberlandcouncil.gov.uk")
    assert await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    sign_out = await page.locator("#sign-out").bounding_box()
    assert sign_out is not None
    assert sign_out["x"] + sign_out["width"] <= 390
    await check_screen(page, "broker header long name")


async def test_the_broker_is_told_of_their_referral_gone_to_the_waiting_list_and_of_a_placement(
    served_suite: str, page: Page
) -> None:
    provider, area = provider_in_new_area(served_suite)
    username, password, broker = staff(served_suite, "broker")
    declined, accepted = _refer(served_suite, broker, area, 201), _refer(served_suite, broker, area, 202)
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Being sourced")
    await expect(page.locator("#notifications")).to_have_count(0)
    _, _, someone_else = staff(served_suite, "broker")
    not_mine = _refer(served_suite, someone_else, area, 203)

    _, _, own = staff(served_suite, "provider", provider_id=provider["id"])
    offers = await eventually_json(served_suite, own, "/offers", lambda found: {
        declined["id"], accepted["id"], not_mine["id"]} <= {each["referral_id"] for each in found["items"]},
        status="open")
    by_referral = {each["referral_id"]: each["id"] for each in offers["items"]}
    async with httpx.AsyncClient(base_url=served_suite + "/api/v1", headers=own) as api:
        (await api.post(f"/offers/{by_referral[not_mine['id']]}/decline", json={"reason": "travel"})
         ).raise_for_status()
        (await api.post(f"/offers/{by_referral[declined['id']]}/decline", json={"reason": "no_capacity"})
         ).raise_for_status()
        (await api.post(f"/offers/{by_referral[accepted['id']]}/accept", json={})).raise_for_status()

    banner = page.locator("#notifications")
    await expect(banner).to_contain_text("2 new notifications", timeout=20000)
    await expect(banner).to_contain_text("Q-201: Gone to the waiting list")
    await expect(banner).to_contain_text(f"Q-202: Placed with {provider['name']}")
    await check_screen(page, "broker queue with notifications")

    await banner.get_by_role("link", name="See all notifications").click()
    await expect(page.locator("h1")).to_have_text("Notifications")
    await expect(page.locator("#notifications-list tbody tr")).to_have_count(2)
    await expect(page.locator("#notifications-list")).not_to_contain_text("Q-203")
    await check_screen(page, "broker notifications")
    await page.get_by_role("button", name="Mark all as seen").click()
    await expect(page.locator("#flash")).to_be_focused()
    await expect(page.locator("main")).to_contain_text("Nothing new since")
    await page.locator("#nav").get_by_role("link", name="Sourcing").click()
    await expect(page.locator("h1")).to_have_text("Being sourced")
    await expect(page.locator("#notifications")).to_have_count(0)
