from shared.errors import NotFound, Unprocessable


class NotAssessed(NotFound):
    """A provider quality has not scored (unknown to it, or not yet announced by the registry)."""

    problem_type = "not-assessed"
    title = "Quality has not assessed this provider"


class UnknownProvider(Unprocessable):
    """Quality records only concern providers the registry has announced (422, field `provider_id`)."""

    def __init__(self) -> None:
        super().__init__(
            "provider_id: no provider with this id is known to quality monitoring.",
            errors=[{"field": "provider_id", "message": "No provider with this id is known."}],
        )
