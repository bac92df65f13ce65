"""Who may hold which roles (API.md, "Authentication and roles"), and what a local account's password must be.
Pure: no I/O."""

import re
import uuid
from collections.abc import Collection

from shared.auth import Role


def provider_binding_problem(roles: Collection[Role], provider_id: uuid.UUID | None) -> str | None:
    """A provider's account (a client, or a user of the provider's staff) holds the provider role alone and
    names its provider, so everything it reads is scoped to that provider; no other account names one."""
    if Role.PROVIDER in roles and provider_id is None:
        return "an account with the provider role must name its provider"
    if Role.PROVIDER in roles and len(set(roles)) > 1:
        return "an account with the provider role holds that role only"
    if Role.PROVIDER not in roles and provider_id is not None:
        return "only an account with the provider role names a provider"
    return None


# Words whose guessing comes first in every password-spraying list; a password made of one of them with only
# digits and symbols added ("Password2026!") is refused, as is one of digits and symbols alone ("" here).
COMMON_WORDS = frozenset({
    "", "password", "passw", "pass", "qwerty", "qwertyuiop", "qwertyuiopas", "asdfghjkl", "zxcvbnm", "letmein",
    "welcome", "admin", "administrator", "iloveyou", "monkey", "dragon", "football", "sunshine", "princess",
    "abc", "abcdef", "abcdefgh", "changeme", "secret", "homecare", "council", "summer", "winter", "spring",
    "autumn",
})
FEWEST_DISTINCT_CHARACTERS = 5


def password_problem(password: str, username: str) -> str | None:
    """A local account's password policy beyond its length (12 to 200 characters, checked at the edge), after
    the NCSC's advice: no composition rules, but none of the passwords guessed first. None when it will do."""
    if username.lower() in password.lower():
        return "a password must not contain the username"
    if len(set(password)) < FEWEST_DISTINCT_CHARACTERS:
        return f"a password needs at least {FEWEST_DISTINCT_CHARACTERS} different characters"
    if re.sub(r"[^a-z]", "", password.lower()) in COMMON_WORDS:
        return "a password must not be a common word, or digits and symbols alone"
    return None
