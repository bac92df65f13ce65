"""Commissioners in the web client: rate cards with their cost breakdown, embargoes imposed and lifted, ratings
recorded, each with who did it by name."""

from __future__ import annotations

from datetime import date

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen, confirm_with_reason, fill_date, tab_to, type_into
from tests.webclient.staff import api_get, new_area, primary_provider, provider_in_new_area, sign_in, staff


async def test_a_commissioner_sees_only_the_commissioning_links(served_suite: str, page: Page) -> None:
    username, password, _ = staff(served_suite, "commissioner")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Providers")
    await expect(page.locator("#nav >> text=Rate cards")).to_be_visible()
    await expect(page.locator("#nav >> text=New referral")).to_have_count(0)
    await expect(page.locator("#nav >> text=Risk matrix")).to_have_count(0)
    await check_screen(page, "commissioner providers")


async def _rate_card_form_for_a_new_area(served_suite: str, page: Page) -> tuple[str, dict[str, str]]:
    """A commissioner signed in, on the rate-card form with a new area chosen; the area and their headers."""
    username, password, commissioner = staff(served_suite, "commissioner")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
    await sign_in(page, served_suite, username, password)
    await page.click("#nav >> text=Rate cards")
    await page.get_by_role("button", name="Add a rate card").click()
    await page.select_option("#card-area", area)
    return area, commissioner


async def test_a_commissioner_adds_a_rate_card_and_sees_its_hourly_rate_and_breakdown(
    served_suite: str, page: Page
) -> None:
    area, commissioner = await _rate_card_form_for_a_new_area(served_suite, page)
    await check_screen(page, "commissioner new rate card")
    await page.fill("#care_worker_hourly_pay", "12.80")
    await page.get_by_role("button", name="Add the rate card").click()

    await expect(page.locator("#flash")).to_contain_text(f"Rate card for {area}")
    await expect(page.locator("#flash")).to_be_focused()
    cards = (await api_get(served_suite, commissioner, "/rate-cards", area=area))["items"]
    assert len(cards) == 1
    card = cards[0]
    assert card["care_worker_hourly_pay"] == "12.80"
    await expect(page.locator("#flash")).to_contain_text(f"£{card['hourly_rate']} an hour")
    breakdown = page.locator("#breakdown")
    for name, amount in card["breakdown"].items():
        await expect(breakdown.locator("tr", has_text=name.replace("_", " ").capitalize())).to_contain_text(amount)
    await expect(breakdown.locator("tr.govuk-table__row--total")).to_contain_text(card["hourly_rate"])
    await expect(page.locator("#prices")).to_contain_text(f"£{card['prices']['contact_hour']}")
    await check_screen(page, "commissioner rate card")

    await page.get_by_role("link", name=f"All rate cards of Webtown {area}").click()
    await expect(page.locator(f"#rate-cards tr[data-id='{card['id']}']")).to_contain_text(card["hourly_rate"])


async def test_a_new_rate_card_version_is_compared_side_by_side_with_the_one_in_force(
    served_suite: str, page: Page
) -> None:
    area, commissioner = await _rate_card_form_for_a_new_area(served_suite, page)
    await page.get_by_role("button", name="Add the rate card").click()
    await expect(page.locator("#flash")).to_contain_text(f"Rate card for {area}")
    await page.get_by_role("button", name="Make a new version of this card").click()
    await expect(page.locator("#care_worker_hourly_pay")).to_have_value("12.60")
    await fill_date(page, "effective_from", date(2099, 4, 1))
    await page.fill("#care_worker_hourly_pay", "13.50")
    await page.get_by_role("button", name="Add the rate card").click()
    await expect(page.locator("#flash")).to_contain_text("Wed 1 Apr 2099")
    comparison = page.locator("#compare-inputs")
    await expect(comparison.locator("tr", has_text="Care worker pay an hour")).to_contain_text("£13.50")
    await expect(comparison.locator("tr", has_text="Care worker pay an hour")).to_contain_text("£12.60")
    cards = (await api_get(served_suite, commissioner, "/rate-cards", area=area))["items"]
    newer = next(card for card in cards if card["effective_from"] == "2099-04-01")
    await expect(page.locator("#compare-prices tr", has_text="Hourly rate")).to_contain_text(newer["hourly_rate"])
    await check_screen(page, "commissioner rate card compared")


