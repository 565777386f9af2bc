"""SD-JWT VC: the ``dc+sd-jwt`` credential format (draft-ietf-oauth-sd-jwt-vc).

- §3.1: the issuer JWT's ``typ`` is ``dc+sd-jwt``.
- §3.2.2.1: ``vct`` (the credential type, a string) is REQUIRED; ``iss``, ``nbf``, ``exp``,
  ``cnf``, ``status`` and ``sub`` are the registered claims the format uses.
- §3.2.2.2: ``iss``, ``nbf``, ``exp``, ``cnf``, ``vct``, ``vct#integrity`` and ``status`` MUST
  NOT be selectively disclosable. The issuer side refuses to conceal them and the verifier
  side refuses a token that did (``sdjwt.claim_not_disclosable``), whether the claim itself
  or a member inside it was concealed.
- §3.5: when key binding is used, ``cnf`` holds the holder's key (RFC 7800).

Status is a Token Status List reference (``status.status_list.{idx, uri}``,
draft-ietf-oauth-status-list §6.1); checking it needs the network and lives in ``verifier``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, Final

from vc_core.errors import SdJwtError
from vc_core.keys import Signer
from vc_core.sdjwt.disclosure import parse_pointer
from vc_core.sdjwt.issue import DEFAULT_DECOYS, Decoys, issue_sd_jwt
from vc_core.sdjwt.serialization import SdJwt
from vc_core.sdjwt.verify import SdJwtVerification
from vc_core.verdict import Check, run_check

__all__ = [
    "DC_SD_JWT",
    "NON_DISCLOSABLE",
    "check_disclosable",
    "check_sd_jwt_vc",
    "issue_sd_jwt_vc",
    "sd_jwt_vc_check",
]

DC_SD_JWT: Final = "dc+sd-jwt"
#: §3.2.2.2: claims an SD-JWT VC never conceals.
NON_DISCLOSABLE: Final = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})


def check_disclosable(sd_pointers: Iterable[str]) -> list[str]:
    """The pointers as a list, or ``sdjwt.claim_not_disclosable`` for one reaching into a
    claim of :data:`NON_DISCLOSABLE`."""
    pointers = list(sd_pointers)
    for text in pointers:
        path = parse_pointer(text)
        if path and path[0] in NON_DISCLOSABLE:
            raise SdJwtError("sdjwt.claim_not_disclosable", f"{text[:60]} must stay visible")
    return pointers


def issue_sd_jwt_vc(
    claims: Mapping[str, Any],
    sd_pointers: Iterable[str],
    signer: Signer,
    *,
    header: Mapping[str, Any] | None = None,
    decoys: Decoys = DEFAULT_DECOYS,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> SdJwt:
    """§3: a ``dc+sd-jwt`` over ``claims`` (which must carry ``vct``)."""
    if not isinstance(claims.get("vct"), str) or not claims["vct"]:
        raise SdJwtError("sdjwt.vct_invalid", "an SD-JWT VC needs a vct")
    return issue_sd_jwt(
        claims,
        check_disclosable(sd_pointers),
        signer,
        typ=DC_SD_JWT,
        header=header,
        decoys=decoys,
        random_bytes=random_bytes,
        randbelow=randbelow,
    )


def check_sd_jwt_vc(result: SdJwtVerification, *, vct: Collection[str] | None = None) -> str:
    """§3.2.2: ``vct`` is signed in the clear (and one of ``vct`` when given), and nothing of
    :data:`NON_DISCLOSABLE` came from a Disclosure. Returns the ``vct``."""
    value = result.payload.get("vct")
    if not isinstance(value, str) or not value:
        raise SdJwtError("sdjwt.vct_invalid", "vct is missing from the signed payload")
    if vct is not None and value not in vct:
        raise SdJwtError("sdjwt.vct_invalid", f"vct {value[:80]!r} is not the type expected")
    if result.processed is not None:
        for path in result.processed.paths.values():
            if path[0] in NON_DISCLOSABLE:
                raise SdJwtError("sdjwt.claim_not_disclosable", f"{path[0]} was concealed")
    return value


def sd_jwt_vc_check(
    vct: Collection[str] | None = None,
) -> Callable[[SdJwtVerification], Check]:
    """The ``sd_jwt_vc.claims`` check of :func:`check_sd_jwt_vc`, for ``extra_checks``."""

    def sd_jwt_vc_claims(result: SdJwtVerification) -> Check:
        check, found = run_check("sd_jwt_vc.claims", lambda: check_sd_jwt_vc(result, vct=vct))
        return check if found is None else Check("sd_jwt_vc.claims", True, details={"vct": found})

    return sd_jwt_vc_claims
