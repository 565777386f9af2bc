"""What the credential is about: its qualification, its schema, and the subject disclosed.

The qualification is read from the JP profile: ``credentialSubject.achievement.humanCode``
(the catalogue id) in W3C forms, the ``vct`` in an SD-JWT VC. The ``schema`` check validates
the qualification's JSON Schema and the catalogue's rules on what was *disclosed*
(:mod:`vc_schemas.validate`, :mod:`vc_schemas.sd_jwt_vc`); a credential that is not a
qualification of the catalogue fails it — this verifier is for qualifications.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vc_core.errors import SchemaError
from vc_schemas.catalogue import Catalogue
from vc_schemas.sd_jwt_vc import qualification_of_vct, validate_enveloped, validate_sd_jwt_vc
from vc_schemas.validate import validate_credential
from verifier.checks.assemble import Checks
from verifier.policy import CheckName
from verifier.result import QualificationInfo

__all__ = [
    "check_schema",
    "qualification_id",
    "qualification_info",
    "subject_of",
]

# SD-JWT VC claims that describe the token rather than the holder.
_TOKEN_CLAIMS = frozenset(
    {"iss", "sub", "iat", "nbf", "exp", "vct", "cnf", "status", "_sd_alg", "achievement"}
)


def qualification_id(document: Mapping[str, Any]) -> str | None:
    """The catalogue id a W3C credential or SD-JWT VC claims set names, or None."""
    vct = document.get("vct")
    if isinstance(vct, str):
        return qualification_of_vct(vct)
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    code = achievement.get("humanCode") if isinstance(achievement, Mapping) else None
    return code if isinstance(code, str) else None


def qualification_info(catalogue: Catalogue, qualification: str | None) -> QualificationInfo | None:
    entry = next((q for q in catalogue if q.id == qualification), None)
    if entry is None:
        return None
    return QualificationInfo(entry.id, entry.name.ja, entry.name.en)


def subject_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The holder's disclosed fields (never more than the document carries)."""
    if "vct" in document:
        return {k: v for k, v in document.items() if k not in _TOKEN_CLAIMS}
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        return {}
    return {k: v for k, v in subject.items() if k not in ("id", "type", "achievement")}


def check_schema(
    checks: Checks,
    catalogue: Catalogue,
    document: Mapping[str, Any],
    *,
    kind: str,
) -> None:
    """``kind``: ``credential`` (all of it), ``disclosed`` (a derived W3C credential),
    ``dc+sd-jwt``, ``vc+sd-jwt`` or ``vc+jwt`` (the disclosed payload)."""
    if not checks.wants(CheckName.SCHEMA):
        return

    def validate() -> dict[str, Any]:
        if kind == "dc+sd-jwt":
            validate_sd_jwt_vc(document, catalogue=catalogue)
        elif kind in ("vc+sd-jwt", "vc+jwt"):
            validate_enveloped(document, disclosed=kind == "vc+sd-jwt", catalogue=catalogue)
        elif kind in ("credential", "disclosed"):
            validate_credential(document, kind=kind, catalogue=catalogue)  # type: ignore[arg-type]
        else:
            raise SchemaError("schema.credential_invalid", f"no schema for {kind}")
        return {"kind": kind}

    checks.run(CheckName.SCHEMA, validate)
