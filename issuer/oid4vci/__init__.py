"""The board's OpenID4VCI 1.0 credential issuer (pre-authorized code flow, DPoP, batches).

Pure protocol logic and the board's tables; the HTTP routes are :mod:`issuer.http.oid4vci`.

- :mod:`~issuer.oid4vci.metadata`: credential issuer and authorization server metadata;
- :mod:`~issuer.oid4vci.offers`: credential offers by value and by reference;
- :mod:`~issuer.oid4vci.jwt_proofs`: DPoP proofs (RFC 9449) and key proofs (§8.2.1.1);
- :mod:`~issuer.oid4vci.holders`: :class:`KeyProofPolicy`, whose key may hold a credential
  (the seam to card enrolment);
- :mod:`~issuer.oid4vci.grants` and :mod:`~issuer.oid4vci.models`: grants, tokens, nonces;
- :mod:`~issuer.oid4vci.service`: :class:`Oid4vciIssuer`, the endpoints as methods.
"""

from __future__ import annotations

from issuer.oid4vci.holders import EnrolledKeys, Holder, KeyProofPolicy, ProofKeyTypes
from issuer.oid4vci.jwt_proofs import DpopProof, KeyProof
from issuer.oid4vci.metadata import PRE_AUTHORIZED_GRANT, configuration_id
from issuer.oid4vci.offers import CreatedOffer
from issuer.oid4vci.service import Accepted, Oid4vciIssuer

__all__ = [
    "PRE_AUTHORIZED_GRANT",
    "Accepted",
    "CreatedOffer",
    "DpopProof",
    "EnrolledKeys",
    "Holder",
    "KeyProof",
    "KeyProofPolicy",
    "Oid4vciIssuer",
    "ProofKeyTypes",
    "configuration_id",
]
