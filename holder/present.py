"""Presenting an SD-JWT credential: choose disclosures by claim path, bind to the verifier.

RFC 9901 §5 (presentation) and §4.3 (KB-JWT): the holder keeps the Disclosures the
verifier's request needs (:func:`vc_core.sdjwt.select_disclosures`: a pointer such as
``/licenseNumber`` or ``/achievement/name`` names a claim of the fully disclosed credential)
and signs a KB-JWT over the verifier's ``nonce`` and ``aud``, the time, and the ``sd_hash`` of
exactly what is presented — with a wallet key (ES256) or on the My Number Card (RS256,
:mod:`holder.card`), whose certificate chain then rides in the KB-JWT's ``x5c``.

Before disclosing, :func:`hidden_requested` names the fields the qualification's disclosure
policy hides by default (本籍, 国籍, 性別: MHLW's fair-recruitment guidance), so the wallet can
warn the holder.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vc_core.jose.jws import parse_jws
from vc_core.jose.vc import VC_SD_JWT
from vc_core.keys import Signer
from vc_core.sdjwt import (
    DC_SD_JWT,
    SdJwt,
    create_key_binding,
    disclosure_paths,
    parse_sd_jwt,
    select_disclosures,
)
from vc_schemas.policy import disclosure_policy
from vc_schemas.sd_jwt_vc import qualification_of_vct

__all__ = ["hidden_requested", "present", "x5c_of"]


def x5c_of(chain: Sequence[x509.Certificate]) -> list[str]:
    """RFC 7515 §4.1.6: certificates as standard base64 DER, leaf first."""
    return [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain]


def present(
    credential: str | SdJwt,
    *,
    disclose: Iterable[str],
    signer: Signer,
    nonce: str,
    audience: str,
    now: datetime,
    chain: Sequence[x509.Certificate] = (),
) -> str:
    """The compact SD-JWT+KB presenting the claims at ``disclose``, bound by ``signer``."""
    sd_jwt = credential if isinstance(credential, SdJwt) else parse_sd_jwt(credential)
    chosen = select_disclosures(sd_jwt, disclose)
    header = {"x5c": x5c_of(chain)} if chain else None
    bound = create_key_binding(
        chosen, signer, nonce=nonce, audience=audience, now=now, header=header
    )
    return bound.compact()


def hidden_requested(credential: str | SdJwt, pointers: Iterable[str]) -> list[str]:
    """The pointers among ``pointers`` that reveal a field hidden by default."""
    sd_jwt = credential if isinstance(credential, SdJwt) else parse_sd_jwt(credential)
    jws = parse_jws(sd_jwt.jwt)
    claims = disclosure_paths(sd_jwt).claims
    wanted = list(pointers)
    typ = str(jws.header.get("typ", "")).lower()
    if typ == DC_SD_JWT:
        qualification = qualification_of_vct(str(claims.get("vct", "")))
        as_w3c = {f"/credentialSubject{p}": p for p in wanted}
    elif typ == VC_SD_JWT:
        subject = claims.get("credentialSubject", {})
        achievement = subject.get("achievement", {}) if isinstance(subject, dict) else {}
        qualification = achievement.get("humanCode") if isinstance(achievement, dict) else None
        as_w3c = {p: p for p in wanted}
    else:
        return []
    if not isinstance(qualification, str):
        return []
    policy = disclosure_policy(qualification)
    return [as_w3c[p] for p in policy.hidden_in(list(as_w3c))]
