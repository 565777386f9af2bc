"""ecdsa-sd-2023: every W3C step-by-step vector, round trips, tampering and bad pointers.

Source: w3c/vc-di-ecdsa ``TestVectors/ecdsa-sd-2023/{employ,prc}`` with the keys of
``SDKeyMaterial.json`` and the pointers of ``employMandatory.json`` / ``employSelective.json``
and ``prCredMandatory.json`` / ``prCredSelective.json`` (../shared/vectors/MANIFEST.md).
Data Integrity ECDSA Cryptosuites v1.0 §3.4 (ecdsa-sd-2023) and §3.5 (selective
disclosure functions). ECDSA uses RFC 6979 nonces, so with the vectors' HMAC key and
proof-scoped key every value, proofValue included, is reproduced byte for byte.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from tests.vectors import read_json, read_text, vector_loader
from vc_core import di
from vc_core.codecs import b58encode, multibase_decode, multibase_encode
from vc_core.di.base import proof_config, without_proof
from vc_core.di.ecdsa_sd_2023 import (
    BASE_PROOF_HEADER,
    DERIVED_PROOF_HEADER,
    DisclosureData,
    EcdsaSd2023,
    base_proof_configuration,
    base_proof_hashing,
    base_proof_transformation,
    create_disclosure_data,
    create_verify_data,
    parse_base_proof_value,
    parse_derived_proof_value,
)
from vc_core.di.sd_primitives import (
    canonicalize_and_group,
    create_hmac_id_label_map_function,
    create_label_map_function,
    deskolemize_nquads,
    json_pointer_to_paths,
    label_replacement_canonicalize_json_ld,
    label_replacement_canonicalize_nquads,
    relabel_blank_nodes,
    select_json_ld,
    skolemize,
    skolemize_compact_json_ld,
    to_deskolemized_nquads,
)
from vc_core.did import resolve_verification_method
from vc_core.errors import ProofError, SelectionError, ShikakuError
from vc_core.jsonld.canon import canonical_dataset
from vc_core.jsonld.loader import DocumentLoader, default_loader
from vc_core.keys import SoftwareKey, generate_key
from vc_core.multikey import decode_multikey_secret
from vc_core.rdf.canon import canonicalize
from vc_core.rdf.nquads import parse_nquads

_T = "w3c-vc-di-ecdsa/TestVectors"
_SD = f"{_T}/ecdsa-sd-2023"
SUITE = EcdsaSd2023()


@dataclass(frozen=True)
class Case:
    folder: str
    unsigned: str
    mandatory: str
    selective: str

    def read(self, name: str) -> Any:
        return read_json(f"{_SD}/{self.folder}/{name}")

    @property
    def loader(self) -> DocumentLoader:
        return vector_loader()

    @property
    def document(self) -> dict[str, Any]:
        """The unsigned credential the vectors signed: ``addSignedSDBase.json`` without proof.

        For ``employ`` it is ``employmentAuth.json``; ``prCredUnsigned.json`` has an older
        ``description`` than the one the ``prc`` vectors signed (see test_unsigned_inputs).
        """
        return without_proof(self.read("addSignedSDBase.json"))

    @property
    def proof_options(self) -> dict[str, Any]:
        options = dict(self.read("addSignedSDBase.json")["proof"])
        del options["proofValue"]
        return options

    @property
    def mandatory_pointers(self) -> list[str]:
        return list(read_json(f"{_T}/{self.mandatory}"))

    @property
    def selective_pointers(self) -> list[str]:
        return list(read_json(f"{_T}/{self.selective}"))


CASES = [
    Case("employ", "employmentAuth.json", "employMandatory.json", "employSelective.json"),
    Case("prc", "prCredUnsigned.json", "prCredMandatory.json", "prCredSelective.json"),
]

pytestmark = pytest.mark.vectors


@pytest.fixture(params=CASES, ids=lambda case: case.folder)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@cache
def _keys() -> tuple[SoftwareKey, Any, bytes]:
    material = read_json(f"{_SD}/SDKeyMaterial.json")
    issuer = SoftwareKey(decode_multikey_secret(material["baseKeyPair"]["secretKeyMultibase"]))
    proof_key = decode_multikey_secret(material["proofKeyPair"]["secretKeyMultibase"])
    return issuer, proof_key, bytes.fromhex(material["hmacKeyString"])


def _base(case: Case) -> dict[str, Any]:
    """The base proof, made with the vectors' HMAC key and proof-scoped key."""
    issuer, proof_key, hmac_key = _keys()
    return SUITE.create_proof(
        case.document,
        case.proof_options,
        signer=issuer,
        loader=case.loader,
        mandatory_pointers=case.mandatory_pointers,
        hmac_key=hmac_key,
        proof_key=proof_key,
    )


