"""A separate host on this machine for the partition tests: a network namespace joined to the machine by a
veth pair on a private /30, with firewall rules inside it to cut it off from a port and heal it again.

The namespace, its veth and its rules are removed when the context ends, even after a failure; what a
run killed outright left behind is removed by the next one (the names carry the owning test process's
id). Needs root (`ip netns`); anything else fails with a message saying so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

NAMESPACE_PREFIX = "suitens-"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, timeout=30, check=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's, alive
        pass
    return True


@dataclass(frozen=True)
class Namespace:
    """A namespace named after test process `pid`: `host_ip` is the machine's end of the veth, `ip` its own."""

    pid: int

    @property
    def name(self) -> str:
        return f"{NAMESPACE_PREFIX}{self.pid}"

    @property
    def host_link(self) -> str:
        return f"sns{self.pid}h"  # interface names are at most 15 characters

    @property
    def link(self) -> str:
        return f"sns{self.pid}n"

    def _address(self, last: int) -> str:
        """Address `last` (1 or 2) of a /30 in 10.231.0.0/16 chosen by the pid, so runs at the same time
        do not share one."""
        start = self.pid % 16384 * 4
        return f"10.231.{start // 256}.{start % 256 + last}"

    @property
    def host_ip(self) -> str:
        return self._address(1)

    @property
    def ip(self) -> str:
        return self._address(2)

    def exec_prefix(self) -> list[str]:
        """What runs a command inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def _firewall(self, action: str, port: int) -> None:
        """Both directions of `port` on the machine's end: nothing reaches it, nothing comes back from it."""
        for rule in (["OUTPUT", "-p", "tcp", "-d", self.host_ip, "--dport", str(port)],
                     ["INPUT", "-p", "tcp", "-s", self.host_ip, "--sport", str(port)]):
            subprocess.run([*self.exec_prefix(), "iptables", action, *rule, "-j", "DROP"],
                           capture_output=True, timeout=30, check=True)

    @contextlib.contextmanager
    def cut_off_from(self, port: int) -> Iterator[None]:
        """Partitions the namespace from the machine's `port` until the context ends (the partition heals)."""
        self._firewall("-A", port)
        try:
            yield
        finally:
            self._firewall("-D", port)

    def create(self) -> None:
        _ip("netns", "add", self.name)
        _ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.link)
        _ip("link", "set", self.link, "netns", self.name)
        _ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_link)
        _ip("link", "set", self.host_link, "up")
        for step in (["addr", "add", f"{self.ip}/30", "dev", self.link], ["link", "set", self.link, "up"],
                     ["link", "set", "lo", "up"]):
            _ip("-n", self.name, *step)

    def remove(self) -> None:
        """Deletes the veth (its peer and the namespace's rules go with the namespace) and the namespace."""
        for args in (["link", "del", self.host_link], ["netns", "del", self.name]):
            subprocess.run(["ip", *args], capture_output=True, timeout=30)


def _orphans() -> list[Namespace]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30).stdout
    names = [line.split()[0] for line in listed.splitlines() if line.startswith(NAMESPACE_PREFIX)]
    pids = [int(name.removeprefix(NAMESPACE_PREFIX)) for name in names
            if name.removeprefix(NAMESPACE_PREFIX).isdigit()]
    return [Namespace(pid) for pid in pids if not _alive(pid)]


@contextlib.contextmanager
def separate_host() -> Iterator[Namespace]:
    """A namespace of this test process's own, removed afterwards (and any a killed run left behind)."""
    if os.geteuid() != 0:
        raise AssertionError("the partition tests make network namespaces (`ip netns`), which needs root")
    for orphan in _orphans():
        orphan.remove()
    namespace = Namespace(os.getpid())
    namespace.remove()  # a previous test of this same process that could not finish
    try:
        namespace.create()
        yield namespace
    finally:
        namespace.remove()


@contextlib.asynccontextmanager
async def forwarded(listen_on: str, port: int) -> AsyncIterator[None]:
    """Relays `listen_on`:`port` to 127.0.0.1:`port`, where the tests' own servers listen (only there), so
    the namespace reaches them at the machine's end of its veth, on the same port."""
    connections: set[asyncio.StreamWriter] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        connections.update({writer, upstream_writer})
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        connections.difference_update({writer, upstream_writer})

    server = await asyncio.start_server(relay, listen_on, port)
    try:
        yield
    finally:
        server.close()
        for writer in connections:
            writer.close()
        await server.wait_closed()
