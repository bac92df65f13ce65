"""A broker's referral in the web client: a new one (the NICE rule beside a refused 15-minute visit, a live
quote, "check your answers"), its page (the week grid, the cascade in plain words), amending one still being
sourced, a direct award against the cascade with the rule named, cancelling with a reason, recording a
placement already made; the referral page by keyboard alone; axe and 390 px on each screen."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen, tab_to, type_into
from tests.webclient.staff import api_get, new_area, primary_provider, rate_card, sign_in, staff


@dataclass(frozen=True)
class Market:
    area: str
    primary: str
    embargoed: str
    embargoed_id: str


def _market(base: str) -> Market:
    """A new area with a rate card, its primary provider, and a framework provider under a regulator's
    embargo on all new work."""
    _, _, commissioner = staff(base, "commissioner")
    with httpx.Client(base_url=base + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        rate_card(api, area, date.today() - timedelta(days=30))
        primary = primary_provider(api, area)
        bluebell = api.post("/providers", json={"name": f"Bluebell Care {area}", "skills": ["dementia"],
                                                "client_groups": ["older_people"], "cqc_location_id": None}).json()
        api.put(f"/providers/{bluebell['id']}/contracts", json={"contracts": [{
            "area": area, "tier": "framework", "weekly_hours_cap": None, "block_hours": None,
            "starts_on": str(date.today() - timedelta(days=30)), "ends_on": None}]}).raise_for_status()
        api.put(f"/providers/{bluebell['id']}/capacity", json={
            "areas": [{"area": area, "weekly_hours": "40.00"}]}).raise_for_status()
        api.post(f"/providers/{bluebell['id']}/embargoes", json={
            "scope": "all", "imposed_by": "regulator", "starts_on": str(date.today() - timedelta(days=1)),
            "reason": "CQC warning notice"}).raise_for_status()
    return Market(area, primary["name"], bluebell["name"], bluebell["id"])


def _referral(base: str, broker: dict[str, str], market: Market, client_ref: str) -> dict[str, Any]:
    """A referral offered to the area's primary provider (retried until brokerage has heard of it and of the
    embargo: providers reach it by events)."""
    with httpx.Client(base_url=base + "/api/v1", headers=broker) as api:
        created: dict[str, Any] = api.post("/referrals", json={
            "client_ref": client_ref, "area": market.area, "client_group": "older_people", "needs": ["dementia"],
            "urgency": "routine", "start_on": str(date.today() + timedelta(days=3)),
            "visits": [{"day": "mon", "start": "08:00", "minutes": 45, "carers": 1},
                       {"day": "thu", "start": "18:30", "minutes": 30, "carers": 2}],
            "short_visit_justification": None, "funding": {"health_share_percent": 10}}).json()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            eligibility = api.get(f"/referrals/{created['id']}/eligibility").json()["items"]
            if created["status"] == "sourcing" and any(each["reason"] == "embargoed" for each in eligibility):
                return created
            time.sleep(0.2)
            created = api.post(f"/referrals/{created['id']}/retry").json()
    raise AssertionError(f"the referral was never offered: {created}")


async def _signed_in_broker(page: Page, base: str) -> dict[str, str]:
    username, password, broker = staff(base, "broker", display_name="Jo Patel")
    await sign_in(page, base, username, password)
    await expect(page.locator("h1")).to_have_text("Being sourced")
    return broker


async def test_a_new_referral_explains_nice_quotes_live_and_checks_answers(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    await _signed_in_broker(page, served_suite)
    await page.locator("#nav").get_by_role("link", name="New referral").click()
    await expect(page.locator("h1")).to_have_text("New referral")
    await page.fill("#client_ref", "WEB-NEW")
    await page.select_option("#area", market.area)
    await page.check("input[value=dementia]")
    minutes = page.locator(".visit").first.get_by_label("Minutes")
    await minutes.fill("15")
    await expect(page.locator(".visit .app-nice").first).to_contain_text("NICE NG21 allows it only when")
    await expect(page.locator("#quote-status")).to_contain_text("Quoted: £")
    await expect(page.locator("#quote-lines")).to_be_visible()
    await expect(page.locator("#quote-split")).to_contain_text("The person pays")
    await page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text("A 15-minute visit is refused")
    beside = page.locator(".visit").first.locator(".govuk-error-message")
    await expect(beside).to_contain_text("NICE NG21 allows a visit under 30 minutes only when all three")
    await expect(minutes).to_have_attribute("aria-invalid", "true")
    await check_screen(page, "broker new referral with a refused short visit")

    await minutes.fill("45")
    await page.get_by_role("button", name="Add a visit").click()
    second = page.locator(".visit").nth(1)
    await second.get_by_label("Day").select_option("wed")
    await second.get_by_label("Carers").select_option("2")
    await expect(page.locator("#quote-split")).to_contain_text("The council pays")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator("h1")).to_contain_text("Check your answers before sourcing")
    await expect(page.locator("#answers")).to_contain_text("WEB-NEW")
    await expect(page.locator("#answers-week")).to_contain_text("08:00, 45 min, 2 carers")
    await expect(page.locator("main dl").nth(1)).to_contain_text("2 h 15 min")  # the quote of these answers
    await expect(page.locator("main")).to_contain_text("The person pays")
    await check_screen(page, "broker new referral check answers")
    await page.locator("#answers").get_by_role("link", name="Change the client reference").click()
    await expect(page.locator("#client_ref")).to_be_focused()
    await page.fill("#client_ref", "WEB-NEW-1")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator("#answers")).to_contain_text("WEB-NEW-1")
    await page.get_by_role("button", name="Start sourcing").click()

    await expect(page.locator("h1")).to_have_text("Referral WEB-NEW-1")
    await expect(page.locator("#flash")).to_contain_text("being sourced")
    await expect(page.locator("#history")).to_contain_text(f"Offered to {market.primary} (primary), to answer by")
    await expect(page.locator("#history")).to_contain_text(
        f"Skipped {market.embargoed} (framework): regulator embargo on all new work")
    week = page.locator("#week")
    await expect(week.locator("thead th").nth(2)).to_contain_text("Wednesday")
    await expect(week.locator("tbody tr").first.locator("th")).to_have_text("Morning")
    await expect(week.locator("tbody tr").first.locator("td").nth(2)).to_have_text("08:00, 45 min, 2 carers")
    await check_screen(page, "broker referral page")


async def test_a_broker_amends_a_referral_and_it_is_sourced_again(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    broker = await _signed_in_broker(page, served_suite)
    created = _referral(served_suite, broker, market, "WEB-AMEND")
    await page.goto(f"{served_suite}/app/#/referrals/{created['id']}")
    await page.get_by_role("button", name="Amend the referral").click()
    await expect(page.locator("h1")).to_contain_text("Amend the referral of WEB-AMEND")
    await expect(page.locator("#quote-status")).to_contain_text("Quoted: £")
    await page.select_option("#urgency", "hospital_discharge")
    await page.locator(".visit").first.get_by_label("Minutes").fill("60")
    await check_screen(page, "broker amend referral")
    await page.get_by_role("button", name="Amend and source again").click()
    await expect(page.locator("#flash")).to_contain_text("amended and being sourced again")
    history = page.locator("#history")
    await expect(history).to_contain_text("Amended by a broker: changed: visits, urgency")
    await expect(history).to_contain_text(f"The offer to {market.primary} was withdrawn: the referral was amended")
    await expect(page.locator("main dl")).to_contain_text("Hospital discharge")
    await expect(page.locator("main dl")).to_contain_text("2 h")


async def test_an_award_against_the_cascade_names_the_rule_and_asks_first(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    elsewhere_market = _market(served_suite)
    broker = await _signed_in_broker(page, served_suite)
    created = _referral(served_suite, broker, market, "WEB-AWARD")
    await page.goto(f"{served_suite}/app/#/referrals/{created['id']}")
    choices = page.locator("#award .govuk-radios__item")
    await expect(choices.first).to_contain_text(market.primary)
    await expect(choices.first).to_contain_text("Eligible")
    bluebell = choices.filter(has_text=market.embargoed)
    await expect(bluebell).to_contain_text("The cascade would skip it: regulator embargo on all new work")
    elsewhere = page.locator("#award details")
    await elsewhere.locator("summary").click()
    await expect(elsewhere).to_contain_text(elsewhere_market.primary)
    await expect(elsewhere).to_contain_text("The cascade would skip it: no contract in this area")
    await bluebell.get_by_role("radio").check()
    await page.fill("#award-reason", "Only provider with a night carer nearby")
    await page.get_by_role("button", name="Award directly").click()
    confirm = page.locator(".app-confirm")
    await expect(confirm.locator("h2")).to_have_text(f"Award to {market.embargoed} against the cascade?")
    await expect(confirm.locator(".govuk-warning-text")).to_contain_text(
        f"The cascade would skip {market.embargoed}: regulator embargo on all new work")
    await check_screen(page, "broker award against the cascade")
    await confirm.get_by_role("button", name="Award anyway").click()
    await expect(page.locator("#flash")).to_contain_text("placed by direct award")
    await expect(page.locator("#history")).to_contain_text(
        f"Awarded directly to {market.embargoed}: Only provider with a night carer nearby (overriding the cascade: "
        "embargoed: regulator embargo on all new work)")
    placed = await api_get(served_suite, broker, f"/referrals/{created['id']}")
    assert (placed["status"], placed["placed_with"]) == ("placed", market.embargoed_id)


async def test_a_broker_cancels_with_a_reason_from_the_list(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    broker = await _signed_in_broker(page, served_suite)
    created = _referral(served_suite, broker, market, "WEB-CANCEL")
    await page.goto(f"{served_suite}/app/#/referrals/{created['id']}")
    await page.get_by_role("button", name="Cancel referral").click()
    confirm = page.locator(".app-confirm")
    await confirm.get_by_role("button", name="Cancel the referral").click()
    await expect(confirm.locator(".govuk-error-summary")).to_contain_text("Select reason for cancelling")
    await confirm.get_by_label("Another reason").check()
    await confirm.get_by_role("button", name="Cancel the referral").click()
    await expect(confirm.locator(".govuk-error-summary")).to_contain_text("Say why it is cancelled")
    await check_screen(page, "broker cancel referral")
    await confirm.get_by_label("Care was arranged another way").check()
    await confirm.get_by_label("Details").fill("Daughter moved in to care for her")
    await confirm.get_by_role("button", name="Cancel the referral").click()
    await expect(page.locator("#flash")).to_contain_text("is cancelled")
    await expect(page.locator("main .govuk-tag").first).to_have_text("Cancelled")
    await expect(page.locator("#history li").last).to_contain_text(", by Jo Patel")
    await expect(page.locator("#history li").last).to_contain_text(
        'Cancelled: Care was arranged another way (family, a direct payment) ("Daughter moved in to care for her")')
    await expect(page.locator("#referral-actions")).to_have_count(0)


async def test_the_referral_page_works_by_keyboard_alone(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    broker = await _signed_in_broker(page, served_suite)
    created = _referral(served_suite, broker, market, "WEB-KEYS")
    await page.goto(f"{served_suite}/app/#/referrals/{created['id']}")
    await expect(page.locator("h1")).to_have_text("Referral WEB-KEYS")
    await tab_to(page, page.get_by_role("region", name="Weekly schedule"))
    await activate(page, page.get_by_role("button", name="Run the cascade again"))
    await expect(page.locator("#flash")).to_contain_text("The cascade ran again")
    await expect(page.locator("#flash")).to_be_focused()
    first = page.locator("#award input[type=radio]").first
    await tab_to(page, first)
    await page.keyboard.press("Space")
    await expect(first).to_be_checked()
    await type_into(page, page.locator("#award-reason"), "Known to the family")
    await activate(page, page.get_by_role("button", name="Award directly"))
    await expect(page.locator("#flash")).to_contain_text("placed by direct award")
    await expect(page.locator("#history")).to_contain_text(f"Awarded directly to {market.primary}: Known to the family")

    other = _referral(served_suite, broker, market, "WEB-KEYS-2")
    await page.goto(f"{served_suite}/app/#/referrals/{other['id']}")
    await expect(page.locator("h1")).to_have_text("Referral WEB-KEYS-2")
    await activate(page, page.get_by_role("button", name="Cancel referral"))
    confirm = page.locator(".app-confirm")
    await expect(confirm.locator("h2")).to_be_focused()
    await tab_to(page, confirm.locator("input[type=radio]").first)
    await page.keyboard.press("ArrowDown")
    await expect(confirm.get_by_label("Care was arranged another way")).to_be_checked()
    await type_into(page, confirm.get_by_label("Details"), "Family arranged a live-in carer")
    await activate(page, confirm.get_by_role("button", name="Cancel the referral"))
    await expect(page.locator("#flash")).to_contain_text("is cancelled")


async def test_a_placement_made_out_of_hours_is_recorded_from_a_form(served_suite: str, page: Page) -> None:
    market = _market(served_suite)
    broker = await _signed_in_broker(page, served_suite)
    _referral(served_suite, broker, market, "WEB-WAIT")  # brokerage knows the providers
    await page.goto(f"{served_suite}/app/#/referrals/new")
    await page.get_by_role("link", name="Record it instead").click()
    await expect(page.locator("h1")).to_contain_text("Record a placement already made")
    await page.get_by_role("button", name="Record the placement").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter the council's placement reference")
    await expect(summary).to_contain_text("Select the provider")
    yesterday = date.today() - timedelta(days=1)
    await page.fill("#external_ref", "OOH-WEB-1")
    await page.fill("#client_ref", "WEB-OOH")
    await page.select_option("#area", market.area)
    await page.fill("#start_on", str(yesterday.day))
    await page.fill("#start_on-month", str(yesterday.month))
    await page.fill("#start_on-year", str(yesterday.year))
    await page.select_option("#provider_id", label=market.primary)
    await expect(page.locator("#quote-status")).to_contain_text("Quoted: £")
    await check_screen(page, "broker record a placement")
    await page.get_by_role("button", name="Record the placement").click()
    await expect(page.locator("#flash")).to_contain_text(f"The placement of WEB-OOH with {market.primary} is recorded")
    await expect(page.locator("#queue")).to_contain_text("WEB-OOH")


async def test_history_sentences_and_the_week_grid_in_plain_words(served_suite: str, page: Page) -> None:
    await page.goto(served_suite + "/app/vendor/VERSIONS.txt")
    said = await page.evaluate("""async (url) => {
        const m = await import(url);
        return [
            m.historySentence({event: "skipped", provider_name: "Bluebell Care", tier: "framework",
                reason: "embargoed", detail: "embargoed: regulator embargo on all new work"}),
            m.historySentence({event: "declined", provider_name: "Vale Care", reason: "no_capacity",
                detail: "no_capacity: full until March"}),
            m.historySentence({event: "considered", provider_id: null, detail: "a broker ran the cascade again"}),
            m.historySentence({event: "expired", provider_name: "Vale Care", detail: "no answer by"}),
            m.historySentence({event: "unsourced", detail: "no provider"}),
            m.historySentence({event: "cancelled", reason: null, detail: "cancelled by a broker"}),
            m.historySentence({event: "skipped", provider_name: "Vale Care", tier: "second_tier",
                reason: "missing_skill", detail: "missing_skill: lacks night_support, peg_feeding"}),
            m.weekGrid([{day: "tue", start: "19:00", minutes: 30, carers: 1},
                        {day: "mon", start: "08:00", minutes: 45, carers: 2}]),
            m.shortVisitProblems([{minutes: "45"}, {minutes: "15"}], ["worker_known"]),
            m.shortVisitProblems([{minutes: "15"}], ["worker_known", "part_of_wider_package", "time_limited_task"]),
        ];
    }""", served_suite + "/app/referral-words.js")
    assert said[:7] == [
        "Skipped Bluebell Care (framework): regulator embargo on all new work",
        'Vale Care declined: no capacity ("full until March")',
        "Sourcing started again: a broker ran the cascade again",
        "Vale Care did not answer in time: the offer expired",
        "Nobody can take it now: on the waiting list of unmet need",
        "Cancelled",
        "Skipped Vale Care (second tier): lacks night support, PEG feeding",
    ]
    assert said[7] == [
        {"part": "morning", "label": "Morning", "days": [["08:00, 45 min, 2 carers"], [], [], [], [], [], []]},
        {"part": "evening", "label": "Evening", "days": [[], ["19:00, 30 min"], [], [], [], [], []]},
    ]
    assert [each["field"] for each in said[8]] == ["visits.1.minutes"]
    assert "2 are not ticked" in said[8][0]["text"]
    assert said[9] == []