def _disclosure(case: Case) -> DisclosureData:
    return create_disclosure_data(
        case.document, _base(case), case.selective_pointers, loader=case.loader
    )


def _pairs(value: Any) -> dict[Any, Any]:
    """A vector's ``{"dataType": "Map", "value": [[k, v], ...]}`` (or plain pairs) as a dict."""
    pairs = value["value"] if isinstance(value, dict) else value
    return {key: item for key, item in pairs}


def _multikey(public_key: bytes) -> str:
    return "z" + b58encode(public_key)


def _verify(document: dict[str, Any], loader: DocumentLoader | None = None) -> None:
    SUITE.verify_proof(
        without_proof(document),
        document["proof"],
        loader=loader or vector_loader(),
        resolver=resolve_verification_method,
    )


def _verify_base(document: dict[str, Any]) -> None:
    """The holder's check of a base credential (a verifier refuses base proofs)."""
    SUITE.verify_base_proof(
        without_proof(document),
        document["proof"],
        loader=vector_loader(),
        resolver=resolve_verification_method,
    )


# --- The unsigned inputs. ----------------------------------------------------------------------


def test_unsigned_inputs(case: Case) -> None:
    given_input = read_json(f"{_T}/{case.unsigned}")
    differing = {
        k
        for k in set(given_input) | set(case.document)
        if given_input.get(k) != case.document.get(k)
    }
    # employmentAuth.json is what the employ vectors signed; prCredUnsigned.json differs from
    # what the prc vectors signed in its description only.
    assert differing == (set() if case.folder == "employ" else {"description"})


# --- Base proof vectors (add*). ----------------------------------------------------------------


def test_add_base_doc_canon(case: Case) -> None:
    dataset = canonical_dataset(case.document, loader=case.loader)
    assert dataset.nquads == case.read("addBaseDocCanon.json")


def test_add_base_doc_hmac_canon(case: Case) -> None:
    factory = create_hmac_id_label_map_function(_keys()[2])
    expected = case.read("addBaseDocHMACCanon.json")
    grouped = canonicalize_and_group(case.document, factory, {}, loader=case.loader)
    assert grouped.nquads == expected
    nquads, _ = label_replacement_canonicalize_json_ld(case.document, factory, loader=case.loader)
    assert nquads == expected


def test_add_base_transform(case: Case) -> None:
    expected = case.read("addBaseTransform.json")
    transformed = base_proof_transformation(
        case.document,
        mandatory_pointers=case.mandatory_pointers,
        hmac_key=_keys()[2],
        loader=case.loader,
    )
    assert list(transformed.mandatory_pointers) == expected["mandatoryPointers"]
    assert transformed.mandatory == _pairs(expected["mandatory"])
    assert transformed.non_mandatory == _pairs(expected["nonMandatory"])
    assert transformed.hmac_key.hex().upper() == expected["hmacKeyString"]


def test_add_hash_data(case: Case) -> None:
    expected = case.read("addHashData.json")
    transformed = base_proof_transformation(
        case.document,
        mandatory_pointers=case.mandatory_pointers,
        hmac_key=_keys()[2],
        loader=case.loader,
    )
    config = base_proof_configuration(case.document, case.proof_options, loader=case.loader)
    hash_data = base_proof_hashing(transformed, config)
    assert hash_data.proof_hash.hex() == expected["proofHash"]
    assert hash_data.mandatory_hash.hex() == expected["mandatoryHash"]


def test_add_pointer_values(case: Case) -> None:
    for entry in case.read("addPointerValues.json"):
        selection = select_json_ld(case.document, [entry["pointer"]])
        node: Any = selection
        for path in json_pointer_to_paths(entry["pointer"]):
            node = node[path]
        assert node == entry["value"]


def test_add_proof_config(case: Case) -> None:
    config = proof_config(case.document, case.proof_options, "ecdsa-sd-2023")
    assert config == case.read("addProofConfig.json")


def test_add_proof_config_canon(case: Case) -> None:
    expected = read_text(f"{_SD}/{case.folder}/addProofConfigCanon.txt")
    canonical = base_proof_configuration(case.document, case.proof_options, loader=case.loader)
    assert canonical == expected.strip("\n") + "\n"


