from shared.errors import Conflict, NotFound, Unprocessable


class PackageNotFound(NotFound):
    title = "No such package"


class WrongStatus(Conflict):
    problem_type = "package-status"
    title = "The package's status does not allow that"


class InvalidDate(Unprocessable):
    problem_type = "package-date"
    title = "The date does not fit the package"


class ShortVisitRefused(Unprocessable):
    problem_type = "short-visit"
    title = "A visit under 30 minutes does not meet the NICE conditions"
