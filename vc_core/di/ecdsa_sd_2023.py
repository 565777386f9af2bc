"""The ``ecdsa-sd-2023`` cryptosuite (Data Integrity ECDSA Cryptosuites v1.0, §3.4).

Selective disclosure in three steps:

1. The issuer adds a *base proof* (Create Base Proof and its steps): the credential becomes
   canonical N-Quads whose blank node labels are HMACs of the canonical ones;
   the statements that ``mandatory_pointers`` select are hashed together, and
   every other statement is signed alone with a proof-scoped P-256 key. The
   issuer's key signs the proof options, that key and the mandatory hash.
2. The holder *derives* a proof (Add Derived Proof, createDisclosureData): it
   keeps the mandatory statements, those ``selective_pointers`` select and
   their signatures, and maps the verifier's canonical labels to the HMAC ones.
3. The verifier checks the derived proof (Verify Derived Proof, createVerifyData).

The selective disclosure functions live in :mod:`vc_core.di.sd_primitives`.
``proofValue`` is multibase ``u`` over a three-byte header (``d9 5d 00`` base,
``d9 5d 01`` derived) and an untagged CBOR array (serializeBaseProofValue,
serializeDerivedProofValue).

The issuer's key must be P-256 (ES256), like the proof-scoped key and the
HMAC (HMAC-SHA-256). ECDSA signatures are RFC 6979 deterministic, so with the
HMAC key and proof-scoped key passed in, a base proof is reproducible.

:meth:`EcdsaSd2023.verify_proof` is the verifier's algorithm (Verify Derived Proof) and
accepts derived proofs only: parseDerivedProofValue refuses any other header, so a base
proof, which carries every statement's signature and the HMAC key that unblinds the blank
node labels, is ``proof.base_proof`` and never verifies. The holder checks the base
credential it receives through the separate :meth:`EcdsaSd2023.verify_base_proof`, which
repeats the issuer's steps with the proof's own HMAC key (the spec defines no such check).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from vc_core.codecs import b64url_decode, b64url_encode, multibase_decode, multibase_encode
from vc_core.di.base import proof_config, require_key, without_proof
from vc_core.di.sd_primitives import (
    CanonicalGroups,
    _json_copy,
    canonicalize_and_group,
    create_hmac_id_label_map_function,
    create_label_map_function,
    hash_mandatory_nquads,
    label_replacement_canonicalize_json_ld,
    select_json_ld,
)
from vc_core.did import KeyResolver, VerificationMethod
from vc_core.errors import CanonicalizationError, CodecError, ProofError, SelectionError
from vc_core.jsonld.canon import canonize
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer, verify_signature
from vc_core.rdf.canon import canonicalize

__all__ = [
    "BASE_PROOF_HEADER",
    "DERIVED_PROOF_HEADER",
    "BaseProofValue",
    "DerivedProofValue",
    "DisclosureData",
    "EcdsaSd2023",
    "HashData",
    "TransformedData",
    "VerifyData",
    "base_proof_configuration",
    "base_proof_hashing",
    "base_proof_serialization",
    "base_proof_transformation",
    "create_base_verify_data",
    "create_disclosure_data",
    "create_verify_data",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "serialize_base_proof_value",
    "serialize_derived_proof_value",
    "serialize_sign_data",
]

SUITE = "ecdsa-sd-2023"
BASE_PROOF_HEADER = b"\xd9\x5d\x00"
DERIVED_PROOF_HEADER = b"\xd9\x5d\x01"
_P256_PUBLIC_HEADER = b"\x80\x24"
_HMAC_KEY_SIZE = 32
_SIGNATURE_SIZE = 64


# --- ecdsa-sd-2023 functions. -----------------------------------------------------------------


def serialize_sign_data(proof_hash: bytes, public_key: bytes, mandatory_hash: bytes) -> bytes:
    """serializeSignData: ``proofHash ‖ publicKey ‖ mandatoryHash``."""
    return proof_hash + public_key + mandatory_hash


@dataclass(frozen=True)
class BaseProofValue:
    """The five components of a base proof value (parseBaseProofValue)."""

    base_signature: bytes
    #: The proof-scoped public key as Multikey bytes (``80 24`` + compressed point).
    public_key: bytes
    hmac_key: bytes
    signatures: tuple[bytes, ...]
    mandatory_pointers: tuple[str, ...]


@dataclass(frozen=True)
class DerivedProofValue:
    """The five components of a derived proof value (parseDerivedProofValue)."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    #: Verifier canonical label (``c14nN``) -> HMAC label (``u`` + base64url).
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


