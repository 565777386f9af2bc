"""Done-when 2 (signatures) for every catalogue entry: ecdsa-rdfc-2019 signs and verifies, and
an ecdsa-sd-2023 derivation revealing only the employer profile verifies and reveals nothing
else. The disclosure pointers come from :mod:`vc_schemas.policy`."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from vc_core import di
from vc_core.did import did_key_from_public_key
from vc_core.errors import ProofError
from vc_core.keys import SoftwareKey, generate_key
from vc_schemas.builder import IssuerProfile
from vc_schemas.catalogue import default_catalogue
from vc_schemas.policy import DisclosurePolicy, disclosure_policy
from vc_schemas.registry import loader
from vc_schemas.samples import SAMPLE_ISSUER, sample_credential
from vc_schemas.validate import credential_problems

IDS = default_catalogue().ids
CREATED = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def issuer_key() -> SoftwareKey:
    return generate_key("p256")


def _credential(qualification_id: str, key: SoftwareKey) -> dict[str, Any]:
    # The issuer id is the did:key the board really signs with (STANDARDS.md).
    issuer = IssuerProfile(id=did_key_from_public_key(key.public_key), name=SAMPLE_ISSUER.name)
    return sample_credential(qualification_id, issuer=issuer)


def _base_proof(
    credential: dict[str, Any], policy: DisclosurePolicy, key: SoftwareKey
) -> tuple[list[str], dict[str, Any]]:
    """The issuer's ecdsa-sd-2023 base proof, the policy's always-visible part mandatory."""
    mandatory = policy.mandatory_pointers(credential)
    base = di.sign(
        credential,
        suite="ecdsa-sd-2023",
        signer=key,
        loader=loader(),
        mandatory_pointers=mandatory,
        created=CREATED,
    )
    return mandatory, base


def select(document: dict[str, Any], pointers: list[str]) -> dict[str, Any]:
    """What ecdsa-sd-2023 reveals for ``pointers`` (VC DI ECDSA, the selectJsonLd algorithm).

    The selected values, the ``id`` and ``type`` of every object on the way to them (the
    root included), and the ``@context``. Written here independently of vc_core.
    """

    def skeleton(node: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(node[k]) for k in ("id", "type") if k in node}

    out = {"@context": document["@context"], **skeleton(document)}
    for pointer in pointers:
        *parents, last = pointer.split("/")[1:]
        source, target = document, out
        for token in parents:
            source = source[token]
            target = target.setdefault(token, skeleton(source))
        target[last] = copy.deepcopy(source[last])
    return out


@pytest.mark.parametrize("qualification_id", IDS)
def test_ecdsa_rdfc_2019_signs_and_verifies(qualification_id: str, issuer_key: SoftwareKey) -> None:
    credential = _credential(qualification_id, issuer_key)
    signed = di.sign(
        credential, suite="ecdsa-rdfc-2019", signer=issuer_key, loader=loader(), created=CREATED
    )
    (result,) = di.verify(signed, loader=loader(), expected_purpose="assertionMethod")
    assert result.cryptosuite == "ecdsa-rdfc-2019"
    assert result.verification_method.controller == credential["issuer"]["id"]
    assert credential_problems(signed) == []
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["licenseNumber"] += "1"
    with pytest.raises(ProofError) as caught:
        di.verify(tampered, loader=loader())
    assert caught.value.code == "proof.invalid_signature"


@pytest.mark.parametrize("qualification_id", IDS)
def test_employer_derivation_verifies_and_reveals_nothing_else(
    qualification_id: str, issuer_key: SoftwareKey
) -> None:
    credential = _credential(qualification_id, issuer_key)
    policy = disclosure_policy(qualification_id)
    mandatory, base = _base_proof(credential, policy, issuer_key)
    employer = policy.selective_pointers(credential, "employer")
    derived = di.derive(base, selective_pointers=employer, loader=loader())
    (result,) = di.verify(derived, loader=loader())
    assert result.cryptosuite == "ecdsa-sd-2023"

    revealed = {k: v for k, v in derived.items() if k != "proof"}
    assert revealed == select(credential, mandatory + employer)
    subject = revealed["credentialSubject"]
    assert set(subject) == {"id", "type", "achievement"} | {p.rsplit("/", 1)[1] for p in employer}
    for hidden in ("registeredSex", "registeredDomicilePrefecture", "nationality", "dateOfBirth"):
        assert hidden not in subject
    assert {"licenseNumber", "familyName", "givenName"} <= set(subject)
    assert credential_problems(derived, kind="disclosed") == []

    tampered = copy.deepcopy(derived)
    tampered["credentialSubject"]["familyName"] = "偽名"
    with pytest.raises(ProofError):
        di.verify(tampered, loader=loader())


@pytest.mark.parametrize("qualification_id", ["ishi", "kaigo-shien-senmonin", "sensuishi"])
def test_a_derivation_cannot_drop_what_is_always_visible(
    qualification_id: str, issuer_key: SoftwareKey
) -> None:
    credential = _credential(qualification_id, issuer_key)
    policy = disclosure_policy(qualification_id)
    mandatory, base = _base_proof(credential, policy, issuer_key)
    derived = di.derive(base, selective_pointers=[], loader=loader())
    di.verify(derived, loader=loader())
    assert {k: v for k, v in derived.items() if k != "proof"} == select(credential, mandatory)
    stripped = copy.deepcopy(derived)
    del stripped["credentialSubject"]["achievement"]
    with pytest.raises(ProofError):
        di.verify(stripped, loader=loader())
