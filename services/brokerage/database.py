"""The brokerage service's own tables: its models, its outbox and inbox, audit log, idempotency keys."""

from shared.db import ServiceBase, new_metadata
from shared.infra import infra_tables


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


INFRA = infra_tables(Base.metadata)
