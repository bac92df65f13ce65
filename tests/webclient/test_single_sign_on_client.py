"""A council's staff member signs in to the web client through the council's identity provider (a real
OpenID provider, tests/identity_provider.py), and lands on their first screen with the roles of their groups,
the token nowhere in the address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.identity_provider import gateway_settings, running_identity_provider
from tests.served import free_port, serving_suite
from tests.webclient.checks import check_screen


@pytest.fixture(scope="module")
def sso_served_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_identity_provider(base) as issuer, serving_suite(
            tmp_path_factory.mktemp("sso-served"), port, gateway_settings(issuer, base)) as served:
        yield served


async def test_staff_sign_in_with_the_councils_identity_provider(sso_served_suite: str, page: Page) -> None:
    await page.goto(sso_served_suite + "/app/#/login")
    offered = page.get_by_role("button", name="Sign in with Northshire County Council")
    await expect(offered).to_be_visible()
    await expect(page.locator("#username")).to_be_visible()  # local accounts remain
    await check_screen(page, "sign in with single sign-on")

    await offered.click()
    await page.fill("input[name=login]", "alice")  # the provider's own sign-in page
    await page.fill("input[name=password]", "any")
    await page.click("button[type=submit]")

    await expect(page.locator("#who-name")).to_have_text("Signed in as Alice Broker")
    assert page.url.startswith(sso_served_suite + "/app/#/")
    assert "token" not in page.url
    await expect(page.locator("#navigation [data-role=broker]").first).to_be_visible()
    assert await page.evaluate("() => sessionStorage.getItem('token') !== null")


async def test_a_refused_single_sign_on_is_told_in_words_on_the_sign_in_page(
        sso_served_suite: str, page: Page) -> None:
    await page.goto(sso_served_suite + "/app/#/login")
    await page.get_by_role("button", name="Sign in with Northshire County Council").click()
    await page.fill("input[name=login]", "mallory")  # signed in by the provider, in no group mapped to a role
    await page.fill("input[name=password]", "any")
    await page.click("button[type=submit]")

    summary = page.locator("#login .govuk-error-summary")
    await expect(summary).to_contain_text("your account holds no role in this service")
    await expect(summary).to_be_focused()
    assert page.url == sso_served_suite + "/app/#/"
    assert await page.evaluate("() => sessionStorage.getItem('token') === null")
    await expect(page.locator("#username")).to_be_visible()
    await check_screen(page, "single sign-on refused")