def serialize_base_proof_value(value: BaseProofValue) -> str:
    """serializeBaseProofValue: ``u`` + base64url(``d9 5d 00`` ‖ CBOR components)."""
    # 1) The base proof header; 2) the five components; 3) untagged CBOR.
    components = [
        value.base_signature,
        value.public_key,
        value.hmac_key,
        list(value.signatures),
        list(value.mandatory_pointers),
    ]
    # 4) and 5) Multibase base64url-no-pad.
    return multibase_encode(BASE_PROOF_HEADER + cbor2.dumps(components), "u")


def parse_base_proof_value(proof_value: Any) -> BaseProofValue:
    """parseBaseProofValue; anything malformed raises ``proof.malformed``."""
    components = _decode_components(proof_value, BASE_PROOF_HEADER, "base")
    base_signature, public_key, hmac_key, signatures, pointers = components
    _require(_is_bytes(base_signature, _SIGNATURE_SIZE), "baseSignature must be 64 bytes")
    _require(_is_bytes(public_key, 35), "publicKey must be a 35-byte P-256 Multikey")
    _require(_is_bytes(hmac_key, _HMAC_KEY_SIZE), "hmacKey must be 32 bytes")
    _require(
        isinstance(signatures, list) and all(_is_bytes(s, _SIGNATURE_SIZE) for s in signatures),
        "signatures must be a list of 64-byte signatures",
    )
    _require(
        isinstance(pointers, list) and all(isinstance(p, str) for p in pointers),
        "mandatoryPointers must be a list of strings",
    )
    return BaseProofValue(base_signature, public_key, hmac_key, tuple(signatures), tuple(pointers))


def compress_label_map(label_map: Mapping[str, str]) -> dict[int, bytes]:
    """compressLabelMap: ``c14nN`` -> N, ``u<base64url>`` -> its bytes."""
    compressed: dict[int, bytes] = {}
    for key, value in label_map.items():
        if not (key.startswith("c14n") and key[4:].isdigit() and value.startswith("u")):
            raise ProofError("proof.malformed", "a label map entry is not c14nN -> u<base64url>")
        compressed[int(key[4:])] = b64url_decode(value[1:])
    return dict(sorted(compressed.items()))


def decompress_label_map(compressed: Any) -> dict[str, str]:
    """decompressLabelMap: N -> ``c14nN``, bytes -> ``u<base64url>``."""
    _require(isinstance(compressed, dict), "the label map must be a CBOR map")
    label_map: dict[str, str] = {}
    for key, value in compressed.items():
        _require(_is_index(key), "label map keys must be non-negative integers")
        _require(_is_bytes(value, _HMAC_KEY_SIZE), "label map values must be 32 bytes")
        label_map[f"c14n{key}"] = "u" + b64url_encode(value)
    # Two canonical labels for one HMAC label would merge blank nodes the issuer kept apart.
    _require(len(set(label_map.values())) == len(label_map), "the label map is not one-to-one")
    return label_map


