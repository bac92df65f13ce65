from shared.errors import SuiteError, Unprocessable


class UnreadableImport(Unprocessable):
    """Not a placements document at all (not JSON, no `placements`, a CSV without its required columns):
    nothing is imported."""

    problem_type = "unreadable-import"
    title = "The import body cannot be read"


class TooManyPlacements(Unprocessable):
    problem_type = "too-many-placements"
    title = "Too many placements for one request"


class UnsupportedMediaType(SuiteError):
    status = 415
    problem_type = "unsupported-media-type"
    title = "Send application/json or text/csv"


class PayloadTooLarge(SuiteError):
    status = 413
    problem_type = "payload-too-large"
    title = "The body is too large"