async def test_a_rate_card_below_the_minimum_wage_is_refused_with_the_reason(served_suite: str, page: Page) -> None:
    area, commissioner = await _rate_card_form_for_a_new_area(served_suite, page)
    await page.fill("#care_worker_hourly_pay", "9.00")
    await page.fill("#travel_minutes_per_visit", "20")
    await page.get_by_role("button", name="Add the rate card").click()

    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("below the minimum wage")
    await expect(summary).to_contain_text("Once travel time is counted a care worker earns")
    await expect(summary).to_be_focused()
    await expect(page.locator("#flash")).to_have_count(0)
    assert (await api_get(served_suite, commissioner, "/rate-cards", area=area))["items"] == []


async def test_a_commissioner_imposes_then_lifts_an_embargo(served_suite: str, page: Page) -> None:
    username, password, commissioner = staff(served_suite, "commissioner", display_name="Sam Okafor")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        provider = primary_provider(api, area)
    await sign_in(page, served_suite, username, password)
    await page.select_option("#providers-area", area)
    row = page.locator(f"#providers tr[data-id='{provider['id']}']")
    await expect(row).to_contain_text(f"Webtown {area} ({area}): Primary, cap 100 h a week")
    await expect(page.locator("#providers tbody tr")).to_have_count(1)
    await row.get_by_role("link", name=provider["name"]).click()

    await expect(page.locator("h1")).to_contain_text(provider["name"])
    await page.check("#scope-2")
    await page.select_option("#embargo-area", area)
    await page.fill("#embargo-reason", "Safeguarding investigation under way")
    await page.get_by_role("button", name="Impose embargo").click()
    await expect(page.get_by_role("heading", name=f"Impose an embargo on {provider['name']}")).to_be_focused()
    await check_screen(page, "commissioner embargo confirmation")
    await page.get_by_role("button", name="Impose the embargo").click()
    embargo_row = page.locator("#embargoes tr", has_text="Safeguarding investigation under way")
    await expect(embargo_row).to_contain_text("Open")
    await expect(embargo_row).to_contain_text(f"Area Webtown {area} ({area})")

    embargoes = (await api_get(served_suite, commissioner, f"/providers/{provider['id']}"))["embargoes"]
    assert [(e["scope"], e["area"], e["imposed_by"], e["status"]) for e in embargoes] == [
        ("area", area, "council", "open")]

    await embargo_row.get_by_role("button", name="Lift").click()
    await confirm_with_reason(page, "Lift the embargo", "Why it is lifted", "Investigation closed")
    await expect(page.locator("#flash")).to_contain_text("lifted")
    await expect(embargo_row).to_contain_text("Council, recorded by Sam Okafor")
    await expect(embargo_row).to_contain_text("by Sam Okafor: Investigation closed")
    await expect(embargo_row.get_by_role("button", name="Lift")).to_have_count(0)

    await page.select_option("#overall", "requires_improvement")
    await page.get_by_role("button", name="Record the rating").click()
    await expect(page.locator("#flash")).to_contain_text("Rating of")
    await expect(page.locator("#ratings tbody tr")).to_contain_text("Sam Okafor")
    await check_screen(page, "commissioner provider")

    assert (await api_get(served_suite, commissioner, f"/providers/{provider['id']}"))["embargoes"] == []
    history = (await api_get(served_suite, commissioner, f"/providers/{provider['id']}/embargoes"))["items"]
    assert [(e["status"], e["lift_reason"]) for e in history] == [("lifted", "Investigation closed")]


CQC_HEADERS = ["Name", "Postcode", "Service types", "Specialisms/services", "Provider name", "Local authority",
               "CQC Location ID (for office use only)", "CQC Provider ID (for office use only)"]


def _cqc_directory(marker: str) -> bytes:
    """Two home care agencies and a row without its location id (rejected with the reason)."""
    rows = [CQC_HEADERS,
            [f"Riverside Care {marker}", "LE15 6AA", "Homecare agencies", "Dementia|Caring for adults over 65 yrs",
             "Riverside Group", "Rutland", f"1-{marker}01", f"1-{marker}00"],
            [f"Meadow Homecare {marker}", "LE15 7BB", "Homecare agencies", "Physical disabilities", "Meadow Ltd",
             "Rutland", f"1-{marker}02", f"1-{marker}00"],
            [f"No Id Care {marker}", "LE15 8CC", "Homecare agencies", "", "No Id Ltd", "Rutland", "", ""]]
    return "\r\n".join(",".join(cell for cell in row) for row in rows).encode()


