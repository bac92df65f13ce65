from services.brokerage.referrals.domain import FieldProblem, problems_text
from shared.errors import Conflict, NotFound, Unprocessable


class ReferralNotFound(NotFound):
    problem_type = "referral-not-found"
    title = "No such referral"


class ReferralClosed(Conflict):
    problem_type = "referral-closed"
    title = "The referral is already placed or cancelled"


class InvalidReferral(Unprocessable):
    """A referral breaking a rule (NICE short visits, start date, unknown area): nothing is stored."""

    problem_type = "invalid-referral"
    title = "The referral breaks a rule"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(problems_text(problems),
                         errors=[{"field": each.field, "message": each.message} for each in problems])


class UnknownProvider(Unprocessable):
    problem_type = "unknown-provider"
    title = "The provider is not known to brokerage"

    def __init__(self) -> None:
        super().__init__("provider_id: no such provider in the registry",
                         errors=[{"field": "provider_id", "message": "no such provider in the registry"}])
