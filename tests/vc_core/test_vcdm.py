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
from vc_core.jsonld.loader import CREDENTIALS_V2, published_digests
from vc_core.keys import generate_key
from vc_core.vcdm import (
    check_related_resource,
    check_related_resources,
    credential_problems,
    validate_credential,
)
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


def test_the_base_context_digests_are_the_ones_the_spec_publishes() -> None:
    """VCDM 2.0 Appendix B.1 gives the base context's digestSRI; shikaku pins it (and the
    SHA-256 and SHA-512 of the same bytes), and knows no digests of other resources."""
    pinned = published_digests(CREDENTIALS_V2)
    assert pinned is not None
    sri = "sha384-" + base64.b64encode(pinned["sha384"]).decode()
    assert sri == "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"
    assert {name: len(digest) for name, digest in pinned.items()} == {
        "sha256": 32,
        "sha384": 48,
        "sha512": 64,
    }
    assert published_digests("https://www.w3.org/ns/credentials/examples/v2") is None


def test_digest_multibase_is_a_multihash_or_a_bare_sha256() -> None:
    content = b"<svg/>"
    bare = multibase_encode(hashlib.sha256(content).digest(), "u")
    check_related_resource({"id": "https://r.example/a", "digestMultibase": bare}, content)
    with pytest.raises(CredentialError) as info:
        check_related_resource({"id": "https://r.example/a", "digestMultibase": bare}, b"<svg />")
    assert info.value.code == "credential.related_resource_mismatch"
    for raw in (bytes(31), bytes([0x12, 0x1F]) + bytes(31), bytes([0x99, 2, 0, 0])):
        entry = {"id": "https://r.example/a", "digestMultibase": multibase_encode(raw, "u")}
        with pytest.raises(CredentialError) as info:
            check_related_resource(entry, content)
        assert info.value.code == "credential.related_resource_invalid"


def _entry(content: bytes, url: str = CREDENTIALS_V2) -> dict[str, str]:
    return {
        "id": url,
        "digestSRI": "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode(),
    }


def _base_entry() -> dict[str, str]:
    pinned = published_digests(CREDENTIALS_V2)
    assert pinned is not None
    return {
        "id": CREDENTIALS_V2,
        "digestSRI": "sha384-" + base64.b64encode(pinned["sha384"]).decode(),
    }


def test_held_resources_are_checked_and_others_left_to_the_caller() -> None:
    """A verifier uses the base context, whose digests shikaku pins, so a wrong digest of it
    is a problem; the digest of another resource is not judged by the data model rules."""
    assert _codes(_credential(relatedResource=[_base_entry()])) == []
    assert _codes(_credential(relatedResource=[_entry(b"another file")])) == [
        "credential.related_resource_mismatch"
    ]
    assert _codes(_credential(relatedResource=[_entry(b"x", "https://r.example/a")])) == []


def test_related_resources_fail_closed_when_a_resource_cannot_be_retrieved() -> None:
    held = {"https://r.example/a": b"<svg/>"}
    credential = _credential(relatedResource=[_entry(b"<svg/>", "https://r.example/a")])
    check_related_resources(credential, held.get)
    for changed, code in (
        (_entry(b"<svg />", "https://r.example/a"), "credential.related_resource_mismatch"),
        (_entry(b"<svg/>", "https://r.example/b"), "credential.related_resource_unverifiable"),
        ({"id": "https://r.example/a"}, "credential.related_resource_invalid"),
    ):
        with pytest.raises(CredentialError) as info:
            check_related_resources(_credential(relatedResource=[changed]), held.get)
        assert info.value.code == code


def test_a_digest_in_a_hash_not_pinned_for_the_base_context_is_not_taken_as_matching() -> None:
    sha3 = bytes([0x16, 32]) + hashlib.sha3_256(b"whatever the W3C serves").digest()
    entry = {"id": CREDENTIALS_V2, "digestMultibase": multibase_encode(sha3, "u")}
    pinned = published_digests(CREDENTIALS_V2)
    assert pinned is not None
    with pytest.raises(CredentialError) as info:
        check_related_resource(entry, pinned)
    assert info.value.code == "credential.related_resource_unverifiable"
