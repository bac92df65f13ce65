"""`make run-distributed`: the suite as it is deployed apart, on one machine, for trying that out.

The gateway and every service run in a uvicorn process of their own, brokerage in two replicas, on
PostgreSQL (a database per service, `<name>_<service>` after `DATABASE_URL`'s database, made when missing)
and RabbitMQ (`BROKER_URL`). Each process's output is relayed line by line behind its name. This
supervisor makes the listening sockets itself and hands them to uvicorn (`--fd`): the gateway's on `PORT`,
each service's on a port the system picks; both brokerage replicas accept on one socket, so the gateway
reaches them at one address and the kernel shares the connections between them. With `DEMO_DATA=1` the
gateway loads the demo council once every service answers ready. SIGINT (Ctrl-C) or SIGTERM stops them
all; so does any one of them exiting, since a suite missing a service is not the suite.

    .venv/bin/python -m services.distributed [--port 8000] [--brokerage-replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from services.catalog import BACKEND_SERVICES, CATALOG, migrate
from services.demo import demo_loaded_in_background
from services.migrate import declare_broker_topology
from shared.keys import load_or_create_keypair

logger = logging.getLogger("supervisor")
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/homecare"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"
HOST = "127.0.0.1"
LABEL_WIDTH = len("brokerage-2")
STOP_SECONDS = 20.0
READY_SECONDS = 120.0


def create_gateway_app() -> FastAPI:
    """The gateway, loading the demo (when `DEMO_DATA` asks for it) once the services behind it are ready."""
    gateway = CATALOG["gateway"].create_app()
    lifespan = gateway.router.lifespan_context

    @contextlib.asynccontextmanager
    async def with_demo(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app), demo_loaded_in_background(app):
            yield

    gateway.router.lifespan_context = with_demo
    return gateway


@dataclass(frozen=True)
class Replica:
    """One process to run: `label` prefixes its output."""

    label: str
    service: str
    listener: socket.socket

    @property
    def app(self) -> str:
        if self.service == "gateway":
            return "services.distributed:create_gateway_app"
        return f"services.{self.service}.app:create_app"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", self.app, "--factory", "--fd", str(self.listener.fileno()),
                "--no-access-log"]


def database_urls(base: str) -> dict[str, str]:
    """A database per service beside `base`'s: `.../homecare` gives `.../homecare_providers` and so on."""
    url = make_url(base)
    if url.get_backend_name() != "postgresql" or not url.database:
        raise SystemExit(f"run-distributed needs a PostgreSQL DATABASE_URL naming a database, not {base!r}")
    return {name: url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
            for name in CATALOG}


