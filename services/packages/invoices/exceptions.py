from shared.errors import Conflict, NotFound, Unprocessable


class InvoiceNotFound(NotFound):
    title = "No such invoice"


class InvalidPeriod(Unprocessable):
    problem_type = "invoice-period"
    title = "The invoice period is not valid"


class CreditNotAllowed(Conflict):
    problem_type = "credit-note"
    title = "The credit note does not fit the invoice"


class InvalidRemittance(Unprocessable):
    problem_type = "remittance"
    title = "The remittance asked for is not valid"
