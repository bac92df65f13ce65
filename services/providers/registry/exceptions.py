"""The registry's refusals, each with its status and problem type (shared/errors.py)."""

from collections.abc import Sequence

from services.providers.registry.domain import FieldProblem
from shared.errors import Conflict, NotFound, Unprocessable


class ProviderNotFound(NotFound):
    title = "No such provider"


class EmbargoNotFound(NotFound):
    title = "No such embargo"


class EmbargoNotOpen(Conflict):
    problem_type = "embargo-not-open"
    title = "The embargo is already lifted or ended"


class RegulatorIdTaken(Conflict):
    problem_type = "regulator-id-taken"
    title = "Another provider holds that regulator id"


class RatingExists(Conflict):
    problem_type = "rating-exists"
    title = "That regulator's rating published on that date is already recorded"


class InvalidRegistryInput(Unprocessable):
    """A rule of the registry refused fields of the request; `errors` lists them like schema errors."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__(
            "; ".join(f"{problem.field}: {problem.message}" for problem in problems),
            errors=[{"field": problem.field, "message": problem.message} for problem in problems],
        )