def listening_socket(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn takes an `--fd` socket for a Unix one and so never sets TCP_NODELAY on what it accepts:
    # set here, the accepted connections inherit it, else Nagle and delayed ACKs hold each answer 40 ms
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((HOST, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def replicas(port: int, brokerage_replicas: int) -> list[Replica]:
    """The services first (brokerage `brokerage_replicas` times, on one socket), the gateway last."""
    made: list[Replica] = []
    for service in BACKEND_SERVICES:
        listener = listening_socket(0)
        count = brokerage_replicas if service == "brokerage" else 1
        made += [Replica(f"{service}-{n}" if count > 1 else service, service, listener) for n in range(1, count + 1)]
    return [*made, Replica("gateway", "gateway", listening_socket(port))]


def address(replica: Replica) -> str:
    host, port = replica.listener.getsockname()
    return f"http://{host}:{port}"


def environments(processes: list[Replica], databases: dict[str, str], broker_url: str) -> Iterator[dict[str, str]]:
    """Each process's environment: its own database and the broker; the gateway also every service's address."""
    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    base["BROKER_URL"] = broker_url
    upstreams = {f"GATEWAY_{each.service.upper()}_URL": address(each)
                 for each in processes if each.service != "gateway"}
    for each in processes:
        env = {**base, f"{each.service.upper()}_DATABASE_URL": databases[each.service]}
        yield {**env, **upstreams} if each.service == "gateway" else env


async def relay_output(label: str, stream: asyncio.StreamReader) -> None:
    while line := await stream.readline():
        sys.stdout.write(f"{label:<{LABEL_WIDTH}} | {line.decode(errors='replace').rstrip()}\n")
        sys.stdout.flush()


class Supervisor:
    def __init__(self, processes: list[Replica], envs: list[dict[str, str]]) -> None:
        self.processes = processes
        self.envs = envs
        self.running: dict[str, asyncio.subprocess.Process] = {}
        self.relays: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for replica, env in zip(self.processes, self.envs, strict=True):
            process = await asyncio.create_subprocess_exec(
                *replica.command(), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                pass_fds=(replica.listener.fileno(),), start_new_session=True)  # Ctrl-C reaches only this supervisor
            self.running[replica.label] = process
            assert process.stdout is not None
            self.relays.append(asyncio.create_task(relay_output(replica.label, process.stdout)))
            logger.info("%s started (pid %d) on %s", replica.label, process.pid, address(replica))

    async def first_exit(self) -> str:
        """The label of the first process to exit (when one does)."""
        waits = {asyncio.create_task(process.wait()): label for label, process in self.running.items()}
        try:
            done, _pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        return waits[done.pop()]

    async def stop(self) -> None:
        """SIGTERM to each (uvicorn finishes what it is serving), SIGKILL to any still there after a while."""
        for process in self.running.values():
            if process.returncode is None:
                process.terminate()
        for label, process in self.running.items():
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                logger.warning("%s did not stop within %.0f s: killed", label, STOP_SECONDS)
                process.kill()
                await process.wait()
        await asyncio.gather(*self.relays, return_exceptions=True)
        for replica in self.processes:
            replica.listener.close()


async def announce_when_ready(gateway: str) -> None:
    async with httpx.AsyncClient(base_url=gateway, timeout=5) as http:
        for _ in range(int(READY_SECONDS / 0.5)):
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/health/ready")).status_code == 200:
                    logger.info("the suite is ready on %s", gateway)
                    return
            await asyncio.sleep(0.5)
    logger.warning("the gateway is not ready after %.0f s: see the services' output above", READY_SECONDS)


async def supervise(supervisor: Supervisor, gateway: str) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await supervisor.start()
    announcing = asyncio.create_task(announce_when_ready(gateway))
    exited = asyncio.create_task(supervisor.first_exit())
    stop_asked = asyncio.create_task(stopping.wait())
    await asyncio.wait({exited, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
    announcing.cancel()
    stop_asked.cancel()
    status = 0
    if exited.done():
        label = exited.result()
        logger.error("%s exited (code %s): stopping the others", label, supervisor.running[label].returncode)
        status = 1
    else:
        exited.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await exited
        logger.info("stopping every process")
    await supervisor.stop()
    return status


async def prepare(databases: dict[str, str]) -> None:
    """Every service's database made when missing and migrated, and its queues declared, before any starts."""
    for name, url in databases.items():
        await asyncio.to_thread(migrate, [name], url=url)
    await declare_broker_topology(list(CATALOG))


def log_as_supervisor() -> None:
    logging.basicConfig(level=logging.INFO, format=f"{'supervisor':<{LABEL_WIDTH}} | %(message)s", force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="the gateway's")
    parser.add_argument("--brokerage-replicas", type=int, default=2)
    args = parser.parse_args()
    if args.brokerage_replicas < 1:
        parser.error("--brokerage-replicas must be 1 or more")
    log_as_supervisor()
    databases = database_urls(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    broker_url = os.environ.get("BROKER_URL") or DEFAULT_BROKER_URL
    os.environ["BROKER_URL"] = broker_url  # for the queues' declaration here
    load_or_create_keypair()  # made once here, under DATA_DIR, where every process then finds it
    try:
        asyncio.run(prepare(databases))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # PostgreSQL or RabbitMQ not there: said plainly, not as a traceback
        logger.error("could not prepare the databases and queues: %s: %s", type(exc).__name__, exc)
        sys.exit(1)
    log_as_supervisor()  # again: making the apps to declare their queues set the services' logging up here
    try:
        processes = replicas(args.port, args.brokerage_replicas)
    except OSError as exc:
        logger.error("could not listen on port %d: %s", args.port, exc.strerror)
        sys.exit(1)
    supervisor = Supervisor(processes, list(environments(processes, databases, broker_url)))
    gateway = next(address(each) for each in processes if each.service == "gateway")
    sys.exit(asyncio.run(supervise(supervisor, gateway)))


if __name__ == "__main__":
    main()
