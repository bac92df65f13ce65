from shared.errors import Conflict, NotFound


class VisitNotFound(NotFound):
    title = "No such visit"


class VisitVoided(Conflict):
    problem_type = "visit-voided"
    title = "The visit was voided"


class VisitNotPending(Conflict):
    problem_type = "visit-not-pending"
    title = "The visit is not waiting for a decision"


class NoExtension(Conflict):
    problem_type = "no-extension"
    title = "There is no extension to approve"
