"""schemathesis, a public OpenAPI fuzzer, runs against the gateway's published document of a served suite
with a token of each role: its examples, fuzzing, stateful and coverage phases, a fixed seed, derandomized,
a bounded number of cases. No answer may be a server error or break the documented schema.

The served suite runs with the rate limit lifted (it stays on by default), as the fuzzer sends far more
requests a minute than any client should."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from tests.integrators import council_sets_up
from tests.webclient.staff import admin_headers, staff

SEED = 20261129
MAX_EXAMPLES = 5  # per operation in the examples and fuzzing phases
CHECKS = ("not_a_server_error", "response_schema_conformance")
WORKING_PHASES = ("examples", "fuzzing", "stateful")
# Whose token the fuzzer sends, in which phases, and where its coverage phase runs. That phase walks every
# boundary and wrong-type value of every parameter and field (some 60 cases an operation, whatever
# MAX_EXAMPLES says), so it runs once per operation, not per role: as a user holding every working staff
# role on all operations, and as the provider's client, the data protection officer and admin on the
# operations that never refused them (401 or 403), their own. Earlier runs must not take away a later one's
# account, so the user who can change providers comes after the provider's client, and admin, who can disable
# accounts, comes last.
RUNS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "provider": (WORKING_PHASES, "own"),
    "broker": (WORKING_PHASES, None),
    "finance": (WORKING_PHASES, None),
    "quality_officer": (WORKING_PHASES, None),
    "every_working_staff_role": ((), "all"),
    "dpo": (WORKING_PHASES, "own"),
    "admin": (WORKING_PHASES, "own"),
}
WORKING_STAFF_ROLES = ("broker", "commissioner", "finance", "quality_officer")


@pytest.fixture(scope="module")
def served_settings() -> dict[str, str]:
    return {"GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000", "GATEWAY_RATE_LIMIT_BURST": "1000000"}


@pytest.fixture(scope="module")
def role_headers(served_suite: str) -> dict[str, dict[str, str]]:
    """A token of each role, taken before any fuzzing (the fuzzer's wrong sign-ins hold this address back
    from signing in for a while, as they should)."""
    _provider_id, _area, credentials = council_sets_up(served_suite)  # so the fuzzer meets real records too
    provider_token = httpx.post(served_suite + "/api/v1/auth/token", data={
        "grant_type": "client_credentials", **credentials}).json()["access_token"]
    return {"provider": {"Authorization": f"Bearer {provider_token}"},
            **{role: staff(served_suite, role)[2] for role in ("broker", "finance", "quality_officer", "dpo")},
            "every_working_staff_role": staff(served_suite, *WORKING_STAFF_ROLES[:1],
                                              also=WORKING_STAFF_ROLES[1:])[2],
            "admin": admin_headers(served_suite)}


@dataclass
class FuzzReport:
    """What the runs did: the operations and cases per phase, those that answered the caller with a success
    at least once and those that refused it (401 or 403) at least once, and each distinct failure once."""

    operations: set[str] = field(default_factory=set)
    succeeded: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    cases: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def note(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        self.cases[event.phase.value] += len(recorder.cases)
        for case_id, node in recorder.cases.items():
            label = node.value.operation.label
            self.operations.add(label)
            interaction = recorder.interactions.get(case_id)
            status = interaction.response.status_code if interaction and interaction.response else None
            if status in (401, 403):
                self.refused.add(label)
            elif status is not None and 200 <= status < 300:
                self.succeeded.add(label)
            for check in recorder.checks.get(case_id, []):
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    self.failures.setdefault((label, check.name, failure.title),
                                             f"{failure.message[:400]}\n{check.failure_info.code_sample}")

    def summary(self) -> str:
        return (f"{len(self.operations)} operations ({len(self.succeeded)} succeeded, {len(self.refused)} refused it), "
                f"{sum(self.cases.values())} cases ({dict(self.cases)})")


def fuzz(base: str, headers: dict[str, str], phases: tuple[str, ...], report: FuzzReport,
         operations: set[str] | None = None) -> None:
    """schemathesis' engine (what its command line runs) over the served document as `headers` say, on
    `operations` (labels such as "GET /api/v1/offers") or all of them."""
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "base-url": base,
        "headers": headers,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing", "stateful")},
    })
    schema = schemathesis.openapi.from_url(base + "/openapi.json", config=config)
    if operations is not None:
        schema = schema.include(name=sorted(operations))
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            report.note(event)
        elif isinstance(event, events.NonFatalError):  # e.g. a schema it cannot generate from
            report.errors.append(f"{event.label}: {event.value!r}"[:1000])
        elif isinstance(event, events.FatalError):
            raise event.exception


def _assert_clean(report: FuzzReport) -> None:
    assert report.succeeded  # the caller got past authorization: the cases tested more than a refusal
    assert not report.errors, report.errors
    assert not report.failures, "\n\n".join(f"{key}: {detail}" for key, detail in report.failures.items())


@pytest.mark.parametrize("principal", RUNS)
def test_no_input_gets_a_server_error_or_an_undocumented_answer(
        served_suite: str, role_headers: dict[str, dict[str, str]], principal: str) -> None:
    phases, coverage = RUNS[principal]
    report = FuzzReport()
    if phases:
        fuzz(served_suite, role_headers[principal], phases, report)
    if coverage is not None:
        own = report.operations - report.refused if coverage == "own" else None
        fuzz(served_suite, role_headers[principal], ("coverage",), report, operations=own)
    print(f"{principal}: {report.summary()}")  # noqa: T201 - what was run, for the record (shown with -s)
    _assert_clean(report)