def serialize_derived_proof_value(value: DerivedProofValue) -> str:
    """serializeDerivedProofValue: ``u`` + base64url(``d9 5d 01`` ‖ CBOR components)."""
    # 1) Compress the label map; 2) the derived proof header; 3) the five components.
    components = [
        value.base_signature,
        value.public_key,
        list(value.signatures),
        compress_label_map(value.label_map),
        list(value.mandatory_indexes),
    ]
    # 4) Untagged CBOR; 5) multibase base64url-no-pad.
    return multibase_encode(DERIVED_PROOF_HEADER + cbor2.dumps(components), "u")


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """parseDerivedProofValue; anything malformed raises ``proof.malformed``."""
    components = _decode_components(proof_value, DERIVED_PROOF_HEADER, "derived")
    base_signature, public_key, signatures, compressed, indexes = components
    _require(_is_bytes(base_signature, _SIGNATURE_SIZE), "baseSignature must be 64 bytes")
    # The spec's prose says 36 bytes; a P-256 Multikey (header and compressed point) is 35.
    _require(_is_bytes(public_key, 35), "publicKey must be a 35-byte P-256 Multikey")
    _require(
        isinstance(signatures, list) and all(_is_bytes(s, _SIGNATURE_SIZE) for s in signatures),
        "signatures must be a list of 64-byte signatures",
    )
    _require(
        isinstance(indexes, list) and all(_is_index(i) for i in indexes),
        "mandatoryIndexes must be a list of non-negative integers",
    )
    return DerivedProofValue(
        base_signature,
        public_key,
        tuple(signatures),
        decompress_label_map(compressed),
        tuple(indexes),
    )


def _decode_components(proof_value: Any, header: bytes, kind: str) -> list[Any]:
    # 1) and 2) Multibase base64url-no-pad; 3) the header; 4) an untagged CBOR array of five.
    try:
        raw = multibase_decode(proof_value, expect="u")
    except CodecError as exc:
        raise ProofError("proof.malformed", "proofValue must be multibase base64url") from exc
    if raw[:3] != header:
        raise ProofError("proof.malformed", f"proofValue is not an ecdsa-sd-2023 {kind} proof")
    stream = io.BytesIO(raw[3:])

    def no_tags(_decoder: Any, tag: Any) -> Any:
        raise ValueError(f"CBOR tag {tag.tag} is not allowed")

    try:
        decoded = cbor2.CBORDecoder(
            stream, tag_hook=no_tags, allow_duplicate_keys=False, allow_indefinite=False
        ).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise ProofError("proof.malformed", f"the {kind} proof value is not valid CBOR") from exc
    _require(stream.tell() == len(raw) - 3, "proofValue has bytes after its CBOR value")
    _require(isinstance(decoded, list) and len(decoded) == 5, "proofValue needs five components")
    return list(decoded)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProofError("proof.malformed", message)


def _is_bytes(value: Any, size: int) -> bool:
    return isinstance(value, bytes) and len(value) == size


def _is_index(value: Any) -> bool:
    return type(value) is int and value >= 0


def _public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return _P256_PUBLIC_HEADER + point


def _public_key_from_bytes(public_key: bytes) -> ec.EllipticCurvePublicKey:
    if public_key[:2] != _P256_PUBLIC_HEADER:
        raise ProofError("proof.malformed", "publicKey is not a P-256 Multikey")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key[2:])
    except ValueError as exc:
        raise ProofError("proof.malformed", "publicKey is not a point on P-256") from exc


# --- Base proof. -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformedData:
    """The output of Base Proof Transformation."""

    mandatory_pointers: tuple[str, ...]
    #: Mandatory statements by their index in the canonical N-Quads.
    mandatory: dict[int, str]
    #: Non-mandatory statements by their index in the canonical N-Quads.
    non_mandatory: dict[int, str]
    hmac_key: bytes
    #: The canonical groups the transformation came from (for inspection).
    groups: CanonicalGroups


@dataclass(frozen=True)
class HashData:
    """The output of Base Proof Hashing."""

    transformed: TransformedData
    proof_hash: bytes
    mandatory_hash: bytes