def test_add_raw_base_signature_info(case: Case) -> None:
    expected = case.read("addRawBaseSignatureInfo.json")
    parsed = parse_base_proof_value(_base(case)["proofValue"])
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert _multikey(parsed.public_key) == expected["publicKey"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert list(parsed.mandatory_pointers) == expected["mandatoryPointers"]


def test_add_signed_sd_base(case: Case) -> None:
    signed = {**case.document, "proof": _base(case)}
    assert signed == case.read("addSignedSDBase.json")
    # The holder's check of what it received passes; a verifier refuses a base proof.
    _verify_base(signed)
    with pytest.raises(ProofError) as caught:
        _verify(signed)
    assert caught.value.code == "proof.base_proof"


# --- Derived proof vectors (derived*). ---------------------------------------------------------


def test_derived_recovered_base_data(case: Case) -> None:
    expected = case.read("derivedRecoveredBaseData.json")
    parsed = parse_base_proof_value(case.read("addSignedSDBase.json")["proof"]["proofValue"])
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert _multikey(parsed.public_key) == expected["proofPublicKey"]
    assert parsed.hmac_key.hex() == expected["hmacKey"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert list(parsed.mandatory_pointers) == expected["mandatoryPointers"]


def test_derived_group_indexes(case: Case) -> None:
    expected = case.read("derivedGroupIndexes.json")
    groups = _disclosure(case).groups.groups
    assert list(groups["combined"].matching) == expected["combinedIndexes"]
    assert list(groups["mandatory"].matching) == expected["mandatoryIndexes"]
    assert list(groups["mandatory"].non_matching) == expected["nonMandatoryIndexes"]
    assert list(groups["selective"].matching) == expected["selectiveIndexes"]


def test_derived_all_group_data(case: Case) -> None:
    expected = case.read("derivedAllGroupData.json")["groups"]
    groups = _disclosure(case).groups.groups
    assert set(groups) == set(expected)
    for name, group in groups.items():
        assert group.matching == _pairs(expected[name]["matching"]), name
        assert group.non_matching == _pairs(expected[name]["nonMatching"]), name
        # Deskolemized labels are random: compare the statements up to blank node labels.
        theirs = canonicalize(parse_nquads("".join(expected[name]["deskolemizedNQuads"])))
        assert canonicalize(group.deskolemized_quads).nquads == theirs.nquads, name
        assert len(group.deskolemized_nquads) == len(expected[name]["deskolemizedNQuads"])


def test_derived_adj_mandatory_indexes(case: Case) -> None:
    expected = case.read("derivedAdjMandatoryIndexes.json")
    assert list(_disclosure(case).mandatory_indexes) == expected["adjMandatoryIndexes"]


def test_derived_adj_signatures(case: Case) -> None:
    expected = case.read("derivedAdjSignatures.json")
    all_signatures = list(parse_base_proof_value(_base(case)["proofValue"]).signatures)
    filtered = list(_disclosure(case).signatures)
    assert [s.hex() for s in filtered] == expected["filteredSignatures"]
    assert len(set(all_signatures)) == len(all_signatures)
    assert [all_signatures.index(s) for s in filtered] == expected["adjSignatureIndexes"]


def test_derived_disclosure_data(case: Case) -> None:
    expected = case.read("derivedDisclosureData.json")
    data = _disclosure(case)
    assert data.base_signature.hex() == expected["baseSignature"]
    assert _multikey(data.public_key) == expected["publicKey"]
    assert [s.hex() for s in data.signatures] == expected["signatures"]
    assert data.label_map == _pairs(expected["labelMap"])
    assert list(data.mandatory_indexes) == expected["mandatoryIndexes"]


def test_derived_unsigned_reveal(case: Case) -> None:
    assert _disclosure(case).reveal_document == case.read("derivedUnsignedReveal.json")


def test_derived_reveal_document(case: Case) -> None:
    secured = {**case.document, "proof": _base(case)}
    derived = SUITE.derive(secured, selective_pointers=case.selective_pointers, loader=case.loader)
    expected = case.read("derivedRevealDocument.json")
    assert derived == expected
    assert list(derived) == list(expected)  # Members in the vector's order, too.
    _verify(expected)


# --- Verification vectors (verify*). -----------------------------------------------------------


def test_verify_derived_proof_value(case: Case) -> None:
    expected = case.read("verifyDerivedProofValue.json")
    proof_value = case.read("derivedRevealDocument.json")["proof"]["proofValue"]
    parsed = parse_derived_proof_value(proof_value)
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert _multikey(parsed.public_key) == expected["publicKey"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert parsed.label_map == _pairs(expected["labelMap"])
    assert list(parsed.mandatory_indexes) == expected["mandatoryIndexes"]


def test_verify_nquads(case: Case) -> None:
    derived = case.read("derivedRevealDocument.json")
    data = create_verify_data(without_proof(derived), derived["proof"], loader=case.loader)
    assert list(data.nquads) == case.read("verifyNQuads.json")


def test_verify_create_verify_data(case: Case) -> None:
    expected = case.read("verifyCreateVerifyData.json")
    derived = case.read("derivedRevealDocument.json")
    data = create_verify_data(without_proof(derived), derived["proof"], loader=case.loader)
    assert data.base_signature.hex() == expected["baseSignature"]
    assert data.proof_hash.hex() == expected["proofHash"]
    assert _multikey(data.public_key) == expected["publicKey"]
    assert [s.hex() for s in data.signatures] == expected["signatures"]
    assert list(data.non_mandatory) == expected["nonMandatory"]
    assert data.mandatory_hash.hex() == expected["mandatoryHash"]


# --- Selective disclosure functions. -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "paths"),
    [
        ("", []),
        ("/credentialSubject/givenName", ["credentialSubject", "givenName"]),
        ("/type/0", ["type", 0]),
        ("/a~1b/c~0d/~01", ["a/b", "c~d", "~1"]),
        ("/01/-", ["01", "-"]),
        ("/", [""]),
    ],
)
def test_json_pointer_to_paths(pointer: str, paths: list[str | int]) -> None:
    assert json_pointer_to_paths(pointer) == paths


@pytest.mark.parametrize("pointer", ["credentialSubject", "/a~2", "/a~", 7])
def test_json_pointer_malformed(pointer: Any) -> None:
    with pytest.raises(SelectionError) as raised:
        json_pointer_to_paths(pointer)
    assert raised.value.code == "selection.pointer_invalid"


def test_select_json_ld_arrays_and_paths() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:example:1",
        "type": ["VerifiableCredential"],
        "credentialSubject": [
            {"id": "_:s0", "type": "Person", "name": "A", "knows": {"name": "B"}},
            {"type": "Person", "name": "C", "age": None},
            {"name": "D"},
        ],
    }
    assert select_json_ld(document, []) is None
    assert select_json_ld(document, [""]) == document
    selected = select_json_ld(
        document,
        [
            "/credentialSubject/2/name",
            "/credentialSubject/0/knows/name",
            "/credentialSubject/1/age",
        ],
    )
    # Arrays are made dense; ids that are not blank node ids and types are kept on the path.
    assert selected == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:example:1",
        "type": ["VerifiableCredential"],
        "credentialSubject": [
            {"type": "Person", "knows": {"name": "B"}},
            {"type": "Person", "age": None},
            {"name": "D"},
        ],
    }
    # A whole array, then a pointer into it; the source is never modified.
    before = copy.deepcopy(document)
    both = select_json_ld(document, ["/type", "/type/0", "/credentialSubject/0"])
    assert both is not None
    assert both["type"] == ["VerifiableCredential"]
    assert both["credentialSubject"] == [document["credentialSubject"][0]]
    both["credentialSubject"][0]["name"] = "changed"
    assert document == before


