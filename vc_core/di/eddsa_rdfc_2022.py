"""The ``eddsa-rdfc-2022`` cryptosuite (Data Integrity EdDSA Cryptosuites v1.0 §3.3).

Ed25519 over ``hashData`` (SHA-256 of the canonical proof configuration
followed by SHA-256 of the canonical document; the shared steps are in
:mod:`vc_core.di._rdfc`). It is the one suite Open Badges 3.0 certifies. The
proofValue is base58btc multibase of the 64-byte signature.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519

from vc_core.di._rdfc import HashName, RdfcSuite
from vc_core.errors import ProofError
from vc_core.keys import AnyPublicKey

__all__ = ["EddsaRdfc2022"]


class EddsaRdfc2022(RdfcSuite):
    """``eddsa-rdfc-2022``: RDFC-1.0 canonicalization, Ed25519 signatures."""

    name = "eddsa-rdfc-2022"

    def hash_for(self, key: AnyPublicKey) -> HashName:
        # §3.3.4 Hashing: always SHA-256; §3.3.1 the key must be Ed25519.
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise ProofError("proof.key_mismatch", "eddsa-rdfc-2022 needs an Ed25519 key")
        return "sha256"
