"""RabbitMQ's queues are quorum queues: a message redelivered past the delivery limit is dead-lettered, and a
classic queue left by an earlier release is named as such instead of failing obscurely."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence

import aio_pika
import pytest

from shared.events.rabbitmq import ClassicQueueInTheWay, RabbitTransport
from shared.events.transport import Delivery
from tests import infra
from tests.harness import Backend, eventually


@pytest.fixture
async def transport(pg_backend: Backend) -> AsyncIterator[RabbitTransport]:
    assert pg_backend.broker_url is not None
    started = RabbitTransport(pg_backend.broker_url, exchange=f"test.{uuid.uuid4().hex[:8]}", delivery_limit=2)
    await started.start()
    await started.wait_connected(30)
    yield started
    await started.close()


def _queue_types(broker_url: str) -> dict[str, str]:
    listed = infra.rabbitmqctl("list_queues", "-p", broker_url.rsplit("/", 1)[1], "--no-table-headers", "--quiet",
                               "name", "type")
    return dict(line.split("\t") for line in listed.splitlines() if line.strip())


async def _left_in(broker_url: str, queue: str) -> list[bytes]:
    connection = await aio_pika.connect(broker_url)
    try:
        declared = await (await connection.channel()).get_queue(queue, ensure=False)
        left = []
        while (message := await declared.get(no_ack=True, fail=False)) is not None:
            left.append(message.body)
        return left
    finally:
        await connection.close()


async def test_every_queue_of_a_service_is_a_quorum_queue(transport: RabbitTransport) -> None:
    queue = f"quorum-{uuid.uuid4().hex[:8]}.events"
    await transport.declare(queue, ["test.pinged.v1"])
    types = _queue_types(transport.url)
    ours = {name: kind for name, kind in types.items() if name.startswith(queue)}
    assert set(ours) == {queue, queue + ".dead", *(f"{queue}.retry.{n}" for n in range(2, 6))}
    assert set(ours.values()) == {"quorum"}


async def test_deliveries_handled_together_are_all_acknowledged(transport: RabbitTransport) -> None:
    queue = f"together-{uuid.uuid4().hex[:8]}.events"
    await transport.declare(queue, ["test.pinged.v1"])
    for number in range(40):
        await transport.publish(routing_key="test.pinged.v1", body=str(number).encode(), message_id=f"m-{number}")
    batches: list[list[bytes]] = []

    async def one(delivery: Delivery) -> None:
        batches.append([delivery.body])

    async def together(deliveries: Sequence[Delivery]) -> None:
        batches.append([delivery.body for delivery in deliveries])

    await transport.subscribe(queue=queue, routing_keys=["test.pinged.v1"], handler=one, batch_handler=together)
    await eventually(lambda: sum(len(batch) for batch in batches) == 40)
    assert [body for batch in batches for body in batch] == [str(number).encode() for number in range(40)]
    assert max(len(batch) for batch in batches) > 1
    await asyncio.sleep(0.2)  # the acks go out as the last handler returns
    await transport.close()  # what it left unacknowledged goes back to the queue
    assert await _left_in(transport.url, queue) == []


async def test_a_message_requeued_past_the_delivery_limit_is_dead_lettered(transport: RabbitTransport) -> None:
    queue = f"limit-{uuid.uuid4().hex[:8]}.events"
    await transport.declare(queue, ["test.pinged.v1"])
    await transport.publish(routing_key="test.pinged.v1", body=b"crashes its consumer", message_id="m-1")
    connection = await aio_pika.connect(transport.url)
    try:
        channel = await connection.channel()
        declared = await channel.get_queue(queue, ensure=False)
        while (message := await declared.get(no_ack=False, fail=False)) is not None:
            await message.nack(requeue=True)  # as a consumer that dies before it settles
    finally:
        await connection.close()
    dead = await eventually(lambda: transport.dead_letters(queue))
    assert [(d.message_id, d.body) for d in dead] == [("m-1", b"crashes its consumer")]


async def test_a_classic_queue_of_an_earlier_release_is_named_with_the_way_to_move_it(
    transport: RabbitTransport,
) -> None:
    queue = f"classic-{uuid.uuid4().hex[:8]}.events"
    connection = await aio_pika.connect(transport.url)
    try:
        channel = await connection.channel()
        await channel.declare_queue(queue, durable=True)
        with pytest.raises(ClassicQueueInTheWay, match="Moving to quorum queues"):
            await transport.declare(queue, ["test.pinged.v1"])
        await channel.queue_delete(queue)
    finally:
        await connection.close()