@pytest.mark.parametrize(
    "pointer",
    ["/nope", "/credentialSubject/3", "/credentialSubject/name", "/id/0", "/type/x"],
)
def test_select_json_ld_pointer_matches_nothing(pointer: str) -> None:
    document = {"@context": [], "id": "urn:x", "type": ["T"], "credentialSubject": [{}]}
    with pytest.raises(SelectionError) as raised:
        select_json_ld(document, [pointer])
    assert raised.value.code == "selection.pointer_invalid"
    assert raised.value.details["pointer"] == pointer


def test_skolemization_and_relabeling(case: Case) -> None:
    expanded, compact = skolemize_compact_json_ld(
        case.document, loader=case.loader, random_string="r"
    )
    assert expanded[0]["@id"].startswith("urn:bnid:_r_")
    assert compact["credentialSubject"]["id"].startswith("urn:bnid:_r_")
    skolemized = to_deskolemized_nquads(compact, loader=case.loader)
    assert all("urn:bnid:" not in nq for nq in skolemized)
    assert any(nq.startswith("_:_r_") for nq in skolemized)
    # Skolem IRIs come back as the blank nodes they were, and only those.
    assert deskolemize_nquads(['<urn:bnid:b0> <urn:p> "<urn:bnid:b1>" .\n']) == [
        '_:b0 <urn:p> "<urn:bnid:b1>" .\n'
    ]
    # The same statements as the document, up to blank node labels.
    ours = canonical_dataset(case.document, loader=case.loader).nquads
    assert canonicalize(parse_nquads("".join(skolemized))).nquads == ours
    # Label replacement from N-Quad strings agrees with the JSON-LD path, and relabeling
    # the canonical statements with the HMAC map gives the HMAC-labelled statements.
    factory = create_hmac_id_label_map_function(_keys()[2])
    from_strings, label_map = label_replacement_canonicalize_nquads(skolemized, factory)
    assert from_strings == case.read("addBaseDocHMACCanon.json")
    assert sorted(relabel_blank_nodes(skolemized, label_map)) == from_strings