def base_proof_transformation(
    unsecured_document: Mapping[str, Any],
    *,
    mandatory_pointers: Sequence[str],
    hmac_key: bytes,
    loader: Loader,
) -> TransformedData:
    """Base Proof Transformation: HMAC-labelled canonical N-Quads, split by pointers."""
    pointers = _pointer_list(mandatory_pointers)
    if len(hmac_key) != _HMAC_KEY_SIZE:
        raise ProofError("proof.malformed", "the HMAC key must be 32 bytes")
    # 1) and 2) An HMAC-SHA-256 with the key, as a label map factory.
    factory = create_hmac_id_label_map_function(hmac_key)
    # 3) and 4) Canonicalize and group by the mandatory pointers.
    groups = canonicalize_and_group(
        unsecured_document, factory, {"mandatory": pointers}, loader=loader
    )
    mandatory = groups.groups["mandatory"]
    # 5) to 8) Mandatory and non-mandatory statements, and the HMAC key.
    return TransformedData(
        pointers, mandatory.matching, mandatory.non_matching, bytes(hmac_key), groups
    )


def base_proof_configuration(
    unsecured_document: Mapping[str, Any], proof: Mapping[str, Any], *, loader: Loader
) -> str:
    """Base Proof Configuration: the canonical proof options under the document's context.

    Steps 1-4 (copy, check type, cryptosuite and created, set ``@context``) are
    :func:`vc_core.di.base.proof_config`; step 5 canonicalizes with RDFC-1.0.
    """
    return canonize(proof_config(unsecured_document, proof, SUITE), loader=loader)


def base_proof_hashing(transformed: TransformedData, canonical_proof_config: str) -> HashData:
    """Base Proof Hashing: SHA-256 of the proof configuration and of the mandatory part."""
    # 1) proofHash; 2) mandatoryHash; 3) and 4) both with the transformed data.
    proof_hash = hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
    mandatory_hash = hash_mandatory_nquads(list(transformed.mandatory.values()))
    return HashData(transformed, proof_hash, mandatory_hash)


def base_proof_serialization(
    hash_data: HashData, *, signer: Signer, proof_key: ec.EllipticCurvePrivateKey
) -> str:
    """Base Proof Serialization: sign every statement and bind the proof-scoped key."""
    transformed = hash_data.transformed
    # 1) proofHash, mandatoryPointers, mandatoryHash, nonMandatory and hmacKey.
    # 2) The proof-scoped P-256 key pair (passed in; a fresh one by default).
    # 3) Sign the UTF-8 of each non-mandatory statement, in order, with ES256 (RFC 6979
    # nonces, r ‖ s). This is SoftwareKey.sign without its per-call key checks.
    signatures = tuple(
        _es256(proof_key, nq.encode("utf-8")) for nq in transformed.non_mandatory.values()
    )
    # 4) The proof-scoped public key as Multikey bytes.
    public_key = _public_key_bytes(proof_key.public_key())
    # 5) and 6) The issuer signs proofHash, that key and mandatoryHash.
    to_sign = serialize_sign_data(hash_data.proof_hash, public_key, hash_data.mandatory_hash)
    base_signature = signer.sign(to_sign)
    # 7) and 8) The base proof value.
    return serialize_base_proof_value(
        BaseProofValue(
            base_signature,
            public_key,
            transformed.hmac_key,
            signatures,
            transformed.mandatory_pointers,
        )
    )


_ES256 = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def _es256(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, _ES256))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _pointer_list(pointers: Any) -> tuple[str, ...]:
    if isinstance(pointers, str) or not isinstance(pointers, Sequence):
        raise SelectionError("selection.pointer_invalid", "pointers must be a list of strings")
    for pointer in pointers:
        if not isinstance(pointer, str):
            raise SelectionError("selection.pointer_invalid", "a JSON pointer must be a string")
    return tuple(pointers)


# --- Derived proof. ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureData:
    """The output of createDisclosureData."""

    base_signature: bytes
    public_key: bytes
    #: The signatures of the selectively disclosed, non-mandatory statements.
    signatures: tuple[bytes, ...]
    #: Verifier canonical label -> HMAC label.
    label_map: dict[str, str]
    #: Indexes of the mandatory statements among the revealed ones.
    mandatory_indexes: tuple[int, ...]
    reveal_document: dict[str, Any]
    #: The canonical groups (mandatory, selective, combined), for inspection.
    groups: CanonicalGroups


