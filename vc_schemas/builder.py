"""The credential builder: a register record → an unsigned JP-profile Open Badges 3.0 credential.

The JP profile (DOMAIN.md "Data model") of an OB 3.0 ``AchievementCredential``
(Open Badges 3.0, Appendix B "Data Models", on the VC Data Model 2.0):

* ``@context``: VC 2.0, then OB 3.0.3, then ours (:data:`~vc_schemas.namespace.CONTEXT_V1`),
  in that order and nothing else, so every term has exactly one protected definition;
* ``type``: ``VerifiableCredential``, ``OpenBadgeCredential``,
  ``JapaneseNationalQualificationCredential``;
* ``issuer``: an OB ``Profile`` (id, type, name);
* ``awardedDate``: the registration date (登録年月日), which survives every reissue;
* ``credentialSubject``: types ``AchievementSubject`` and ``NationalQualificationHolder``,
  with ``licenseNumber`` (登録番号) and the register fields our context defines;
* ``credentialSubject.achievement``: an OB ``Achievement`` with ``type``,
  ``achievementType``, ``criteria``, and ``creator`` = the licensing authority.

Only confirmed catalogue details (register name, law number, article) enter a credential: a
signed credential never states an unconfirmed fact. No JSON number is emitted at all
(registration numbers and codes are strings, which also keeps every value inside
JavaScript's 2^53), and the finished credential is scanned by the guard once more.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final

from vc_core.errors import SchemaError
from vc_core.jsonld.loader import CREDENTIALS_V2, OPEN_BADGES_V3
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.codes import PREFECTURES
from vc_schemas.guard import scan_forbidden
from vc_schemas.namespace import CONTEXT_V1, CREDENTIAL_SCHEMA_V1, authority_iri, qualification_iri
from vc_schemas.record import RegisterRecord, record_errors, refuse

__all__ = [
    "CONTEXTS",
    "CREDENTIAL_TYPES",
    "JST",
    "SUBJECT_TYPES",
    "IssuerProfile",
    "build_credential",
    "check_json_safe",
]

CONTEXTS: Final = (CREDENTIALS_V2, OPEN_BADGES_V3, CONTEXT_V1)
CREDENTIAL_TYPES: Final = (
    "VerifiableCredential",
    "OpenBadgeCredential",
    "JapaneseNationalQualificationCredential",
)
SUBJECT_TYPES: Final = ("AchievementSubject", "NationalQualificationHolder")
#: Japan Standard Time: register dates are Japanese calendar days.
JST: Final = timezone(timedelta(hours=9), "JST")
_MAX_SAFE_INTEGER: Final = 2**53 - 1


@dataclass(frozen=True)
class IssuerProfile:
    """The issuing board as an OB ``Profile``; ``id`` is the DID or URL it signs as."""

    id: str
    name: str
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url is not None:
            profile["url"] = self.url
        return profile


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    return moment.replace(microsecond=0).isoformat()


def _day_start(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=JST).isoformat()


def _day_end(day: date) -> str:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=JST).isoformat()


def _creator(entry: Qualification, record: RegisterRecord) -> dict[str, Any]:
    authority = entry.authority(record.licensing_authority)
    assert authority is not None  # record_errors has checked it.
    prefecture = PREFECTURES[record.licensing_prefecture] if record.licensing_prefecture else None
    profile: dict[str, Any] = {
        "id": authority_iri(authority.id, prefecture.code if prefecture else None),
        "type": ["Profile"],
        "name": authority.name_for(prefecture).ja,
    }
    if authority.url is not None:
        profile["url"] = authority.url
    return profile


def _legal_basis(entry: Qualification) -> dict[str, Any]:
    law = entry.law
    basis: dict[str, Any] = {}
    if law.url is not None:
        basis["id"] = law.url
    basis["lawTitle"] = law.title.ja
    if "number" in law.confirmed:
        basis["lawNumber"] = law.number
    if law.egov_id is not None:
        basis["lawId"] = law.egov_id
    if entry.article is not None and "article" in entry.confirmed:
        basis["article"] = entry.article
    return basis


def _achievement(entry: Qualification, record: RegisterRecord) -> dict[str, Any]:
    creator = _creator(entry, record)
    law = entry.law.title.ja
    achievement: dict[str, Any] = {
        "id": qualification_iri(entry.id),
        "type": ["Achievement"],
        "achievementType": entry.achievement_type,
        "name": entry.name.ja,
        "description": f"{entry.law.title.ja}に基づく{entry.name.ja}（{entry.name.en}）",
        "criteria": {"narrative": f"{creator['name']}が{law}に基づき認めた{entry.name.ja}の資格"},
        "creator": creator,
        "humanCode": entry.id,
        "inLanguage": "ja",
    }
    if entry.register is not None and "register" in entry.confirmed:
        achievement["registerName"] = entry.register.ja
    achievement["legalBasis"] = _legal_basis(entry)
    return achievement


def _subject(entry: Qualification, record: RegisterRecord, holder_id: str | None) -> dict[str, Any]:
    subject: dict[str, Any] = {}
    if holder_id is not None:
        subject["id"] = holder_id
    subject["type"] = list(SUBJECT_TYPES)
    subject["achievement"] = _achievement(entry, record)
    subject["licenseNumber"] = record.license_number
    subject["familyName"] = record.family_name
    subject["givenName"] = record.given_name
    subject["familyNameKana"] = record.family_name_kana
    subject["givenNameKana"] = record.given_name_kana
    optional = {
        "formerFamilyName": record.former_family_name,
        "formerFamilyNameKana": record.former_family_name_kana,
        "dateOfBirth": record.date_of_birth.isoformat(),
        "registeredSex": record.sex,
        "registeredDomicilePrefecture": record.domicile_prefecture,
        "nationality": record.nationality,
        "examPassedYearMonth": record.exam_passed,
        "completedTraining": list(record.trainings) or None,
        "licenseExpiryDate": record.valid_until.isoformat() if record.valid_until else None,
    }
    subject.update({key: value for key, value in optional.items() if value is not None})
    return subject


def check_json_safe(document: Any, where: str = "") -> None:
    """Refuse a JSON number outside ±(2^53 − 1) or a non-finite float (``schema.unsafe_integer``).

    Python and JavaScript canonicalize such numbers differently (STANDARDS.md "Known traps"),
    so a signature made by one would not verify in the other; issue them as strings. A safe
    document (every credential the builder makes) is answered by one pass that builds no
    pointers; only an unsafe one is walked again to say where.
    """
    if not _json_safe(document):
        _refuse_unsafe(document, where)
        raise SchemaError("schema.unsafe_integer", pointer=where or "/")  # Never reached.


def _json_safe(document: Any) -> bool:
    if type(document) is str:
        return True
    if isinstance(document, dict):
        return all(_json_safe(value) for value in document.values())
    if isinstance(document, list):
        return all(_json_safe(value) for value in document)
    if isinstance(document, int) and not isinstance(document, bool):
        return abs(document) <= _MAX_SAFE_INTEGER
    return not isinstance(document, float) or math.isfinite(document)


def _refuse_unsafe(document: Any, where: str) -> None:
    if isinstance(document, dict):
        for key, value in document.items():
            _refuse_unsafe(value, f"{where}/{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            _refuse_unsafe(value, f"{where}/{index}")
    elif isinstance(document, bool):
        return
    elif (isinstance(document, int) and abs(document) > _MAX_SAFE_INTEGER) or (
        isinstance(document, float) and not math.isfinite(document)
    ):
        raise SchemaError("schema.unsafe_integer", pointer=where or "/")


def build_credential(
    record: RegisterRecord,
    *,
    issuer: IssuerProfile,
    issued_at: datetime,
    holder_id: str | None = None,
    credential_id: str | None = None,
    catalogue: Catalogue | None = None,
    new_id: Callable[[], str] = lambda: f"urn:uuid:{uuid.uuid4()}",
) -> dict[str, Any]:
    """An unsigned JP-profile credential for ``record``, or ``schema.record_invalid``.

    ``issued_at`` becomes ``validFrom`` and is the clock for the record's date checks;
    ``holder_id`` (the holder's DID) becomes ``credentialSubject.id``. Status entries are
    the issuer's to add (``credentialStatus``); everything else is here.
    """
    catalogue = catalogue or default_catalogue()
    errors = record_errors(record, catalogue=catalogue, today=issued_at.astimezone(JST).date())
    if errors:
        raise refuse(errors)
    entry = catalogue.get(record.qualification_id)
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id or new_id(),
        "type": list(CREDENTIAL_TYPES),
        "name": entry.name.ja,
        "issuer": issuer.to_json(),
        "validFrom": _timestamp(issued_at),
    }
    if record.valid_until is not None:
        credential["validUntil"] = _day_end(record.valid_until)
    credential["awardedDate"] = _day_start(record.registration_date)
    credential["credentialSubject"] = _subject(entry, record, holder_id)
    credential["credentialSchema"] = [{"id": CREDENTIAL_SCHEMA_V1, "type": "JsonSchema"}]
    leaked = scan_forbidden(credential)
    if leaked:
        # The issuer profile or holder id carried something forbidden.
        raise refuse(leaked)
    check_json_safe(credential)
    return credential
