"""The token endpoint's refusals, each with RFC 6749 5.2's `error` and `error_description` beside the problem's
own fields, so stock OAuth2 libraries read them and people read the problem."""

from typing import ClassVar

from shared.errors import REALM, SuiteError


class OAuthError(SuiteError):
    oauth_error: ClassVar[str]

    def __init__(self, detail: str = "", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, headers=headers, error=self.oauth_error, error_description=detail or self.title)


class InvalidRequest(OAuthError):
    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "invalid-request"
    title: ClassVar[str] = "The token request is incomplete"
    oauth_error: ClassVar[str] = "invalid_request"


class InvalidGrant(OAuthError):
    """RFC 6749 5.2 answers 400 for a bad password; the contract asks 401 for any failed sign-in."""

    status: ClassVar[int] = 401
    problem_type: ClassVar[str] = "invalid-grant"
    title: ClassVar[str] = "The credentials are not valid"
    oauth_error: ClassVar[str] = "invalid_grant"


class InvalidClient(OAuthError):
    """A machine client's id or secret is wrong, or the client is revoked: 401 with a Basic challenge."""

    status: ClassVar[int] = 401
    problem_type: ClassVar[str] = "invalid-client"
    title: ClassVar[str] = "The client credentials are not valid"
    oauth_error: ClassVar[str] = "invalid_client"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})


class UnsupportedGrantType(OAuthError):
    status: ClassVar[int] = 400
    problem_type: ClassVar[str] = "unsupported-grant-type"
    title: ClassVar[str] = "Unsupported grant type"
    oauth_error: ClassVar[str] = "unsupported_grant_type"