def create_disclosure_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    loader: Loader,
) -> DisclosureData:
    """createDisclosureData: what a derived proof reveals, from a base proof."""
    selective = _pointer_list(selective_pointers)
    # 1) The base proof's components.
    base = parse_base_proof_value(proof.get("proofValue"))
    # 2) and 3) The HMAC as a label map factory.
    factory = create_hmac_id_label_map_function(base.hmac_key)
    # 4) and 5) Mandatory, selective and combined groups.
    combined_pointers = base.mandatory_pointers + selective
    if not combined_pointers:
        raise SelectionError("selection.pointer_mandatory", "nothing would be disclosed")
    definitions = {
        "mandatory": base.mandatory_pointers,
        "selective": selective,
        "combined": combined_pointers,
    }
    # 6) Canonicalize and group.
    grouped = canonicalize_and_group(document, factory, definitions, loader=loader)
    mandatory = grouped.groups["mandatory"].matching
    selected = grouped.groups["selective"].matching
    combined = grouped.groups["combined"]
    if len(base.signatures) != len(grouped.groups["mandatory"].non_matching):
        raise ProofError("proof.invalid_signature", "the base proof does not fit the document")
    # 7) to 9) The mandatory statements' indexes among the revealed ones.
    mandatory_indexes = tuple(
        relative for relative, absolute in enumerate(combined.matching) if absolute in mandatory
    )
    # 10) The signatures of the selected statements: walk the non-mandatory indexes.
    non_mandatory_indexes = (i for i in range(len(grouped.nquads)) if i not in mandatory)
    filtered = tuple(
        signature
        for signature, index in zip(base.signatures, non_mandatory_indexes, strict=True)
        if index in selected
    )
    # 11) The reveal document.
    reveal = select_json_ld(document, combined_pointers)
    assert reveal is not None
    # 12) The canonical labels a verifier will give the revealed statements, and
    # 13) and 14) the map from those labels to the HMAC labels the issuer signed.
    canonical_id_map = canonicalize(combined.deskolemized_quads).issued
    verifier_label_map = {
        c14n: grouped.label_map[label] for label, c14n in canonical_id_map.items()
    }
    _check_reveal(reveal, verifier_label_map, list(combined.matching.values()), loader)
    # 15) Return the disclosure data.
    return DisclosureData(
        base.base_signature,
        base.public_key,
        filtered,
        verifier_label_map,
        mandatory_indexes,
        reveal,
        grouped,
    )


def _check_reveal(
    reveal: dict[str, Any], label_map: dict[str, str], expected: list[str], loader: Loader
) -> None:
    """The reveal document must state exactly the combined statements, as a verifier sees them."""
    try:
        nquads, _ = label_replacement_canonicalize_json_ld(
            reveal, create_label_map_function(label_map), loader=loader
        )
    except CanonicalizationError as exc:
        raise SelectionError(
            "selection.pointer_invalid", "the selection cannot be disclosed on its own"
        ) from exc
    if nquads != expected:
        raise SelectionError(
            "selection.pointer_invalid", "the selection cannot be disclosed on its own"
        )


# --- Verification. -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyData:
    """The output of createVerifyData."""

    base_signature: bytes
    proof_hash: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    non_mandatory: tuple[str, ...]
    mandatory_hash: bytes
    #: The canonical N-Quads with HMAC labels the split came from (for inspection).
    nquads: tuple[str, ...]


