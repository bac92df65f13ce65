from shared.errors import Conflict, NotFound


class AreaNotFound(NotFound):
    title = "No such area"


class AreaCodeTaken(Conflict):
    problem_type = "area-code-taken"
    title = "An area with that code exists"
