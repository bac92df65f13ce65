"""A finance officer's day in the web client: run a period (by keyboard alone), read what it issued, pull an
invoice's CSV, acknowledge it, credit a line with a reason, narrow the invoices, reconcile the period and read
a package's cost."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from tests.webclient.checks import activate, check_screen, fill_date, type_date
from tests.webclient.staff import (
    api_get,
    import_placement,
    new_area,
    past_period,
    primary_provider,
    rate_card,
    sign_in,
    staff,
)


def _a_period_with_care(base: str) -> tuple[dict[str, str], str]:
    """A provider with one package placed before the period (an hour every weekday) in an area with a rate
    card; the provider and the area."""
    start, _ = past_period()
    _, _, commissioner = staff(base, "commissioner")
    with httpx.Client(base_url=base + "/api/v1", headers=commissioner) as api:
        area = new_area(api)
        rate_card(api, area, start.replace(day=1).replace(year=start.year - 1))
        provider = primary_provider(api, area)
    import_placement(base, provider["id"], area, start, f"F-{area}")
    return provider, area


async def test_a_finance_officer_runs_a_period_pulls_an_invoice_and_acknowledges_it(
    served_suite: str, page: Page, tmp_path: Path
) -> None:
    provider, area = _a_period_with_care(served_suite)
    start, end = past_period()
    username, password, finance = staff(served_suite, "finance", display_name="Chris Wood")
    await sign_in(page, served_suite, username, password)
    await expect(page.locator("h1")).to_have_text("Invoices and credit notes")
    await check_screen(page, "finance invoices")

    # The period run by keyboard alone: the navigation, the dates, the check and the confirmation.
    await activate(page, page.locator("#nav").get_by_role("link", name="Invoice runs"))
    await expect(page.locator("h1")).to_have_text("Invoice runs")
    await type_date(page, "period_start", start)
    await type_date(page, "period_end", end)
    await activate(page, page.get_by_role("button", name="Check the run"))
    confirm = page.get_by_role("button", name="Issue the invoices")
    await expect(page.locator(".app-confirm")).to_contain_text("Issued documents never change")
    await check_screen(page, "finance invoice run confirmation")
    await activate(page, confirm)

    await expect(page.locator("#flash")).to_contain_text("issued 1 documents")
    issued = page.locator("#run-issued")
    await expect(issued).to_contain_text(provider["name"])
    await check_screen(page, "finance invoice run result")
    [invoice] = (await api_get(served_suite, finance, "/invoices", provider_id=provider["id"]))["items"]
    assert (invoice["period_start"], invoice["period_end"]) == (str(start), str(end))
    await expect(issued).to_contain_text(f"£{invoice['total']}")

    await issued.get_by_role("link", name=invoice["number"]).click()
    await expect(page.locator("h1")).to_have_text(f"Invoice {invoice['number']}")
    lines = page.locator("#invoice-lines")
    await expect(lines).to_contain_text("Planned schedule")
    await expect(lines).to_contain_text("5201")
    await expect(lines).to_contain_text(f"F-{area}")
    await check_screen(page, "finance invoice")

    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download CSV").first.click()
    saved = tmp_path / "invoice.csv"
    await (await downloading.value).save_as(saved)
    pulled = saved.read_text()
    assert pulled.splitlines()[0].startswith("number,id,provider_id")
    assert invoice["number"] in pulled
    assert "ASC-HOMECARE" in pulled

    await page.get_by_role("button", name="Acknowledge").click()
    await page.get_by_role("button", name="Acknowledge it").click()
    await expect(page.locator("#flash")).to_contain_text("is acknowledged")
    await expect(page.locator("#invoice-facts")).to_contain_text("by Chris Wood")
    acknowledged = await api_get(served_suite, finance, f"/invoices/{invoice['id']}")
    assert acknowledged["status"] == "acknowledged"

    await page.get_by_role("button", name="Issue a credit note").click()
    await page.get_by_role("button", name="Check the credit note").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the invoice is credited")
    await page.get_by_label("Reason for the credit note").fill("Two visits charged while in hospital")
    await page.get_by_label("Quantity of line 1").fill("2.00")
    await page.get_by_role("button", name="Check the credit note").click()
    await expect(page.locator(".app-confirm")).to_contain_text("Two visits charged while in hospital")
    await page.get_by_role("button", name="Issue the credit note").click()
    await expect(page.locator("h1")).to_contain_text("Credit note CN-")
    await expect(page.locator("#invoice-facts")).to_contain_text("Two visits charged while in hospital")
    await check_screen(page, "finance credit note")

    await page.locator("#nav").get_by_role("link", name="Invoices").click()
    await page.select_option("#filter-kind", "credit_note")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#invoices tbody tr")).to_have_count(1)
    await expect(page.locator("#invoices")).to_contain_text("Credit note")
    await expect(page.locator("#invoices")).not_to_contain_text(invoice["number"])


async def test_a_finance_officer_reconciles_a_period_and_reads_a_packages_cost(served_suite: str, page: Page) -> None:
    provider, area = _a_period_with_care(served_suite)
    start, end = past_period()
    username, password, finance = staff(served_suite, "finance")
    async with httpx.AsyncClient(base_url=served_suite + "/api/v1", headers=finance) as api:
        answer = await api.post("/invoice-runs", json={"period_start": str(start), "period_end": str(end)})
        assert answer.status_code == 201, answer.text
    await sign_in(page, served_suite, username, password)
    await page.locator("#nav").get_by_role("link", name="Reconciliation").click()
    await expect(page.locator("h1")).to_have_text("Reconciliation")  # else the dates may go into the last screen
    await fill_date(page, "period_start", start)
    await fill_date(page, "period_end", end)
    await page.select_option("#reconcile-provider", provider["id"])
    await page.get_by_role("button", name="Reconcile").click()
    row = page.locator("#reconciliation-packages tbody tr", has_text=f"F-{area}")
    reconciled = (await api_get(served_suite, finance, "/reconciliation", period_start=str(start),
                                period_end=str(end), provider_id=provider["id"]))["items"]
    [mine] = [each for each in reconciled if each["client_ref"] == f"F-{area}"]
    assert (mine["planned_visits"], mine["not_reported"]) == (20, 20)
    await expect(row).to_contain_text(f"£{mine['paid']}")
    await expect(page.locator("#reconciliation-providers")).to_contain_text(provider["name"])
    await check_screen(page, "finance reconciliation")

    await row.get_by_role("link", name=f"F-{area}").click()
    await expect(page.locator("h1")).to_have_text(f"Package of F-{area}")
    await expect(page.locator("#price-lines")).to_contain_text("£")
    await expect(page.locator("#split")).to_contain_text("The council")
    await expect(page.locator("#schedule")).to_contain_text("Monday")
    await check_screen(page, "finance package")
    await page.locator("#nav").get_by_role("link", name="Packages").click()
    await expect(page.locator("#packages")).to_contain_text(provider["name"])
    await check_screen(page, "finance packages")

    await page.locator("#nav").get_by_role("link", name="Remittances").click()
    await page.select_option("#remittance-provider", provider["id"])
    await fill_date(page, "period_start", start)
    await fill_date(page, "period_end", end)
    await page.get_by_role("button", name="Show the remittance").click()
    remittance = await api_get(served_suite, finance, "/remittances", period_start=str(start), period_end=str(end),
                               provider_id=provider["id"])
    await expect(page.locator("#remittance-total")).to_contain_text(f"£{remittance['total']}")
    await expect(page.locator("#remittance-lines")).to_contain_text("Planned schedule")
    await check_screen(page, "finance remittance")
