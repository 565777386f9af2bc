"""The ``ecdsa-rdfc-2019`` cryptosuite (Data Integrity ECDSA Cryptosuites v1.0 §3.3).

Signs with P-256 (SHA-256) and verifies P-256 and P-384 (SHA-384) proofs.
The proofValue is the multibase base58btc of the ``r ‖ s`` signature over
``hashData`` (see :mod:`vc_core.di._rdfc`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec

from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.di._rdfc import hash_data
from vc_core.di.base import require_key
from vc_core.did import KeyResolver, VerificationMethod
from vc_core.errors import CodecError, ProofError
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer, verify_signature

__all__ = ["EcdsaRdfc2019"]

_HASH_FOR_CURVE: dict[str, Literal["sha256", "sha384"]] = {
    "secp256r1": "sha256",
    "secp384r1": "sha384",
}


def _hash_name(key: Any) -> Literal["sha256", "sha384"]:
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _HASH_FOR_CURVE:
        raise ProofError("proof.key_mismatch", "ecdsa-rdfc-2019 needs a P-256 or P-384 key")
    return _HASH_FOR_CURVE[key.curve.name]


class EcdsaRdfc2019:
    """``ecdsa-rdfc-2019``: RDFC-1.0 canonicalization, ECDSA over P-256 or P-384."""

    name = "ecdsa-rdfc-2019"

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
        hash_name = _hash_name(signer.public_key)
        # Steps 1–4: copy the options, build the proof configuration, transform and
        # hash (vc_core.di._rdfc.hash_data).
        data = hash_data(
            unsecured_document, proof, cryptosuite=self.name, loader=loader, hash_name=hash_name
        )
        # Step 5: serialization — ECDSA over hashData, r ‖ s.
        proof_bytes = signer.sign(data)
        # Step 6: proofValue is base58btc multibase.
        return {**proof, "proofValue": multibase_encode(proof_bytes, "z")}

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
        key = require_key(method, {"P-256/P-384": ec.EllipticCurvePublicKey})
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        data = hash_data(
            unsecured_document,
            options,
            cryptosuite=self.name,
            loader=loader,
            hash_name=_hash_name(key),
        )
        verify_signature(key, proof_bytes, data)
        return method
