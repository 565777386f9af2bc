"""The ``ecdsa-rdfc-2019`` cryptosuite (Data Integrity ECDSA Cryptosuites v1.0 §3.3).

Signs with P-256 (or P-384) and verifies P-256 and P-384 proofs. With P-256
the hash is SHA-256; with P-384 it is SHA-384, for RDFC-1.0 as well as for
``hashData``. The signature is ECDSA ``r ‖ s`` over ``hashData`` (see
:mod:`vc_core.di._rdfc` for the shared steps), with RFC 6979 nonces when
shikaku signs.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from vc_core.di._rdfc import HashName, RdfcSuite
from vc_core.errors import ProofError
from vc_core.keys import AnyPublicKey

__all__ = ["EcdsaRdfc2019"]

_HASH_FOR_CURVE: dict[str, HashName] = {"secp256r1": "sha256", "secp384r1": "sha384"}


class EcdsaRdfc2019(RdfcSuite):
    """``ecdsa-rdfc-2019``: RDFC-1.0 canonicalization, ECDSA over P-256 or P-384."""

    name = "ecdsa-rdfc-2019"

    def hash_for(self, key: AnyPublicKey) -> HashName:
        # §3.3.4 Hashing: SHA-256 for P-256 keys, SHA-384 for P-384 keys.
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _HASH_FOR_CURVE:
            raise ProofError("proof.key_mismatch", "ecdsa-rdfc-2019 needs a P-256 or P-384 key")
        return _HASH_FOR_CURVE[key.curve.name]
