"""The local accounts' password policy (pure rules; the API's refusals are in test_users.py)."""

from __future__ import annotations

import pytest

from services.gateway.admin.domain import password_problem


@pytest.mark.parametrize(("password", "problem"), [
    ("Password2026!", "a password must not be a common word, or digits and symbols alone"),
    ("qwertyuiop123", "a password must not be a common word, or digits and symbols alone"),
    ("2026-11-29 12:00", "a password must not be a common word, or digits and symbols alone"),
    ("aaaaaaaaaaaaaaaa", "a password needs at least 5 different characters"),
    ("abababababab1", "a password needs at least 5 different characters"),
    ("j.smith-is-my-name", "a password must not contain the username"),
    ("J.SMITH-shouting", "a password must not contain the username"),
])
def test_a_password_guessed_first_is_refused_with_the_reason(password: str, problem: str) -> None:
    assert password_problem(password, "j.smith") == problem


@pytest.mark.parametrize("password", ["correct horse battery", "a-long-password", "Oak Lane 14 kettle"])
def test_a_long_unguessable_password_will_do(password: str) -> None:
    assert password_problem(password, "j.smith") is None
