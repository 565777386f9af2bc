"""VC-API issuance as the W3C Data Integrity suites drive it (STANDARDS.md, their conventions)."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.issuer.http.conftest import ADMIN, CREDENTIAL, issue, problem
from vc_core import di
from vc_core.codecs import multibase_encode
from vc_core.di import derive
from vc_core.jsonld.loader import CREDENTIALS_V2, published_digests
from vc_schemas.registry import loader

SUITES = {"ecdsa": "ecdsa-rdfc-2019", "ecdsa-sd": "ecdsa-sd-2023", "eddsa": "eddsa-rdfc-2022"}


@pytest.mark.parametrize("instance", sorted(SUITES))
def test_each_instance_issues_in_its_suite_with_status(client: TestClient, instance: str) -> None:
    issued = issue(client, instance)
    proof = issued["proof"]
    assert proof["cryptosuite"] == SUITES[instance]
    assert issued["credentialSubject"] == CREDENTIAL["credentialSubject"]
    assert issued["issuer"] == proof["verificationMethod"].split("#")[0]
    assert [e["statusPurpose"] for e in issued["credentialStatus"]] == ["revocation", "suspension"]
    assert issued["id"].startswith("urn:uuid:")
    if instance == "ecdsa-sd":
        di.verify_base(issued, loader=loader())
        disclosed = derive(issued, selective_pointers=["/credentialSubject/id"], loader=loader())
        di.verify(disclosed, loader=loader())
    else:
        di.verify(issued, loader=loader())


def test_the_boards_own_endpoint_issues_as_the_board(client: TestClient) -> None:
    answer = client.post("/credentials/issue", json={"credential": CREDENTIAL}, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    issued = answer.json()["verifiableCredential"]
    assert issued["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert issued["issuer"] == issue(client, "ecdsa")["issuer"]  # The board's key, shared.


def test_a_credential_naming_its_issuer_and_id_keeps_them(client: TestClient) -> None:
    did = issue(client, "eddsa")["issuer"]
    credential = {**CREDENTIAL, "id": "urn:uuid:6d1b5e8c-5f43-4cf2-9e55-2f7f4a3bb1e0"}
    credential["issuer"] = {"id": did, "name": "Example Board"}
    issued = issue(client, "eddsa", credential)
    assert issued["id"] == credential["id"]
    assert issued["issuer"] == credential["issuer"]
    again = issue(client, "eddsa", credential)
    # Status is allocated once per credential id: a retried request gets the same entries.
    assert again["credentialStatus"] == issued["credentialStatus"]


def test_mandatory_pointers_are_honoured_and_a_pointer_to_nothing_is_400(
    client: TestClient,
) -> None:
    issued = issue(client, "ecdsa-sd", mandatoryPointers=["/credentialSubject/alumniOf/name"])
    disclosed = derive(issued, selective_pointers=["/credentialSubject/id"], loader=loader())
    assert disclosed["credentialSubject"]["alumniOf"]["name"] == "Example University"
    body = {"credential": CREDENTIAL, "options": {"mandatoryPointers": ["/nothing/here"]}}
    answer = client.post("/instances/ecdsa-sd/credentials/issue", json=body, headers=ADMIN)
    problem(answer, 400, "selection.pointer_invalid")
    body = {"credential": CREDENTIAL, "options": {"mandatoryPointers": ["no-slash"]}}
    answer = client.post("/instances/ecdsa-sd/credentials/issue", json=body, headers=ADMIN)
    problem(answer, 400, "selection.pointer_invalid")
    body = {"credential": CREDENTIAL, "options": {"mandatoryPointers": "/issuer"}}
    answer = client.post("/instances/ecdsa-sd/credentials/issue", json=body, headers=ADMIN)
    problem(answer, 400, "request.invalid")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"issuer": "did:example:someone-else"}, "credential.issuer_invalid"),
        ({"proof": {"type": "DataIntegrityProof"}}, "credential.malformed"),
        ({"validFrom": "not a date"}, "credential.validity_invalid"),
        ({"@context": ["https://example.com/unknown/v1"]}, None),
        ({"type": 7}, "credential.malformed"),
        ({"type": ["ExampleAlumniCredential"]}, "credential.malformed"),
        ({"credentialSubject": {}}, "credential.malformed"),
        ({"credentialSubject": [{"id": "did:example:1"}, 3]}, "credential.malformed"),
        ({"validUntil": "2020-01-01T00:00:00Z", "validFrom": "2021-01-01T00:00:00Z"}, None),
    ],
    ids=[
        "other-issuer",
        "secured",
        "bad-date",
        "unknown-context",
        "bad-type",
        "not-a-vc",
        "empty-subject",
        "subject-not-object",
        "ends-before-start",
    ],
)
def test_a_credential_the_board_cannot_sign_is_400(
    client: TestClient, change: dict[str, Any], code: str | None
) -> None:
    credential = {**copy.deepcopy(CREDENTIAL), **change}
    answer = client.post(
        "/instances/ecdsa/credentials/issue", json={"credential": credential}, headers=ADMIN
    )
    assert answer.status_code == 400, answer.text
    if code is not None:
        assert answer.json()["code"] == code


def test_a_credential_without_a_subject_is_400(client: TestClient) -> None:
    credential = {k: v for k, v in CREDENTIAL.items() if k != "credentialSubject"}
    answer = client.post(
        "/instances/eddsa/credentials/issue", json={"credential": credential}, headers=ADMIN
    )
    problem(answer, 400, "credential.malformed")


def test_a_credential_without_a_context_is_refused(client: TestClient) -> None:
    """VCDM 2.0 §4.3: a credential MUST include @context (the W3C VC 2.0 suite checks)."""
    credential = {"type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:1"}}
    answer = client.post(
        "/instances/eddsa/credentials/issue", json={"credential": credential}, headers=ADMIN
    )
    problem(answer, 400, "credential.context_invalid")


def _digests(content: bytes) -> tuple[str, str]:
    sri = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    return sri, multibase_encode(hashlib.sha256(content).digest(), "u")


def test_related_resource_digests_are_checked_before_signing(client: TestClient) -> None:
    """VCDM 2.0 §5.3: the board signs a relatedResource digest only after checking it against
    the digests the W3C publishes for the base context; one it cannot check is refused."""
    pinned = published_digests(CREDENTIALS_V2)
    assert pinned is not None
    sri = "sha384-" + base64.b64encode(pinned["sha384"]).decode()
    multibase = multibase_encode(pinned["sha256"], "u")
    for entry in ({"digestSRI": sri}, {"digestMultibase": multibase, "mediaType": "a/b"}):
        issued = issue(
            client, credential={**CREDENTIAL, "relatedResource": [{"id": CREDENTIALS_V2, **entry}]}
        )
        assert issued["relatedResource"][0]["id"] == CREDENTIALS_V2
    wrong_sri, wrong_multibase = _digests(b"not the W3C's context")
    cases = [
        ({"id": CREDENTIALS_V2, "digestSRI": wrong_sri}, "credential.related_resource_mismatch"),
        (
            {"id": CREDENTIALS_V2, "digestMultibase": wrong_multibase},
            "credential.related_resource_mismatch",
        ),
        (
            {"id": CREDENTIALS_V2, "digestSRI": sri, "digestMultibase": wrong_multibase},
            "credential.related_resource_mismatch",
        ),
        (
            {"id": "https://example.org/logo.svg", "digestSRI": sri},
            "credential.related_resource_unverifiable",
        ),
    ]
    for entry, code in cases:
        for instance in ("ecdsa", "eddsa"):
            answer = client.post(
                f"/instances/{instance}/credentials/issue",
                json={"credential": {**CREDENTIAL, "relatedResource": [entry]}},
                headers=ADMIN,
            )
            problem(answer, 400, code)


def test_terms_of_use_and_evidence_need_a_type(client: TestClient) -> None:
    for member in ("termsOfUse", "evidence"):
        credential = {**CREDENTIAL, member: [{"id": "https://example.org/1"}]}
        answer = client.post(
            "/instances/ecdsa/credentials/issue", json={"credential": credential}, headers=ADMIN
        )
        problem(answer, 400, "credential.entry_type_missing")


def test_an_unknown_instance_is_404(client: TestClient) -> None:
    answer = client.post(
        "/instances/nobody/credentials/issue", json={"credential": CREDENTIAL}, headers=ADMIN
    )
    problem(answer, 404, "request.not_found")


def test_an_unknown_option_is_refused_not_ignored(client: TestClient) -> None:
    body = {"credential": CREDENTIAL, "options": {"mandatoryPointerz": ["/issuer"]}}
    answer = client.post("/instances/ecdsa-sd/credentials/issue", json=body, headers=ADMIN)
    problem(answer, 400, "request.invalid")


VC_1_1: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/2018/credentials/v1",
        {"name": "https://schema.org/name", "description": "https://schema.org/description"},
    ],
    "id": "urn:uuid:36245ee9-9074-4b05-a777-febff2e69757",
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440", "name": "Alice"},
}


@pytest.mark.parametrize("instance", sorted(SUITES))
def test_a_vc_1_1_credential_is_issued_with_the_proof_context_and_no_status(
    client: TestClient, instance: str
) -> None:
    issued = issue(client, instance, copy.deepcopy(VC_1_1))
    assert issued["@context"][:2] == VC_1_1["@context"]
    assert issued["@context"][2:] == ["https://w3id.org/security/data-integrity/v2"]
    assert "credentialStatus" not in issued
    assert issued["issuanceDate"] == "2026-12-01T09:00:00Z"
    assert issued["credentialSubject"] == VC_1_1["credentialSubject"]
    if instance == "ecdsa-sd":
        disclosed = derive(issued, selective_pointers=["/credentialSubject/name"], loader=loader())
        di.verify(disclosed, loader=loader())
    else:
        di.verify(issued, loader=loader())
