"""A provider's developer generates a Python client from the suite's OpenAPI document with a maintained
generator (openapi-python-client, from PyPI) and runs a provider's day with it against the served suite:
a token, the open offers, an acceptance, a decline, the package, visits and invoices."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx

from tests.integrators import council_sets_up, until

PACKAGE = "suite_client"


def _generate(base: str, folder: Path) -> ModuleType:
    document = folder / "openapi.json"
    document.write_text(httpx.get(base + "/openapi.json").text)
    venv_bin = str(Path(sys.executable).parent)
    done = subprocess.run([str(Path(venv_bin) / "openapi-python-client"), "generate", "--path", str(document),
                           "--meta", "none", "--output-path", str(folder / PACKAGE)],
                          env={**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def test_a_generated_client_runs_a_providers_day(served_suite: str, tmp_path: Path) -> None:
    generated = _generate(served_suite, tmp_path)
    models = importlib.import_module(f"{PACKAGE}.models")
    provider_id, _area, credentials = council_sets_up(served_suite)

    anonymous = generated.Client(base_url=served_suite)
    from_token = importlib.import_module(f"{PACKAGE}.api.auth.token")
    granted = from_token.sync(client=anonymous, body=models.TokenForm(grant_type="client_credentials", **credentials))
    assert isinstance(granted, models.TokenResponse), granted
    assert granted.scope == "provider"
    refused = from_token.sync(client=anonymous, body=models.TokenForm(grant_type="client_credentials",
                                                                    client_id=credentials["client_id"],
                                                                    client_secret="not the secret"))
    assert isinstance(refused, models.Problem)
    assert refused.additional_properties["error"] == "invalid_client"
    client = generated.AuthenticatedClient(base_url=served_suite, token=granted.access_token)

    offers_api = importlib.import_module(f"{PACKAGE}.api.offers")
    list_offers, accept, decline, get_offer = (importlib.import_module(f"{offers_api.__name__}.{name}") for name in
                                               ("list_offers", "accept_offer", "decline_offer", "get_offer"))
    page = until(lambda: (found := list_offers.sync(client=client, status=models.OfferStatus.OPEN))
                  and len(found.items) == 2 and found)
    first, second = page.items
    assert all(str(offer.provider_id) == provider_id for offer in page.items)
    start = datetime.now(UTC).date()  # the provider starts at once: today's visit can be reported
    accepted = accept.sync(offer_id=first.id, client=client, body=models.AcceptIn(start_on=start),
                           idempotency_key=str(uuid.uuid4()))
    assert isinstance(accepted, models.OfferOut), accepted
    assert (accepted.status, accepted.start_on) == (models.OfferStatus.ACCEPTED, start)
    declined = decline.sync(offer_id=second.id, client=client,
                            body=models.DeclineIn(reason=models.DeclineReason.NO_CAPACITY))
    assert isinstance(declined, models.OfferOut)
    assert declined.status == models.OfferStatus.DECLINED
    missing = get_offer.sync(offer_id=uuid.uuid4(), client=client)
    assert isinstance(missing, models.Problem)
    assert missing.status == 404

    list_packages = importlib.import_module(f"{PACKAGE}.api.packages.list_packages")
    packages = until(lambda: (found := list_packages.sync(client=client)) and found.items and found)
    [package] = packages.items
    record_visits = importlib.import_module(f"{PACKAGE}.api.visits.record_visits")
    visit = models.VisitIn(visit_id="ROTA-1", package_id=package.id, date=start, planned_start="08:00",
                           actual_start="08:04", planned_minutes=60, actual_minutes=60, carers=1,
                           outcome=models.VisitOutcome.DELIVERED)
    report = record_visits.sync(client=client, body=models.VisitsIn(visits=[visit]))
    assert isinstance(report, models.VisitsReport), report
    assert json.loads(json.dumps(report.to_dict()))["recorded"] == 1
    list_visits = importlib.import_module(f"{PACKAGE}.api.visits.list_visits")
    visits = list_visits.sync(client=client)
    assert [(each.visit_id, each.planned_start) for each in visits.items] == [("ROTA-1", "08:00")]
    list_invoices = importlib.import_module(f"{PACKAGE}.api.invoices.list_invoices")
    assert list_invoices.sync(client=client).items == []
