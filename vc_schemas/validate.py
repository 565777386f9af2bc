"""Validation of JP-profile credentials: the bundled JSON Schemas, then the catalogue.

Two layers, both reporting every problem as a field error with a JSON pointer (RFC 6901):

1. JSON Schema 2020-12 (``jsonschema``), against the credential schema for an issued
   credential or the disclosed-payload schema for an ecdsa-sd-2023 derivation. The schemas
   encode the OB 3.0 structural rules of the JP profile (context order, types, achievement
   with ``type`` and ``achievementType``, ``awardedDate``, issuer ``Profile``) and refuse
   any property they do not list, so an address or a My Number field cannot ride along.
2. The catalogue: the achievement is a known qualification with its own achievement type,
   the registration number has its register's form, sex appears only where the register
   records it, trainings are ones it records, an expiring qualification says when.

JSON Schema cannot say that every term is defined by a context; that is
:func:`vc_core.jsonld.processor.expand` in safe mode, which the tests run on every entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Literal

from vc_core.errors import SchemaError
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.checking import SchemaCheck
from vc_schemas.guard import FieldError, scan_forbidden
from vc_schemas.namespace import (
    CREDENTIAL_SCHEMA_V1,
    DISCLOSED_SCHEMA_V1,
    authority_iri,
    qualification_iri,
)
from vc_schemas.registry import schemas

__all__ = ["SchemaKind", "credential_problems", "entry_problems", "validate_credential"]

SchemaKind = Literal["credential", "disclosed"]
_CODE = "schema.credential_invalid"


@cache
def _validator(kind: SchemaKind) -> SchemaCheck:
    documents = schemas()
    url = CREDENTIAL_SCHEMA_V1 if kind == "credential" else DISCLOSED_SCHEMA_V1
    return SchemaCheck(documents[url], documents)


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def _schema_problems(document: Any, kind: SchemaKind) -> list[FieldError]:
    return _validator(kind).problems(document)


def _forbidden_problems(document: Any) -> list[FieldError]:
    """The guard's findings (a My Number in a free-text field …), with JSON pointers.

    ``credentialStatus`` is the issuer's own machinery, not the holder's data: a message list's
    ``statusMessage`` names dispositions (業務停止, 免許取消) by design, and no holder data lives
    there, so it is not scanned.
    """
    if not isinstance(document, Mapping):
        return []
    skipped = ("proof", "@context", "credentialStatus")
    found = scan_forbidden({k: v for k, v in document.items() if k not in skipped})
    return [
        FieldError("/" + re.sub(r"\[(\d+)\]", r"/\1", e.field).replace(".", "/"), e.code, e.message)
        for e in found
    ]


def _subject(document: Any) -> Mapping[str, Any]:
    if isinstance(document, Mapping):
        subject = document.get("credentialSubject")
        if isinstance(subject, Mapping):
            return subject
    return {}


def entry_problems(
    document: Any, subject: Mapping[str, Any], entry: Qualification, kind: SchemaKind
) -> list[FieldError]:
    achievement = subject["achievement"]
    problems = [
        FieldError(f"/credentialSubject/achievement/{key}", _CODE, f"should be {expected!r}")
        for key, expected in (
            ("id", qualification_iri(entry.id)),
            ("achievementType", entry.achievement_type),
            ("name", entry.name.ja),
        )
        if achievement.get(key) != expected
    ]
    creator = achievement.get("creator")
    creator_id = creator.get("id") if isinstance(creator, Mapping) else None
    if not any(
        isinstance(creator_id, str)
        and (creator_id == authority_iri(a.id) or creator_id.startswith(authority_iri(a.id) + "/"))
        for a in entry.authorities
    ):
        problems.append(
            FieldError("/credentialSubject/achievement/creator/id", _CODE, "not its authority")
        )
    number = subject.get("licenseNumber")
    if isinstance(number, str) and not entry.license_number.matches(number):
        problems.append(
            FieldError(
                "/credentialSubject/licenseNumber", _CODE, entry.license_number.description.en
            )
        )
    if "registeredSex" in subject and entry.records_sex is not True:
        problems.append(
            FieldError(
                "/credentialSubject/registeredSex", _CODE, "the register does not record sex"
            )
        )
    known = {t.id for t in entry.trainings}
    trainings = subject.get("completedTraining", ())
    # A misshapen list is the JSON Schema's finding; here only well-formed items are compared.
    for index, training in enumerate(trainings if isinstance(trainings, list) else ()):
        if not isinstance(training, str) or training not in known:
            problems.append(
                FieldError(f"/credentialSubject/completedTraining/{index}", _CODE, "not recorded")
            )
    has_expiry = "licenseExpiryDate" in subject
    if has_expiry and not entry.renewal.expires:
        problems.append(
            FieldError("/credentialSubject/licenseExpiryDate", _CODE, "it does not expire")
        )
    if kind == "credential" and entry.renewal.expires and not has_expiry:
        problems.append(FieldError("/credentialSubject/licenseExpiryDate", _CODE, "missing"))
    if kind == "credential" and entry.renewal.expires and "validUntil" not in document:
        problems.append(FieldError("/validUntil", _CODE, "an expiring qualification ends"))
    return problems


def credential_problems(
    document: Any, *, kind: SchemaKind = "credential", catalogue: Catalogue | None = None
) -> list[FieldError]:
    """Every problem of ``document`` as a JP-profile credential (empty when it is fine)."""
    problems = _schema_problems(document, kind) + _forbidden_problems(document)
    subject = _subject(document)
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping) or not isinstance(achievement.get("humanCode"), str):
        return problems
    human_code = achievement["humanCode"]
    entry = next((q for q in catalogue or default_catalogue() if q.id == human_code), None)
    if entry is None:
        problems.append(
            FieldError("/credentialSubject/achievement/humanCode", _CODE, "not in the catalogue")
        )
        return problems
    return problems + entry_problems(document, subject, entry, kind)


def validate_credential(
    document: Any, *, kind: SchemaKind = "credential", catalogue: Catalogue | None = None
) -> None:
    """Raise ``schema.credential_invalid`` with every problem, or return quietly."""
    problems = credential_problems(document, kind=kind, catalogue=catalogue)
    if problems:
        first = problems[0]
        raise SchemaError(
            _CODE,
            f"{len(problems)} problem(s), first: {first.field}: {first.message}"[:500],
            errors=[p.to_dict() for p in problems],
        )
