"""The providers service's own tables: its models, its outbox and inbox, its audit log."""

from shared.audit import audit_table
from shared.db import ServiceBase, new_metadata
from shared.events.tables import event_tables


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


EVENT_TABLES = event_tables(Base.metadata)
AUDIT_TABLE = audit_table(Base.metadata)
