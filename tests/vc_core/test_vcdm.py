"""VC Data Model 2.0 rules (vc_core.vcdm) and the verdict's derived outcome."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from vc_core import di
from vc_core.codecs import multibase_encode
from vc_core.errors import CredentialError
from vc_core.keys import generate_key
from vc_core.vcdm import check_related_resource, credential_problems, validate_credential
from vc_core.verdict import Check, Verdict, verify_credential


def _credential(**changes: Any) -> dict[str, Any]:
    credential = jp_sample_credential(issuer="did:example:board")
    credential.update(changes)
    return credential


def _codes(credential: Any, now: datetime | None = None) -> list[str]:
    return [p.code for p in credential_problems(credential, now=now)]


def test_sample_meets_the_data_model() -> None:
    validate_credential(_credential(), now=datetime(2026, 11, 26, tzinfo=UTC))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            {
                "@context": [
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                    "https://www.w3.org/ns/credentials/v2",
                ]
            },
            "credential.context_invalid",
        ),
        ({"type": ["OpenBadgeCredential"]}, "credential.type_invalid"),
        ({"issuer": {"name": "no id"}}, "credential.issuer_invalid"),
        ({"credentialSubject": []}, "credential.subject_missing"),
        ({"validFrom": "2026-05-01"}, "credential.validity_invalid"),
        ({"validUntil": "2020-01-01T00:00:00Z"}, "credential.validity_invalid"),
        ({"credentialStatus": {"id": "https://s.example/1#5"}}, "credential.status_invalid"),
        (
            {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": 5,
                    "statusListCredential": "https://s.example/1",
                }
            },
            "credential.status_invalid",
        ),
        (
            {"credentialSchema": {"id": "https://schemas.example/1"}},
            "credential.entry_type_missing",
        ),
        ({"refreshService": {"url": "https://r.example"}}, "credential.entry_type_missing"),
        (
            {"relatedResource": [{"id": "https://r.example/a"}]},
            "credential.related_resource_invalid",
        ),
    ],
)
def test_each_rule(changes: dict[str, Any], code: str) -> None:
    assert code in _codes(_credential(**changes))


def test_validity_window_against_now() -> None:
    credential = _credential(validUntil="2027-01-01T00:00:00Z")
    assert _codes(credential, datetime(2026, 1, 1, tzinfo=UTC)) == ["credential.not_yet_valid"]
    assert _codes(credential, datetime(2028, 1, 1, tzinfo=UTC)) == ["credential.expired"]


def test_related_resource_digests() -> None:
    content = b"<svg/>"
    sri = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    multihash = bytes([0x12, 0x20]) + hashlib.sha256(content).digest()
    entry = {
        "id": "https://r.example/a",
        "digestSRI": sri,
        "digestMultibase": multibase_encode(multihash, "u"),
    }
    check_related_resource(entry, content)
    with pytest.raises(CredentialError) as info:
        check_related_resource(entry, content + b" ")
    assert info.value.code == "credential.related_resource_mismatch"


def test_verdict_outcome_is_derived_from_checks() -> None:
    ok = Check("proof", True)
    assert Verdict((ok, Check("status", None))).outcome == "verified"
    assert Verdict((ok, Check("x", False, "proof.invalid_signature"))).outcome == "not_verified"
    assert Verdict((Check("x", False, "loader.url_not_allowed"),)).outcome == "error"
    assert Verdict((Check("status", None),)).outcome == "not_verified"


def test_the_verdict_reports_an_expired_credential_as_its_own_check() -> None:
    credential = _credential(validUntil="2027-01-01T00:00:00Z")
    signed = di.sign(
        credential, suite="ecdsa-rdfc-2019", signer=generate_key("p256"), loader=cli_loader()
    )
    later = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(days=1)
    checks = {c.name: c for c in verify_credential(signed, loader=cli_loader(), now=later).checks}
    assert checks["credential.data_model"].ok is True
    assert checks["proof"].ok is True
    assert checks["credential.validity_period"].code == "credential.expired"
