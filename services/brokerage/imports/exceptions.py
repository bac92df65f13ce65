from shared.errors import Unprocessable


class TooManyPlacements(Unprocessable):
    problem_type = "too-many-placements"
    title = "Too many placements for one request"

