"""An administrator's day in the web client: add a user by keyboard alone, a provider's staff user bound to
its provider, disable a user and reset a password, and API clients whose secret is shown once, renewed and
revoked."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Page, expect

from tests.harness import ADMIN_PASSWORD
from tests.webclient.checks import activate, check_screen, confirm_with_reason, tab_to, type_into
from tests.webclient.staff import provider_in_new_area, sign_in


def _signs_in(base: str, username: str, password: str) -> int:
    return httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "password", "username": username, "password": password}).status_code


def _client_signs_in(base: str, client_id: str, secret: str) -> int:
    return httpx.post(base + "/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).status_code


async def test_an_administrator_adds_disables_and_resets_users(served_suite: str, page: Page) -> None:
    provider, _ = provider_in_new_area(served_suite)
    await sign_in(page, served_suite, "admin", ADMIN_PASSWORD)
    await expect(page.locator("h1")).to_have_text("Users")
    await check_screen(page, "admin users")

    # A finance officer added by keyboard alone.
    username, password = f"jo.patel.{uuid.uuid4().hex[:4]}", "a-long-first-password"
    await activate(page, page.get_by_role("button", name="Add a user"))
    await expect(page.locator("h1")).to_have_text("Add a user")
    await type_into(page, page.locator("#username"), username)
    await type_into(page, page.locator("#display_name"), "Jo Patel")
    await type_into(page, page.locator("#new-password"), password)
    await tab_to(page, page.get_by_label("Finance"))
    await page.keyboard.press("Space")
    await activate(page, page.get_by_role("button", name="Add the user"))
    await expect(page.locator("#flash")).to_contain_text("Jo Patel can now sign in")
    await expect(page.locator("#user-facts")).to_contain_text("Finance")
    assert _signs_in(served_suite, username, password) == 200
    await check_screen(page, "admin user")

    await page.get_by_role("button", name="Disable the account").click()
    await confirm_with_reason(page, "Disable the account", "Why", "Left the council")
    await expect(page.locator("#flash")).to_contain_text("Jo Patel is disabled")
    await expect(page.locator("main .govuk-tag").first).to_have_text("Disabled")
    assert _signs_in(served_suite, username, password) == 401

    await page.get_by_role("button", name="Enable the account").click()
    await page.get_by_label("Why").fill("Came back from leave")
    await page.get_by_role("button", name="Enable the account").click()
    await expect(page.locator("#flash")).to_contain_text("is enabled")
    await page.fill("#reset-password-value", "a-brand-new-password")
    await page.get_by_role("button", name="Reset the password").click()
    await expect(page.locator("#flash")).to_contain_text("password of Jo Patel is reset")
    assert _signs_in(served_suite, username, "a-brand-new-password") == 200

    # A provider's staff user: refused without its provider, then bound to it.
    await page.locator("#nav").get_by_role("link", name="Users").click()
    await page.get_by_role("button", name="Add a user").click()
    await page.fill("#username", f"dana.{uuid.uuid4().hex[:4]}")
    await page.fill("#new-password", "a-long-provider-password")
    await page.get_by_label("Provider", exact=True).check()
    await page.get_by_role("button", name="Add the user").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("must name its provider")
    await expect(page.locator("#provider_id-error")).to_contain_text("must name its provider")
    await check_screen(page, "admin user refused")
    await page.select_option("#provider_id", provider["id"])
    await page.get_by_role("button", name="Add the user").click()
    await expect(page.locator("#user-facts")).to_contain_text(provider["name"])


async def test_an_administrator_adds_renews_and_revokes_an_api_client(served_suite: str, page: Page) -> None:
    await sign_in(page, served_suite, "admin", ADMIN_PASSWORD)
    await page.locator("#nav").get_by_role("link", name="API clients").click()
    await expect(page.locator("h1")).to_have_text("API clients")
    name = f"Ledger {uuid.uuid4().hex[:4]}"
    await page.fill("#client-name", name)
    await page.get_by_label("Finance").check()
    await page.get_by_role("button", name="Add the client").click()
    await expect(page.locator("#secret")).to_contain_text(f"{name} is added")
    client_id = (await page.locator("#client-id").text_content() or "").strip()
    secret = (await page.locator("#client-secret").text_content() or "").strip()
    assert _client_signs_in(served_suite, client_id, secret) == 200
    await check_screen(page, "admin api clients")

    row = page.locator(f"#clients tr[data-id='{client_id}']")
    await row.get_by_role("button", name="New secret").click()
    await page.get_by_label("Why").fill("The old secret was pasted into a ticket")
    await page.get_by_role("button", name="Make a new secret").click()
    await expect(page.locator("#secret")).to_contain_text(f"The new secret of {name}")
    renewed = (await page.locator("#client-secret").text_content() or "").strip()
    assert renewed != secret
    await row.get_by_role("button", name="Revoke").click()
    await page.get_by_label("Why").fill("The ledger is retired")
    await page.get_by_role("button", name="Revoke the client").click()
    await expect(page.locator("#flash")).to_contain_text(f"{name} is revoked")
    await expect(row).to_contain_text("Revoked")
    assert _client_signs_in(served_suite, client_id, renewed) == 401
