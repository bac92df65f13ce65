"""A RabbitMQ node and a PostgreSQL cluster of the fault tests' own, on free ports in a temporary folder:
the fault tests stop and start these, never the shared servers other work on the machine uses.

Both are removed when their fixture ends, even after a failure or a SIGTERM: the node is stopped (killed
if it will not stop), the cluster stopped at once, their folders deleted. What a run killed outright
(SIGKILL) left behind is removed by the next one: each folder names the test process that owns it.
Starting them costs about 6s (RabbitMQ) and 2s (PostgreSQL). A pytest plugin (tests/conftest.py names it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import Backend, delete_queues, empty_databases, migrate_backend
from tests.served import free_port

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")  # the real scripts: /usr/sbin's wrappers switch to the rabbitmq user
STARTUP_SECONDS = 90
RABBIT_PREFIX, POSTGRES_PREFIX = "suite-private-rabbit-", "suite-private-pg-"


def _own_folder(prefix: str) -> Path:
    """A new temporary folder that names this test process as its owner."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / "owner").write_text(str(os.getpid()))
    return folder


def _orphans(prefix: str) -> list[Path]:
    """Folders of `prefix` whose owning test process is gone (killed before it could clean up)."""
    found = []
    for folder in Path(tempfile.gettempdir()).glob(prefix + "*"):
        try:
            os.kill(int((folder / "owner").read_text()), 0)
        except (ProcessLookupError, FileNotFoundError, ValueError):
            found.append(folder)
        except PermissionError:  # alive, someone else's
            pass
    return found


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """`timeout` and CI stop a run with SIGTERM, which Python does not clean up after: made an interrupt,
    the fixtures' cleanup still runs."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if _listening(port):
            return
        time.sleep(0.1)
    raise AssertionError(f"the private server did not open port {port}: " + log.read_text()[-2000:])


@dataclass
class PrivateRabbit:
    """A RabbitMQ node of its own: its name, AMQP port and folder (its Erlang cookie lives there, as HOME)."""

    node: str
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str) -> str:
        done = subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args], capture_output=True,
                              text=True, timeout=120, check=True, env={**os.environ, "HOME": str(self.folder)})
        return done.stdout

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup", "--timeout", str(STARTUP_SECONDS))

    def is_running(self) -> bool:
        """Whether the broker takes connections (`stop_app` closes its listener)."""
        return _listening(self.port)


@contextlib.contextmanager
def private_rabbit() -> Iterator[PrivateRabbit]:
    for orphan in _orphans(RABBIT_PREFIX):
        _remove_orphan_node(orphan)
    folder = _own_folder(RABBIT_PREFIX)
    rabbit = PrivateRabbit(node=f"suite-test-{uuid.uuid4().hex[:8]}@localhost", port=free_port(), folder=folder)
    (folder / "node").write_text(rabbit.node)
    (folder / "enabled_plugins").write_text("[].\n")  # no management plugin: nothing else to start or to bind
    env = {**os.environ, "HOME": str(folder), "RABBITMQ_NODENAME": rabbit.node,
           "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(rabbit.port),
           "RABBITMQ_DIST_PORT": str(free_port()), "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
           "RABBITMQ_LOG_BASE": str(folder / "log"), "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
           "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
           "RABBITMQ_PID_FILE": str(folder / "pid")}
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(rabbit.port, process, log)
        yield rabbit
    finally:
        _stop_node(rabbit, process)
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphan_node(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError, subprocess.SubprocessError):
        PrivateRabbit(node=(folder / "node").read_text(), port=0, folder=folder).ctl("stop")
    shutil.rmtree(folder, ignore_errors=True)


def _stop_node(rabbit: PrivateRabbit, process: subprocess.Popen[bytes]) -> None:
    """`rabbitmqctl stop` halts the node; if it will not, its whole process group is killed."""
    with contextlib.suppress(subprocess.SubprocessError):
        rabbit.ctl("stop")
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster of its own (trust authentication, user postgres) on a free port."""

    port: int
    folder: Path

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stops at once, as a crash would: clients see their connections dropped."""
        self._pg_ctl("stop", "-m", "immediate")

    def start(self) -> None:
        self._pg_ctl("start", "-w", "-l", str(self.folder / "server.log"), "-o",
                     f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off")

    def is_running(self) -> bool:
        return subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.folder / "data"), "status"]),
                              capture_output=True).returncode == 0

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.folder / "data"), *args]),
                       capture_output=True, timeout=120, check=True)


def _pg_bin(program: str) -> str:
    """The newest installed PostgreSQL's `program` (Debian keeps each version under /usr/lib/postgresql)."""
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"), key=lambda path: int(path.parts[-3]))
    if not versions:
        raise AssertionError(f"PostgreSQL's {program} is not installed")
    return str(versions[-1])


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, commands run as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivateCluster]:
    for orphan in _orphans(POSTGRES_PREFIX):
        _remove_orphan_cluster(orphan)
    folder = _own_folder(POSTGRES_PREFIX)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivateCluster(port=free_port(), folder=folder)
    try:
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                                     "-E", "UTF8", "--no-sync"]), capture_output=True, timeout=120, check=True)
        cluster.start()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphan_cluster(folder: Path) -> None:
    cluster = PrivateCluster(port=0, folder=folder)
    if (folder / "data").exists() and cluster.is_running():
        cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def rabbit_node() -> Iterator[PrivateRabbit]:
    with _sigterm_as_interrupt(), private_rabbit() as rabbit:
        yield rabbit


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PrivateCluster]:
    with _sigterm_as_interrupt(), private_postgres() as cluster:
        yield cluster


@pytest.fixture(scope="session")
async def private_backend(rabbit_node: PrivateRabbit, postgres_cluster: PrivateCluster,
                          tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """The suite on the private node and cluster, migrated once."""
    backend = Backend(name="private", data_dir=tmp_path_factory.mktemp("private"),
                      database_url=postgres_cluster.url("postgres"), broker_url=rabbit_node.url)
    await migrate_backend(backend)
    return backend


@pytest.fixture
async def fault_backend(private_backend: Backend, rabbit_node: PrivateRabbit,
                        postgres_cluster: PrivateCluster) -> AsyncIterator[Backend]:
    """The private backend emptied; whatever a fault test stopped is running again afterwards."""
    await empty_databases(private_backend)
    yield private_backend
    if not postgres_cluster.is_running():
        postgres_cluster.start()
    if not rabbit_node.is_running():
        rabbit_node.start_app()
    await delete_queues(private_backend.broker_url or "")
