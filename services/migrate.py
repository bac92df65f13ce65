"""`python -m services.migrate [service ...]`: bring each service's database to its latest schema and,
with RabbitMQ configured, declare each service's durable queue and bindings, so that no event published
before a consumer first starts finds no queue."""

import argparse
import asyncio
import logging

from services.catalog import CATALOG, migrate
from services.suite import declare_queues
from shared.events.rabbitmq import ClassicQueueInTheWay, RabbitTransport
from shared.events.runtime import create_transport


async def declare_broker_topology(names: list[str], *, connect_seconds: float = 60) -> None:
    transport = create_transport(CATALOG["gateway"].settings_type())
    if not isinstance(transport, RabbitTransport):
        return
    await transport.start()
    try:
        await transport.wait_connected(connect_seconds)
        await declare_queues(transport, [CATALOG[name].create_app().state.spec for name in names])
    finally:
        await transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", help="default: all of " + ", ".join(CATALOG))
    args = parser.parse_args()
    unknown = sorted(set(args.services) - set(CATALOG))
    if unknown:
        parser.error("unknown service(s): " + ", ".join(unknown))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = args.services or list(CATALOG)
    migrate(names)
    try:
        asyncio.run(declare_broker_topology(names))
    except ClassicQueueInTheWay as exc:
        parser.exit(1, f"{exc}\n")


if __name__ == "__main__":
    main()
