from shared.errors import Conflict, NotFound


class OfferNotFound(NotFound):
    problem_type = "offer-not-found"
    title = "No such offer"


class OfferClosed(Conflict):
    """Late, declined, withdrawn, expired or already accepted: the answer came too late or twice."""

    problem_type = "offer-closed"
    title = "The offer can no longer be answered"


class ProviderNoLongerEligible(Conflict):
    """Something changed since the offer (a cap reached by another placement, an embargo)."""

    problem_type = "provider-no-longer-eligible"
    title = "The provider can no longer take this referral"