def test_create_label_map_function_leaves_unknown_labels_out() -> None:
    factory = create_label_map_function({"c14n0": "uA"})
    assert factory({"b7": "c14n0", "b8": "c14n1"}) == {"b7": "uA"}


def test_fast_skolemization_matches_full_algorithm(case: Case) -> None:
    factory = create_hmac_id_label_map_function(_keys()[2])
    groups = {
        "mandatory": case.mandatory_pointers,
        "selective": case.selective_pointers,
        "more": ["/credentialSubject/birthDate", "/type/1", "/validUntil"],
        "whole": [""],
    }
    assert not skolemize(case.document, loader=case.loader).full_algorithm
    fast = canonicalize_and_group(case.document, factory, groups, loader=case.loader)
    full = canonicalize_and_group(case.document, factory, groups, loader=case.loader, fast=False)
    assert fast.nquads == full.nquads
    for name in groups:
        assert fast.groups[name].matching == full.groups[name].matching, name


def test_pointers_select_from_the_document_as_written() -> None:
    """A one-element array stays an array on the fast path; compaction makes it a string."""
    case = CASES[1]
    pointer = "/credentialSubject/permanentResidentCard/type/0"
    factory = create_hmac_id_label_map_function(_keys()[2])
    fast = canonicalize_and_group(case.document, factory, {"t": [pointer]}, loader=case.loader)
    assert any("PermanentResidentCard>" in nq for nq in fast.groups["t"].matching.values())
    with pytest.raises(SelectionError) as raised:
        canonicalize_and_group(
            case.document, factory, {"t": [pointer]}, loader=case.loader, fast=False
        )
    assert raised.value.code == "selection.pointer_invalid"


_EXAMPLE_CONTEXT = {
    "data": {"@id": "https://example.org/data", "@type": "@json"},
    "label": {"@id": "https://example.org/label", "@container": "@language"},
    "tags": {"@id": "https://example.org/tags", "@container": "@index"},
    "items": {"@id": "https://example.org/items", "@container": "@list"},
    "thing": "https://example.org/thing",
}


@pytest.mark.parametrize(
    "extra",
    [
        {"data": {"kind": "json", "nested": {"a": 1}}},
        {"label": {"en": "nurse", "ja": "看護師"}},
        {"tags": {"a": {"thing": "x"}, "b": {"thing": "y"}}},
        {"@type": "VerifiableCredential"},
        {"items": ["a", "b"]},
        # The blank node label of a real node also appears inside a JSON literal.
        {"id": "_:b0", "data": {"id": "_:b0"}},
    ],
    ids=["json-literal", "language-map", "index-map", "keyword", "list", "label-in-literal"],
)
def test_skolemization_falls_back_to_full_algorithm(extra: dict[str, Any]) -> None:
    """Where an added ``id`` would not name a node, the full algorithm runs instead."""
    loader = default_loader()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", _EXAMPLE_CONTEXT],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"thing": "subject", **extra},
    }
    assert skolemize(document, loader=loader).full_algorithm
    factory = create_hmac_id_label_map_function(b"k" * 32)
    grouped = canonicalize_and_group(
        document, factory, {"s": ["/credentialSubject/thing"]}, loader=loader
    )
    assert (
        grouped.nquads
        == label_replacement_canonicalize_json_ld(document, factory, loader=loader)[0]
    )
    assert len(grouped.groups["s"].matching) >= 1


# --- Round trips. ------------------------------------------------------------------------------


@cache
def _employ_base(mandatory: tuple[str, ...]) -> dict[str, Any]:
    case = CASES[0]
    signer = _keys()[0]
    return {
        **case.document,
        "proof": SUITE.create_proof(
            case.document,
            case.proof_options,
            signer=signer,
            loader=case.loader,
            mandatory_pointers=mandatory,
        ),
    }