def create_verify_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], *, loader: Loader
) -> VerifyData:
    """createVerifyData for a derived proof."""
    # 1) proofHash: the canonical proof configuration, hashed with SHA-256.
    proof_hash = hashlib.sha256(
        base_proof_configuration(document, proof, loader=loader).encode("utf-8")
    ).digest()
    # 2) The derived proof's components.
    derived = parse_derived_proof_value(proof.get("proofValue"))
    # 3) and 4) Canonicalize the document, replacing its labels with the HMAC ones.
    try:
        nquads, _ = label_replacement_canonicalize_json_ld(
            document, create_label_map_function(derived.label_map), loader=loader
        )
    except CanonicalizationError as exc:
        if exc.code != "canon.label_unmapped":
            raise
        raise ProofError(
            "proof.invalid_signature", "the document has a blank node the proof does not map"
        ) from exc
    # 5) to 7) Split into mandatory and non-mandatory statements.
    wanted = set(derived.mandatory_indexes)
    mandatory = [nq for index, nq in enumerate(nquads) if index in wanted]
    non_mandatory = tuple(nq for index, nq in enumerate(nquads) if index not in wanted)
    # 8) mandatoryHash; 9) the verify data.
    return VerifyData(
        derived.base_signature,
        proof_hash,
        derived.public_key,
        derived.signatures,
        non_mandatory,
        hash_mandatory_nquads(mandatory),
        tuple(nquads),
    )


def create_base_verify_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], *, loader: Loader
) -> VerifyData:
    """The verify data of a base proof, so a holder can check the credential it received.

    The spec defines no base proof verification; this repeats the issuer's
    transformation with the proof's own HMAC key and mandatory pointers.
    """
    proof_hash = hashlib.sha256(
        base_proof_configuration(document, proof, loader=loader).encode("utf-8")
    ).digest()
    base = parse_base_proof_value(proof.get("proofValue"))
    transformed = base_proof_transformation(
        document, mandatory_pointers=base.mandatory_pointers, hmac_key=base.hmac_key, loader=loader
    )
    return VerifyData(
        base.base_signature,
        proof_hash,
        base.public_key,
        base.signatures,
        tuple(transformed.non_mandatory.values()),
        hash_mandatory_nquads(list(transformed.mandatory.values())),
        tuple(transformed.groups.nquads),
    )


def _verify(data: VerifyData, issuer_key: ec.EllipticCurvePublicKey) -> None:
    """Verify Derived Proof, steps 3-8: all signatures hold, or ``proof.invalid_signature``."""
    # 3) One signature per non-mandatory statement.
    if len(data.signatures) != len(data.non_mandatory):
        raise ProofError(
            "proof.invalid_signature",
            f"{len(data.signatures)} signatures for {len(data.non_mandatory)} statements",
        )
    # 4) The proof-scoped public key.
    local_key = _public_key_from_bytes(data.public_key)
    # 5) and 7) The issuer's signature over proofHash, that key and mandatoryHash.
    to_verify = serialize_sign_data(data.proof_hash, data.public_key, data.mandatory_hash)
    verify_signature(issuer_key, data.base_signature, to_verify)
    # 8) Each disclosed statement's signature by the proof-scoped key.
    for signature, statement in zip(data.signatures, data.non_mandatory, strict=True):
        verify_signature(local_key, signature, statement.encode("utf-8"))


def _p256_key(key: Any) -> ec.EllipticCurvePublicKey:
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ProofError("proof.key_mismatch", "ecdsa-sd-2023 needs a P-256 key")
    return key


# --- The cryptosuite. --------------------------------------------------------------------------


