"""schemathesis against the verifier's published OpenAPI: whatever it sends, the service
answers within its schema — never a 500, never a status, body or media type it did not
document — and refuses what the schema forbids. (It may also refuse what the schema admits,
on meaning: see the test.)

The schema is the app's own ``/openapi.json`` (built without starting the app); every case
goes through the real app, started once per operation, over the world of
``tests/verifier/world.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from verifier.http import VerifierSettings, create_app

_SCHEMA_APP = create_app(
    VerifierSettings(audience="https://hospital.example.jp", data_dir=Path("/nonexistent"))
)
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())
positive_data_acceptance = schemathesis.checks.positive_data_acceptance


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_verifier_answers_every_request_within_its_schema(
    case: schemathesis.Case[Any], client: TestClient
) -> None:
    sent = case.as_transport_kwargs(base_url="http://testserver")
    sent.pop("cookies", None)  # The API takes no cookies; httpx deprecates per-request ones.
    if isinstance(sent.get("data"), bytes | str):  # Raw bodies go as content to httpx.
        sent["content"] = sent.pop("data")
    response = client.request(**sent)
    assert response.status_code < 500, response.text
    # A request the schema admits may still be refused on its meaning (a domain that is not
    # this verifier's, a check name it does not know): that is a 400 problem, not a failure.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
