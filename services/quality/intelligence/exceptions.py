from shared.errors import Unprocessable


class DatedInFuture(Unprocessable):
    """A concern, monitoring visit or feedback dated after today (422, naming the date's field)."""

    problem_type = "dated-in-future"
    title = "The date is in the future"

    def __init__(self, field: str) -> None:
        message = "the date is after today: record what has happened, dated today or earlier"
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])
