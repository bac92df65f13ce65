from shared.errors import Conflict, NotFound, Unprocessable


class BelowMinimumWage(Unprocessable):
    problem_type = "below-minimum-wage"
    title = "The rate card leaves care workers below the minimum wage"


class NoRateCard(Unprocessable):
    problem_type = "no-rate-card"
    title = "No rate card is in force for that area and date"


class RateCardExists(Conflict):
    problem_type = "rate-card-exists"
    title = "The area already has a rate card from that date"


class AssessmentExists(Conflict):
    problem_type = "assessment-exists"
    title = "The person already has a financial assessment from that date"


class RateCardNotFound(NotFound):
    title = "No such rate card"


class AssessmentNotFound(NotFound):
    title = "No such financial assessment"
