"""The ``eddsa-rdfc-2022`` cryptosuite (Data Integrity EdDSA Cryptosuites v1.0 §3.3).

Ed25519 over ``hashData`` (SHA-256 of the canonical proof configuration
followed by SHA-256 of the canonical document); the one suite Open Badges 3.0
certifies. The proofValue is base58btc multibase of the 64-byte signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.di._rdfc import hash_data
from vc_core.di.base import require_key
from vc_core.did import KeyResolver, VerificationMethod
from vc_core.errors import CodecError, ProofError
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer, verify_signature

__all__ = ["EddsaRdfc2022"]


class EddsaRdfc2022:
    """``eddsa-rdfc-2022``: RDFC-1.0 canonicalization, Ed25519 signatures."""

    name = "eddsa-rdfc-2022"

    def create_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        signer: Signer,
        loader: Loader,
        mandatory_pointers: Sequence[str] = (),
    ) -> dict[str, Any]:
        """§3.3.1 Create Proof."""
        if mandatory_pointers:
            raise ProofError("proof.malformed", "mandatory pointers belong to ecdsa-sd-2023")
        if not isinstance(signer.public_key, ed25519.Ed25519PublicKey):
            raise ProofError("proof.key_mismatch", "eddsa-rdfc-2022 needs an Ed25519 key")
        # Steps 1–4: proof configuration, transformation, hashing.
        data = hash_data(unsecured_document, proof, cryptosuite=self.name, loader=loader)
        # Steps 5–6: serialization (Ed25519 over hashData) and base58btc proofValue.
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
        if len(proof_bytes) != 64:
            raise ProofError("proof.invalid_signature", "an Ed25519 signature has 64 bytes")
        method = resolver(proof["verificationMethod"])
        key = require_key(method, {"Ed25519": ed25519.Ed25519PublicKey})
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        data = hash_data(unsecured_document, options, cryptosuite=self.name, loader=loader)
        verify_signature(key, proof_bytes, data)
        return method