class EcdsaSd2023:
    """``ecdsa-sd-2023``: base proofs, derived proofs and their verification."""

    name = SUITE

    def create_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        signer: Signer,
        loader: Loader,
        mandatory_pointers: Sequence[str] = (),
        hmac_key: bytes | None = None,
        proof_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> dict[str, Any]:
        """Create Base Proof; ``hmac_key`` and ``proof_key`` default to fresh ones."""
        if signer.algorithm != "ES256":
            raise ProofError("proof.key_mismatch", "ecdsa-sd-2023 signs with a P-256 key")
        if proof_key is None:
            proof_key = ec.generate_private_key(ec.SECP256R1())
        elif proof_key.curve.name != "secp256r1":
            raise ProofError("proof.key_mismatch", "the proof-scoped key must be P-256")
        # 1) Clone the options; 2) the canonical proof configuration.
        new_proof = _json_copy(dict(proof))
        canonical_config = base_proof_configuration(unsecured_document, new_proof, loader=loader)
        # 3) Transformation.
        transformed = base_proof_transformation(
            unsecured_document,
            mandatory_pointers=mandatory_pointers,
            hmac_key=secrets.token_bytes(_HMAC_KEY_SIZE) if hmac_key is None else hmac_key,
            loader=loader,
        )
        # 4) Hashing; 5) serialization; 6) the proof value.
        hash_data = base_proof_hashing(transformed, canonical_config)
        new_proof["proofValue"] = base_proof_serialization(
            hash_data, signer=signer, proof_key=proof_key
        )
        # 7) Return the proof.
        return new_proof  # type: ignore[no-any-return]

    def derive(
        self,
        secured_document: Mapping[str, Any],
        *,
        selective_pointers: Sequence[str],
        loader: Loader,
    ) -> dict[str, Any]:
        """Add Derived Proof: the revealed credential with its derived proof."""
        proof = secured_document.get("proof")
        if not isinstance(proof, Mapping) or proof.get("cryptosuite") != SUITE:
            raise ProofError("proof.cryptosuite_unsupported", "derive needs an ecdsa-sd-2023 proof")
        # 1) The disclosure data.
        data = create_disclosure_data(
            without_proof(secured_document), proof, selective_pointers, loader=loader
        )
        # 2) A copy of the base proof; 3) with the derived proof value.
        new_proof = _json_copy(dict(proof))
        new_proof["proofValue"] = serialize_derived_proof_value(
            DerivedProofValue(
                data.base_signature,
                data.public_key,
                data.signatures,
                data.label_map,
                data.mandatory_indexes,
            )
        )
        # 4) and 5) The reveal document with the new proof.
        return {**data.reveal_document, "proof": new_proof}

    def verify_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        loader: Loader,
        resolver: KeyResolver,
    ) -> VerificationMethod:
        """Verify Derived Proof; a base proof is ``proof.base_proof``, a bad one
        ``proof.invalid_signature``."""
        header = _proof_header(proof)
        if header == BASE_PROOF_HEADER:
            raise ProofError(
                "proof.base_proof",
                "an ecdsa-sd-2023 base proof is for the holder; a verifier accepts only "
                "derived proofs (parseDerivedProofValue)",
            )
        if header != DERIVED_PROOF_HEADER:
            raise ProofError("proof.malformed", "proofValue is not an ecdsa-sd-2023 proof")
        issuer_key, method = _issuer_key(proof, resolver)
        # 1) The unsecured document is given; 2) the verify data; 3) to 9) every signature.
        _verify(create_verify_data(unsecured_document, proof, loader=loader), issuer_key)
        return method

    def verify_base_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        loader: Loader,
        resolver: KeyResolver,
    ) -> VerificationMethod:
        """The holder's check of a base credential it received (see the module docstring)."""
        if _proof_header(proof) != BASE_PROOF_HEADER:
            raise ProofError("proof.malformed", "proofValue is not an ecdsa-sd-2023 base proof")
        issuer_key, method = _issuer_key(proof, resolver)
        _verify(create_base_verify_data(unsecured_document, proof, loader=loader), issuer_key)
        return method


def _proof_header(proof: Mapping[str, Any]) -> bytes:
    try:
        return multibase_decode(str(proof.get("proofValue")), expect="u")[:3]
    except CodecError as exc:
        raise ProofError("proof.malformed", "proofValue must be multibase base64url") from exc


def _issuer_key(
    proof: Mapping[str, Any], resolver: KeyResolver
) -> tuple[ec.EllipticCurvePublicKey, VerificationMethod]:
    verification_method = proof.get("verificationMethod")
    if not isinstance(verification_method, str):
        raise ProofError("proof.malformed", "the proof has no verificationMethod")
    method = resolver(verification_method)
    return _p256_key(require_key(method, {"P-256": ec.EllipticCurvePublicKey})), method
