"""What the ``-rdfc-`` suites share (DI ECDSA §3.3, DI EdDSA §3.3).

Both suites run the same algorithms and differ only in their keys and in the
hash ``H``: SHA-384 for P-384 keys, where RDFC-1.0 itself also runs with
SHA-384 (as the W3C P-384 vectors show), SHA-256 otherwise.

- Transformation (§3.3.3) canonicalizes the unsecured document with RDFC-1.0.
- Proof configuration (§3.3.5) canonicalizes the proof options under the
  document's context.
- Hashing (§3.3.4) concatenates ``H(canonical proof config) ‖ H(canonical document)``.
- Serialization (§3.3.6) signs that ``hashData``; the proofValue is base58btc
  multibase of the signature. Verification (§3.3.7) checks it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.di.base import proof_config
from vc_core.did import KeyResolver, VerificationMethod
from vc_core.errors import CodecError, ProofError
from vc_core.jsonld.canon import canonize
from vc_core.jsonld.processor import Loader
from vc_core.keys import AnyPublicKey, Signer, verify_signature

__all__ = ["HashName", "RdfcSuite", "hash_data"]

HashName = Literal["sha256", "sha384"]


# Canonical proof configurations, per loader, by their exact JSON. A board
# signing its register makes thousands of proofs a second that share one
# configuration (one key, one `created` second); canonicalization is a pure
# function of (document, loader, hash), so the cached text is exactly what a
# fresh run would give.
_CONFIGS: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, str], str]] = (
    weakref.WeakKeyDictionary()
)
_CONFIGS_LOCK = threading.Lock()
_CONFIGS_MAX = 64


def _canonical_proof_config(config: dict[str, Any], loader: Loader, hash_name: HashName) -> str:
    key = (json.dumps(config, sort_keys=True, ensure_ascii=False), hash_name)
    try:
        with _CONFIGS_LOCK:
            cache = _CONFIGS.setdefault(loader, OrderedDict())
            hit = cache.get(key)
            if hit is not None:
                cache.move_to_end(key)
                return hit
    except TypeError:  # A loader that cannot be weakly referenced is not cached.
        return canonize(config, loader=loader, hash_algorithm=hash_name)
    text = canonize(config, loader=loader, hash_algorithm=hash_name)
    with _CONFIGS_LOCK:
        cache[key] = text
        while len(cache) > _CONFIGS_MAX:
            cache.popitem(last=False)
    return text


def hash_data(
    unsecured_document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    cryptosuite: str,
    loader: Loader,
    hash_name: HashName = "sha256",
) -> bytes:
    """``hashData``: the bytes the suite signs, from the document and the proof options."""
    # Transformation: the canonical N-Quads of the unsecured document.
    transformed_document = canonize(unsecured_document, loader=loader, hash_algorithm=hash_name)
    # Proof configuration: the proof options under the document's @context, canonicalized.
    canonical_proof_config = _canonical_proof_config(
        proof_config(unsecured_document, proof, cryptosuite), loader, hash_name
    )
    # Hashing: proofConfigHash followed by transformedDocumentHash.
    return (
        hashlib.new(hash_name, canonical_proof_config.encode("utf-8")).digest()
        + hashlib.new(hash_name, transformed_document.encode("utf-8")).digest()
    )


class RdfcSuite:
    """The shared Create Proof and Verify Proof algorithms; subclasses say which keys fit."""

    name: str

    def hash_for(self, key: AnyPublicKey) -> HashName:
        """The hash this suite uses with ``key``; ``proof.key_mismatch`` for a key it refuses."""
        raise NotImplementedError

    def create_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        signer: Signer,
        loader: Loader,
        mandatory_pointers: Sequence[str] = (),
    ) -> dict[str, Any]:
        """§3.3.1 Create Proof: ``proof`` with its proofValue over ``unsecured_document``."""
        if mandatory_pointers:
            raise ProofError("proof.malformed", "mandatory pointers belong to ecdsa-sd-2023")
        hash_name = self.hash_for(signer.public_key)
        # Steps 1–4: copy the options, build the proof configuration, transform, hash.
        data = hash_data(
            unsecured_document, proof, cryptosuite=self.name, loader=loader, hash_name=hash_name
        )
        # Steps 5–6: serialization (sign hashData) and the base58btc proofValue.
        return {**proof, "proofValue": multibase_encode(signer.sign(data), "z")}

    def verify_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        loader: Loader,
        resolver: KeyResolver,
    ) -> VerificationMethod:
        """§3.3.2 Verify Proof: raises ``proof.invalid_signature`` when it does not hold."""
        try:
            proof_bytes = multibase_decode(proof["proofValue"], expect="z")
        except (KeyError, CodecError) as exc:
            raise ProofError("proof.malformed", "proofValue must be base58btc multibase") from exc
        method = resolver(proof["verificationMethod"])
        hash_name = self.hash_for(method.public_key)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        data = hash_data(
            unsecured_document, options, cryptosuite=self.name, loader=loader, hash_name=hash_name
        )
        verify_signature(method.public_key, proof_bytes, data)
        return method
