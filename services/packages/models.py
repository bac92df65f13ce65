"""Every table of the service, imported here so Alembic sees the whole metadata."""

from services.packages.care.models import Package, PackageTerm, Suspension
from services.packages.contracts.models import ProviderContracts
from services.packages.costing.models import FinancialAssessment, RateCard
from services.packages.database import INFRA, Base
from services.packages.invoices.models import Invoice, InvoiceCounter, InvoiceLine
from services.packages.visits.models import Visit, VisitRevision

__all__ = [
    "INFRA", "Base", "FinancialAssessment", "Invoice", "InvoiceCounter", "InvoiceLine", "Package",
    "PackageTerm", "ProviderContracts", "RateCard", "Suspension", "Visit", "VisitRevision",
]