@pytest.mark.parametrize(
    ("mandatory", "selective", "subject_keys"),
    [
        (("/issuer",), (), None),
        (("/issuer",), ("/credentialSubject/givenName",), {"type", "givenName"}),
        (
            ("/issuer",),
            ("/credentialSubject/employmentAuthorizationDocument/lprNumber",),
            {"type", "employmentAuthorizationDocument"},
        ),
        (("/issuer",), ("/credentialSubject",), None),
        ((), ("/validFrom", "/credentialSubject/birthCountry"), {"type", "birthCountry"}),
        (("/issuer", "/validUntil"), ("/credentialSubject/gender", "/type/1"), {"type", "gender"}),
        ((), ("",), None),
        (
            ("/credentialSubject/familyName",),
            ("/credentialSubject/familyName", "/name"),
            {"type", "familyName"},
        ),
    ],
)
def test_round_trip(
    mandatory: tuple[str, ...], selective: tuple[str, ...], subject_keys: set[str] | None
) -> None:
    case = CASES[0]
    secured = _employ_base(mandatory)
    _verify_base(secured)
    derived = SUITE.derive(secured, selective_pointers=selective, loader=case.loader)
    _verify(derived)
    revealed = without_proof(derived)
    # The holder reveals exactly what the pointers select, and nothing else.
    assert revealed == select_json_ld(case.document, [*mandatory, *selective])
    if subject_keys is not None:
        assert set(revealed["credentialSubject"]) == subject_keys
    if subject_keys is not None and "givenName" not in subject_keys:
        assert "JOHN" not in str(revealed)
    # One signature per revealed non-mandatory statement, and the verifier's statements
    # are exactly the issuer's mandatory and selected ones.
    data = create_verify_data(revealed, derived["proof"], loader=case.loader)
    disclosed = create_disclosure_data(
        case.document, secured["proof"], selective, loader=case.loader
    )
    assert list(data.nquads) == list(disclosed.groups.groups["combined"].matching.values())
    assert len(data.signatures) == len(data.non_mandatory)


def test_round_trip_through_the_proofs_api() -> None:
    """sign, derive and verify through vc_core.di with a shikaku sample credential."""
    loader = cli_loader()
    signer = generate_key("p256")
    credential = jp_sample_credential(issuer="did:example:board")
    signed = di.sign(
        credential,
        suite="ecdsa-sd-2023",
        signer=signer,
        loader=loader,
        mandatory_pointers=["/issuer", "/validFrom"],
    )
    assert multibase_decode(signed["proof"]["proofValue"])[:3] == BASE_PROOF_HEADER
    derived = di.derive(
        signed,
        selective_pointers=[
            "/credentialSubject/achievement/name",
            "/credentialSubject/licenseNumber",
        ],
        loader=loader,
    )
    assert multibase_decode(derived["proof"]["proofValue"])[:3] == DERIVED_PROOF_HEADER
    assert "description" not in derived
    assert "familyName" not in derived["credentialSubject"]
    assert derived["credentialSubject"]["achievement"]["name"] == "看護師"
    (verified,) = di.verify(derived, loader=loader)
    assert verified.cryptosuite == "ecdsa-sd-2023"
    assert di.verify_base(signed, loader=loader).cryptosuite == "ecdsa-sd-2023"
    with pytest.raises(ProofError) as caught:
        di.verify(signed, loader=loader)
    assert (caught.value.code, caught.value.details["proof_index"]) == ("proof.base_proof", 0)


def test_fresh_keys_by_default() -> None:
    case = CASES[0]
    first = parse_base_proof_value(_employ_base(("/issuer",))["proof"]["proofValue"])
    again = SUITE.create_proof(
        case.document, case.proof_options, signer=_keys()[0], loader=case.loader
    )
    second = parse_base_proof_value(again["proofValue"])
    assert first.hmac_key != second.hmac_key
    assert first.public_key != second.public_key
    assert len(second.hmac_key) == 32


# --- Negative cases. ---------------------------------------------------------------------------


def _derived_employ() -> dict[str, Any]:
    return copy.deepcopy(read_json(f"{_SD}/employ/derivedRevealDocument.json"))


def _reencode(proof_value: str, change: Callable[[list[Any]], None]) -> str:
    raw = multibase_decode(proof_value, expect="u")
    components = cbor2.loads(raw[3:])
    change(components)
    return multibase_encode(raw[:3] + cbor2.dumps(components), "u")


