from typing import ClassVar

from shared.errors import SuiteError


class InvalidGrant(SuiteError):
    """RFC 6749 5.2 answers 400 for bad credentials; the contract asks 401 for any failed sign-in."""

    status: ClassVar[int] = 401
    problem_type: ClassVar[str] = "invalid-grant"
    title: ClassVar[str] = "The credentials are not valid"


class UnsupportedGrantType(SuiteError):
    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "unsupported-grant-type"
    title: ClassVar[str] = "Unsupported grant type"
