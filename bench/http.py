"""Servers under test and the load that measures them, as a new user would see them: each ASGI app in its
own uvicorn process (one worker, no access log), or the whole suite as `make run-distributed` runs it,
loaded by `wrk` with one thread, nginx from Debian as the reference proxy. Everything listens on
127.0.0.1 only, and every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.infra import process_stat

TOOLS_HINT = "make bench installs them; by hand: apt-get install -y wrk nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tool(name: str) -> str:
    """The path of a Debian tool the benchmarks need (nginx lives in /usr/sbin, not always on PATH)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise RuntimeError(f"`{name}` is not installed: {TOOLS_HINT}")
    return found


@dataclass
class Server:
    """A running server process: its base URL and pid (to read its memory)."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.pid)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time process `pid` has used: per request, a figure a busy machine hardly
    moves, where latency and throughput swing with the other processes' load."""
    _, fields = process_stat(Path(f"/proc/{pid}/stat"))
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory process `pid` has had since it started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


async def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path,
                         path: str = "/health/live") -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(int(seconds * 10)):
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited at start:\n{_tail(log)}")
            try:
                if (await client.get(url + path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start within {seconds} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def _spawn(command: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)


def _log_file(prefix: str) -> Path:
    descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=".log")
    os.close(descriptor)
    return Path(name)


@asynccontextmanager
async def uvicorn(factory: str, env: Mapping[str, str], *, start_seconds: float = 60) -> AsyncIterator[Server]:
    """`uvicorn FACTORY --factory` on a free port with `env` added to ours; stopped (SIGINT, then
    SIGKILL) on the way out so its lifespan closes its connections."""
    port = free_port()
    log = _log_file("bench-uvicorn-")
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
    process = _spawn(command, env, log)
    server = Server(url=f"http://127.0.0.1:{port}", process=process)
    try:
        await _wait_until_up(server.url, process, start_seconds, log)
        yield server
    finally:
        await _stop(process)
        os.unlink(log)


STARTED = re.compile(r"^supervisor\s+\| (\S+) started \(pid (\d+)\)", re.MULTILINE)


@dataclass
class Distributed:
    """`make run-distributed`'s supervisor running: the gateway's URL, and the processes it started."""

    url: str
    supervisor: subprocess.Popen[bytes]
    log: Path

    def processes(self) -> dict[str, int]:
        """Each process's label (gateway, providers, brokerage-1, ...) and pid, as the supervisor announced
        them, checked against its children in /proc."""
        announced = {match.group(1): int(match.group(2)) for match in STARTED.finditer(self.log.read_text())}
        pid = self.supervisor.pid
        children = {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
        if not announced or set(announced.values()) != children:
            raise RuntimeError(f"the supervisor announced {announced} but its children are {children}")
        return announced


@asynccontextmanager
async def distributed(env: Mapping[str, str], *, start_seconds: float = 180) -> AsyncIterator[Distributed]:
    """`make run-distributed` (`python -m services.distributed`) with its gateway on a free port and `env`
    added to ours, once its gateway answers ready; stopped with SIGINT as a person would (the supervisor
    stops its processes; a SIGKILL, the last resort, would orphan them)."""
    port = free_port()
    log = _log_file("bench-distributed-")
    process = _spawn([sys.executable, "-m", "services.distributed", "--port", str(port)], env, log)
    suite = Distributed(url=f"http://127.0.0.1:{port}", supervisor=process, log=log)
    try:
        await _wait_until_up(suite.url, process, start_seconds, log, path="/health/ready")
        yield suite
    finally:
        await _stop(process, seconds=60)
        os.unlink(log)


async def _stop(process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        for _ in range(int(seconds * 10)):
            if process.poll() is not None:
                return
            await asyncio.sleep(0.1)
        process.kill()
    process.wait()


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream service {{ server {upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


@asynccontextmanager
async def nginx(upstream: str) -> AsyncIterator[str]:
    """Debian's nginx with `proxy_pass` (keep-alive to the upstream, one worker, as an operations team
    would set it up) in front of `upstream` (`host:port`); yields its base URL."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    process = _start_nginx(folder, upstream, port)
    try:
        await _wait_until_up(f"http://127.0.0.1:{port}", process, 10, folder / "error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _start_nginx(folder: Path, upstream: str, port: int) -> subprocess.Popen[bytes]:
    folder.chmod(0o755)  # its worker runs as nobody
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, upstream=upstream, port=port))
    return _spawn([tool("nginx"), "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")], {},
                  folder / "output.log")


@dataclass(frozen=True)
class Load:
    """What `wrk` measured: requests, requests per second and latency percentiles in ms; and when the
    server was named, its CPU milliseconds per request."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float | None = None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise RuntimeError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


async def wrk(url: str, *, connections: int, seconds: int, token: str | None = None, script: Path | None = None,
              script_args: Sequence[str] = ()) -> Load:
    """`wrk -t1` (one thread) at `connections` for `seconds`, with a Lua `script` (given `script_args`) making
    the requests when one is named; any answer but 2xx fails the benchmark, so a refused token or a rate
    limit never passes for speed."""
    command = [tool("wrk"), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script is not None:
        command += ["-s", str(script)]
    command += [url, *(["--", *script_args] if script_args else [])]
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True,
                                   timeout=seconds + 60, check=True)
    output = done.stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests on {url}:\n{output}")
    count = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if count is None or rate is None or p50 is None or p99 is None:
        raise RuntimeError(f"unreadable wrk output:\n{output}")
    return Load(requests=int(count.group(1)), requests_per_second=float(rate.group(1)), p50_ms=_ms(p50.group(1)),
                p99_ms=_ms(p99.group(1)))