def _code(document: dict[str, Any]) -> str:
    with pytest.raises(ShikakuError) as raised:
        _verify(document)
    return raised.value.code


def test_tampered_statement() -> None:
    derived = _derived_employ()
    derived["credentialSubject"]["birthCountry"] = "Utopia"
    assert _code(derived) == "proof.invalid_signature"


def test_tampered_mandatory_statement() -> None:
    derived = _derived_employ()
    derived["issuer"]["image"] = derived["issuer"]["image"][:-6] + "AAAA=="
    assert _code(derived) == "proof.invalid_signature"


def test_tampered_proof_options() -> None:
    derived = _derived_employ()
    derived["proof"]["created"] = "2023-08-15T23:36:39Z"
    assert _code(derived) == "proof.invalid_signature"


@pytest.mark.parametrize("component", [0, 2])
def test_tampered_signature(component: int) -> None:
    def flip(components: list[Any]) -> None:
        target = components[component] if component == 0 else components[2][3]
        flipped = bytes([target[0] ^ 1]) + target[1:]
        if component == 0:
            components[0] = flipped
        else:
            components[2][3] = flipped

    derived = _derived_employ()
    derived["proof"]["proofValue"] = _reencode(derived["proof"]["proofValue"], flip)
    assert _code(derived) == "proof.invalid_signature"


def test_tampered_base_proof() -> None:
    secured = copy.deepcopy(_employ_base(("/issuer",)))
    secured["credentialSubject"]["gender"] = "Female"
    with pytest.raises(ProofError) as caught:
        _verify_base(secured)
    assert caught.value.code == "proof.invalid_signature"
    # A verifier refuses it before looking at a signature: it is a base proof.
    assert _code(secured) == "proof.base_proof"


def test_a_derived_proof_is_not_a_base_proof_for_the_holder() -> None:
    with pytest.raises(ProofError) as caught:
        _verify_base(_derived_employ())
    assert caught.value.code == "proof.malformed"


def test_added_statement() -> None:
    # The statement exists in the base credential, but the holder did not disclose it.
    derived = _derived_employ()
    derived["credentialSubject"]["familyName"] = "SMITH"
    assert _code(derived) == "proof.invalid_signature"


def test_added_node() -> None:
    derived = _derived_employ()
    derived["credentialSubject"]["employmentAuthorizationDocument"] = {
        "type": "EmploymentAuthorizationDocument"
    }
    assert _code(derived) == "proof.invalid_signature"


def test_removed_statement() -> None:
    derived = _derived_employ()
    del derived["validUntil"]
    assert _code(derived) == "proof.invalid_signature"


def test_mandatory_index_moved() -> None:
    derived = _derived_employ()

    def move(components: list[Any]) -> None:
        components[4] = [0, 4, 5, 6]

    derived["proof"]["proofValue"] = _reencode(derived["proof"]["proofValue"], move)
    assert _code(derived) == "proof.invalid_signature"


def test_wrong_issuer_key() -> None:
    derived = _derived_employ()
    other = generate_key("p256")
    did = di.default_verification_method(other)
    derived["proof"]["verificationMethod"] = did
    assert _code(derived) == "proof.invalid_signature"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c.pop(),
        lambda c: c.__setitem__(1, c[1][:-1]),
        lambda c: c.__setitem__(2, [b"x" * 63]),
        lambda c: c.__setitem__(3, {0: b"x" * 31}),
        lambda c: c.__setitem__(3, {0: b"x" * 32, 1: b"x" * 32}),
        lambda c: c.__setitem__(3, {"c14n0": b"x" * 32}),
        lambda c: c.__setitem__(4, [0, -1]),
        lambda c: c.__setitem__(4, [True]),
        lambda c: c.__setitem__(0, cbor2.CBORTag(64, c[0])),
    ],
    ids=[
        "four-components",
        "short-key",
        "short-signature",
        "short-label",
        "label-map-not-one-to-one",
        "string-label-key",
        "negative-index",
        "boolean-index",
        "tagged",
    ],
)
def test_malformed_derived_proof_value(mutate: Callable[[list[Any]], None]) -> None:
    derived = _derived_employ()
    derived["proof"]["proofValue"] = _reencode(derived["proof"]["proofValue"], mutate)
    assert _code(derived) == "proof.malformed"


