"""W3C step-by-step vectors for ecdsa-rdfc-2019 and eddsa-rdfc-2022, and proof sets/chains.

Sources: w3c/vc-di-ecdsa and w3c/vc-di-eddsa ``TestVectors/`` (../shared/vectors/MANIFEST.md).
Every intermediate value is reproduced: canonical document and proof configuration,
their hashes, the combined hash, the signature (ECDSA with RFC 6979 nonces is
deterministic, like Ed25519) and the signed credential; the signed credentials verify.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import pytest

from tests.vectors import read_json, read_text, vector_loader
from vc_core import di
from vc_core.codecs import multibase_decode
from vc_core.di._rdfc import hash_data
from vc_core.di.base import proof_config, without_proof
from vc_core.errors import ProofError
from vc_core.jsonld.canon import canonize
from vc_core.keys import SoftwareKey
from vc_core.multikey import decode_multikey_secret

pytestmark = pytest.mark.vectors


@dataclass(frozen=True)
class Case:
    folder: str
    suffix: str
    unsigned: str
    key_file: str
    key_member: str
    hash_name: Literal["sha256", "sha384"]

    @property
    def id(self) -> str:
        return self.folder.split("TestVectors/")[1]

    def file(self, stem: str, ext: str = "txt") -> str:
        return f"{self.folder}/{stem}{self.suffix}.{ext}"

    def signer(self) -> SoftwareKey:
        return SoftwareKey(decode_multikey_secret(read_json(self.key_file)[self.key_member]))


_E = "w3c-vc-di-ecdsa/TestVectors"
_D = "w3c-vc-di-eddsa/TestVectors"
CASES = [
    Case(
        f"{_E}/ecdsa-rdfc-2019-p256",
        "ECDSAP256",
        f"{_E}/unsigned.json",
        f"{_E}/p256KeyPair.json",
        "secretKeyMultibase",
        "sha256",
    ),
    Case(
        f"{_E}/ecdsa-rdfc-2019-p256/employ",
        "ECDSAP256",
        f"{_E}/employmentAuth.json",
        f"{_E}/p256KeyPair.json",
        "secretKeyMultibase",
        "sha256",
    ),
    Case(
        f"{_E}/ecdsa-rdfc-2019-p384",
        "ECDSAP384",
        f"{_E}/unsigned.json",
        f"{_E}/p384KeyPair.json",
        "secretKeyMultibase",
        "sha384",
    ),
    Case(
        f"{_E}/ecdsa-rdfc-2019-p384/employ",
        "ECDSAP384",
        f"{_E}/employmentAuth.json",
        f"{_E}/p384KeyPair.json",
        "secretKeyMultibase",
        "sha384",
    ),
    Case(
        f"{_D}/eddsa-rdfc-2022",
        "DataInt",
        f"{_D}/unsigned.json",
        f"{_D}/keyPair.json",
        "privateKeyMultibase",
        "sha256",
    ),
    Case(
        f"{_D}/eddsa-rdfc-2022/employ",
        "DataInt",
        f"{_D}/employmentAuth.json",
        f"{_D}/keyPair.json",
        "privateKeyMultibase",
        "sha256",
    ),
]
IDS = [c.id for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "straightforward"])
def test_canonical_document(case: Case, fast: bool) -> None:
    unsigned = read_json(case.unsigned)
    canonical = canonize(unsigned, loader=vector_loader(), fast=fast, hash_algorithm=case.hash_name)
    assert canonical == read_text(case.file("canonDoc"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_canonical_proof_config_and_hashes(case: Case) -> None:
    unsigned = read_json(case.unsigned)
    options = read_json(case.file("proofConfig", "json"))
    suite = options["cryptosuite"]
    config = proof_config(unsigned, options, suite)
    canon_config = canonize(config, loader=vector_loader(), hash_algorithm=case.hash_name)
    assert canon_config == read_text(case.file("proofCanon"))

    def digest(text: str) -> str:
        return hashlib.new(case.hash_name, text.encode()).hexdigest()

    assert digest(canon_config) == read_text(case.file("proofHash")).strip()
    assert digest(read_text(case.file("canonDoc"))) == read_text(case.file("docHash")).strip()
    combined = hash_data(
        unsigned, options, cryptosuite=suite, loader=vector_loader(), hash_name=case.hash_name
    )
    assert combined.hex() == read_text(case.file("combinedHash")).strip()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signature_and_signed_credential_are_reproduced(case: Case) -> None:
    unsigned = read_json(case.unsigned)
    options = read_json(case.file("proofConfig", "json"))
    expected = read_json(case.file("signed", "json"))
    signed = di.sign(
        unsigned,
        suite=options["cryptosuite"],
        signer=case.signer(),
        loader=vector_loader(),
        verification_method=options["verificationMethod"],
        created=datetime.fromisoformat(options["created"]),
    )
    assert (
        multibase_decode(signed["proof"]["proofValue"]).hex()
        == read_text(case.file("sigHex")).strip()
    )
    assert signed["proof"]["proofValue"] == read_text(case.file("sigBTC58")).strip()
    expected_proof = {k: v for k, v in expected["proof"].items() if k != "@context"}
    assert signed["proof"] == expected_proof
    assert without_proof(signed) == without_proof(expected)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_vector_verifies_and_tampering_fails(case: Case) -> None:
    signed = read_json(case.file("signed", "json"))
    [result] = di.verify(signed, loader=vector_loader())
    assert result.verification_method.id == signed["proof"]["verificationMethod"]
    tampered = copy.deepcopy(signed)
    tampered["validFrom"] = "2024-01-01T00:00:00Z"
    with pytest.raises(ProofError) as info:
        di.verify(tampered, loader=vector_loader())
    assert info.value.code == "proof.invalid_signature"


_CHAIN = f"{_D}/proof-set-chain"


def _chain_keys() -> dict[str, SoftwareKey]:
    pairs = read_json(f"{_CHAIN}/multiKeyPairs.json")
    return {
        pair["publicKeyMultibase"]: SoftwareKey(decode_multikey_secret(pair["privateKeyMultibase"]))
        for pair in pairs.values()
    }


def _sign_with_config(document: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    key = _chain_keys()[config["verificationMethod"].split("#")[1]]
    return di.sign(
        document,
        suite=config["cryptosuite"],
        signer=key,
        loader=vector_loader(),
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
        proof_id=config.get("id"),
        previous_proof=config.get("previousProof"),
    )


@pytest.mark.parametrize(
    "name", ["signedProofSet1", "signedProofSet2", "signedProofChain1", "signedProofChain2"]
)
def test_proof_sets_and_chains_verify(name: str) -> None:
    document = read_json(f"{_CHAIN}/{name}.json")
    results = di.verify(document, loader=vector_loader())
    proofs = document["proof"]
    assert len(results) == (len(proofs) if isinstance(proofs, list) else 1)


def test_proof_set_is_reproduced() -> None:
    unsigned = read_json(f"{_CHAIN}/unsigned.json")
    first = _sign_with_config(unsigned, read_json(f"{_CHAIN}/proofSetConfig1.json"))
    second = _sign_with_config(first, read_json(f"{_CHAIN}/proofSetConfig2.json"))
    assert second == read_json(f"{_CHAIN}/signedProofSet2.json")


def test_proof_chain_extension_is_reproduced() -> None:
    # signedProofChain2 extends signedProofChain1 with a proof naming its previousProof.
    chain1 = read_json(f"{_CHAIN}/signedProofChain1.json")
    chain2 = _sign_with_config(chain1, read_json(f"{_CHAIN}/proofChainConfig2.json"))
    assert chain2 == read_json(f"{_CHAIN}/signedProofChain2.json")


def test_chain_with_a_removed_previous_proof_fails() -> None:
    document = read_json(f"{_CHAIN}/signedProofChain2.json")
    named = document["proof"][-1]["previousProof"]
    document["proof"] = [p for p in document["proof"] if p.get("id") != named]
    with pytest.raises(ProofError) as info:
        di.verify(document, loader=vector_loader())
    assert info.value.code in {"proof.previous_proof_missing", "proof.invalid_signature"}
