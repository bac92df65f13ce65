from shared.errors import Unprocessable


class InvalidReconciliation(Unprocessable):
    problem_type = "reconciliation-period"
    title = "The reconciliation period is not valid"