@pytest.mark.parametrize(
    "proof_value",
    [
        "z" + b58encode(DERIVED_PROOF_HEADER + cbor2.dumps([])),
        "u" + "A" * 5,
        multibase_encode(b"\xd9\x5d\x02" + cbor2.dumps([1, 2, 3, 4, 5]), "u"),
        multibase_encode(DERIVED_PROOF_HEADER + b"\xff", "u"),
        multibase_encode(DERIVED_PROOF_HEADER + cbor2.dumps([1, 2, 3, 4, 5]) + b"\x00", "u"),
    ],
    ids=["base58", "not-base64url", "unknown-header", "not-cbor", "trailing-bytes"],
)
def test_malformed_proof_value(proof_value: str) -> None:
    derived = _derived_employ()
    derived["proof"]["proofValue"] = proof_value
    assert _code(derived) == "proof.malformed"


def test_verification_method_missing() -> None:
    derived = _derived_employ()
    del derived["proof"]["verificationMethod"]
    assert _code(derived) == "proof.malformed"


def test_derive_needs_a_base_proof() -> None:
    case = CASES[0]
    derived = _derived_employ()
    with pytest.raises(ProofError) as raised:
        SUITE.derive(derived, selective_pointers=["/name"], loader=case.loader)
    assert raised.value.code == "proof.malformed"
    not_sd = {**case.document, "proof": {**derived["proof"], "cryptosuite": "ecdsa-rdfc-2019"}}
    with pytest.raises(ProofError) as raised:
        SUITE.derive(not_sd, selective_pointers=["/name"], loader=case.loader)
    assert raised.value.code == "proof.cryptosuite_unsupported"


@pytest.mark.parametrize(
    ("selective", "code"),
    [
        (["/credentialSubject/nope"], "selection.pointer_invalid"),
        (["credentialSubject"], "selection.pointer_invalid"),
        (["/credentialSubject/givenName/0"], "selection.pointer_invalid"),
        (["/type/2"], "selection.pointer_invalid"),
        (["/a~2"], "selection.pointer_invalid"),
        ("/name", "selection.pointer_invalid"),
        ([7], "selection.pointer_invalid"),
    ],
)
def test_wrong_selective_pointer(selective: Any, code: str) -> None:
    with pytest.raises(SelectionError) as raised:
        SUITE.derive(
            _employ_base(("/issuer",)), selective_pointers=selective, loader=vector_loader()
        )
    assert raised.value.code == code


def test_nothing_to_disclose() -> None:
    with pytest.raises(SelectionError) as raised:
        SUITE.derive(_employ_base(()), selective_pointers=[], loader=vector_loader())
    assert raised.value.code == "selection.pointer_mandatory"


@pytest.mark.parametrize("mandatory", [["/issuer/nope"], ["issuer"], ["/validFrom/x"]])
def test_wrong_mandatory_pointer(mandatory: list[str]) -> None:
    case = CASES[0]
    with pytest.raises(SelectionError) as raised:
        SUITE.create_proof(
            case.document,
            case.proof_options,
            signer=_keys()[0],
            loader=case.loader,
            mandatory_pointers=mandatory,
        )
    assert raised.value.code == "selection.pointer_invalid"


@pytest.mark.parametrize("key_type", ["p384", "ed25519"])
def test_issuer_key_must_be_p256(key_type: Any) -> None:
    case = CASES[0]
    with pytest.raises(ProofError) as raised:
        SUITE.create_proof(
            case.document, case.proof_options, signer=generate_key(key_type), loader=case.loader
        )
    assert raised.value.code == "proof.key_mismatch"


# --- Property: any changed value of a derived credential fails verification. -------------------


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() if k != "@context" for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


@cache
def _derived_leaves() -> list[tuple[Any, ...]]:
    return [
        path
        for path in _leaves(_derived_employ())
        if path[0] != "proof" or path[1] in ("created", "proofPurpose")
    ]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), replacement=st.text(min_size=1, max_size=40))
def test_any_changed_value_fails_verification(data: st.DataObject, replacement: str) -> None:
    derived = _derived_employ()
    path = data.draw(st.sampled_from(_derived_leaves()))
    parent = derived
    for step in path[:-1]:
        parent = parent[step]
    if parent[path[-1]] == replacement:
        replacement += "x"
    parent[path[-1]] = replacement
    with pytest.raises(ShikakuError) as raised:
        _verify(derived)
    assert raised.value.code in {
        "proof.invalid_signature",
        "proof.created_invalid",
        "jsonld.relative_iri",
        "jsonld.undefined_term",
        "jsonld.invalid",
        "canon.term_invalid",
    }
