"""docker-compose.yml's shape: every long-running container has a health check, every dependency waits on
a condition (the migrate job's completion, the others' health), no secret is written in the file (they come
from env files and secret files kept out of git, each with an example), the image's base is a build argument;
and Compose itself accepts the file, alone and with docker-compose.local.yml, where Compose is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
LOCAL = yaml.safe_load((ROOT / "docker-compose.local.yml").read_text())
SECRET_NAME = re.compile(r"PASS|SECRET|KEY|TOKEN")
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
CONFIG_DIR = "${SUITE_CONFIG_DIR:-deploy}"


def _by_default(path: str) -> str:
    """A secret file's path where SUITE_CONFIG_DIR is not set: in deploy/ of the checkout."""
    return path.replace(CONFIG_DIR, "deploy")


def _one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def _env_files(service: dict[str, Any]) -> list[str]:
    files = service.get("env_file", [])
    return [_by_default(path) for path in ([files] if isinstance(files, str) else files)]


def test_every_long_running_container_has_a_health_check() -> None:
    for name, service in COMPOSE["services"].items():
        assert _one_shot(service) or service["healthcheck"]["test"], name


def test_every_dependency_waits_for_health_or_for_the_one_shot_job_to_finish() -> None:
    services = COMPOSE["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if _one_shot(services[dependency]) else "service_healthy"
            assert condition == {"condition": expected}, (name, dependency)
    one_shots = [name for name, service in services.items() if _one_shot(service)]
    assert one_shots == ["migrate"]
    assert services["migrate"]["command"] == ["python", "-m", "services.migrate"]
    suite = [name for name, service in services.items()
             if service.get("image", "").startswith("homecare-suite") and not _one_shot(service)]
    assert all("migrate" in _waits_for(name, services) for name in suite)


def _waits_for(name: str, services: dict[str, Any]) -> set[str]:
    """Every container `name` starts after, directly or through another."""
    direct = set(services[name].get("depends_on", {}))
    return direct.union(*(_waits_for(dependency, services) for dependency in direct))


def test_no_secret_is_written_in_the_compose_files() -> None:
    for compose in (COMPOSE, LOCAL):
        for name, service in compose["services"].items():
            environment = service.get("environment", {})
            assert not [key for key in environment if SECRET_NAME.search(key)], name
            assert not [value for value in environment.values() if CREDENTIALS_IN_URL.search(str(value))], name


def test_the_secrets_files_are_kept_out_of_git_and_have_examples() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    env_files = {path for service in COMPOSE["services"].values() for path in _env_files(service)}
    for path in env_files:
        assert path in ignored
        assert (ROOT / f"{path}.example").exists(), path
    for secret in COMPOSE["secrets"].values():
        assert any(_by_default(secret["file"]).startswith(entry) for entry in ignored if entry.endswith("/")), secret


def test_the_image_base_is_a_build_argument_defaulting_to_the_public_python_image() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE}\n" in dockerfile
    assert COMPOSE["x-build"]["args"]["BASE_IMAGE"] == "${BASE_IMAGE:-python:3.11-slim}"
    assert set(LOCAL["services"]) == set(COMPOSE["services"])


def _compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.mark.skipif(_compose_command() is None and not os.environ.get("CI"),
                    reason="neither docker compose nor docker-compose is installed (.ci/run installs it)")
@pytest.mark.parametrize("files", [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.local.yml"]])
def test_compose_accepts_the_files(files: list[str], tmp_path: Path) -> None:
    """In a copy whose secret files are made from the examples, as a deployer would."""
    for name in files:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy", ignore=shutil.ignore_patterns("k8s", "*.env", "keys"))
    for example in (tmp_path / "deploy").glob("*.env.example"):
        shutil.copy(example, example.with_suffix(""))
    for secret in COMPOSE["secrets"].values():
        key = tmp_path / _by_default(secret["file"])
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_text("not a key\n")
    command = [*(_compose_command() or []), *[arg for name in files for arg in ("-f", name)], "config", "-q"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