async def test_a_commissioner_creates_a_provider_gives_it_a_primary_contract_and_imports_the_cqc_file(
    served_suite: str, page: Page
) -> None:
    username, password, commissioner = staff(served_suite, "commissioner", display_name="Priya Shah")
    with httpx.Client(base_url=served_suite + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
    marker = str(abs(hash(area)) % 10**7).zfill(7)
    name = f"Hillside Care {area}"
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Providers")

    # A new provider by keyboard alone.
    await activate(page, page.get_by_role("button", name="Add a provider"))
    await expect(page.locator("h1")).to_have_text("Add a provider")
    await check_screen(page, "commissioner new provider")
    await type_into(page, page.locator("#name"), name)
    await type_into(page, page.locator("#cqc_location_id"), f"1-{marker}99")
    await tab_to(page, page.get_by_label("Dementia"))
    await page.keyboard.press("Space")
    await activate(page, page.get_by_role("button", name="Add the provider"))
    await expect(page.locator("#flash")).to_contain_text(f"{name} is registered")
    await expect(page.locator("h1")).to_contain_text(name)
    await expect(page.locator("#provider-facts")).to_contain_text("Dementia")

    # A primary contract needs its hours cap: refused beside the field first.
    await page.get_by_role("button", name="Add a contract").click()
    contract = page.locator("#contract-rows .contract").last
    await contract.get_by_label("Area").select_option(area)
    await contract.get_by_label("Tier").select_option("primary")
    await page.get_by_role("button", name="Save contracts").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("A primary contract needs a weekly hours cap")
    await expect(summary).not_to_contain_text("contracts.0")
    await expect(contract.locator(".govuk-error-message")).to_contain_text("weekly hours cap")
    await check_screen(page, "commissioner contract refused")
    await contract.get_by_label("Hours cap a week").fill("120")
    await page.get_by_role("button", name="Save contracts").click()
    await expect(page.locator("#flash")).to_contain_text(f"Contracts of {name} saved")
    await expect(page.locator("#contracts")).to_contain_text("Primary")
    await expect(page.locator("#contracts")).to_contain_text("120 h")
    [created] = [p for p in (await api_get(served_suite, commissioner, "/providers", limit=500))["items"]
                 if p["name"] == name]
    assert [(c["area"], c["tier"], c["weekly_hours_cap"]) for c in created["contracts"]] == [
        (area, "primary", "120.00")]

    await page.locator("#nav").get_by_role("link", name="CQC import").click()
    await expect(page.locator("h1")).to_have_text("Import the CQC file")
    await page.set_input_files("#cqc-file", files=[{"name": "care-directory.csv", "mimeType": "text/csv",
                                                      "buffer": _cqc_directory(marker)}])
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator("#import-status")).to_contain_text("2 created, 0 updated, 1 rejected")
    await expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    await expect(page.locator("#rejected tbody tr")).to_have_count(1)
    await expect(page.locator("#rejected")).to_contain_text("3")
    await check_screen(page, "commissioner cqc import")
    names = {p["name"] for p in (await api_get(served_suite, commissioner, "/providers", limit=500))["items"]}
    assert {f"Riverside Care {marker}", f"Meadow Homecare {marker}"} <= names


async def test_contracts_are_listed_by_area_and_tier_with_caps_and_block_hours(served_suite: str, page: Page) -> None:
    provider, area = provider_in_new_area(served_suite)
    username, password, _ = staff(served_suite, "commissioner")
    await sign_in(page, served_suite, username, password)
    await page.locator("#nav").get_by_role("link", name="Contracts").click()
    await page.select_option("#all-contracts-area", area)
    row = page.locator("#all-contracts tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(provider["name"])
    await expect(row).to_contain_text("Primary")
    await expect(row).to_contain_text("100 h")
    await check_screen(page, "commissioner contracts")
