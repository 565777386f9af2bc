"""The register record: what a board's register holds about one holder, typed and checked.

DOMAIN.md "What a register records": 登録番号, 登録年月日, 氏名 with its kana reading and
旧姓 where used, 生年月日, 性別 (only some registers), 本籍地都道府県名 or 国籍, 試験合格年月
and completed training. Codes follow JIS X 0401 (prefectures) and ISO/IEC 5218 (sex);
nationality is an ISO 3166-1 alpha-2 code. Address is not a register item.

:func:`record_from_mapping` turns a register export (a JSON-like mapping with snake_case
keys and ISO 8601 date strings) into a :class:`RegisterRecord`. It runs the guard first
(:mod:`vc_schemas.guard`), then checks every field against the catalogue entry, and either
returns a complete record or raises one :class:`~vc_core.errors.SchemaError`
(``schema.record_invalid``) listing every field error in ``details["errors"]``; nothing is
half-built. :func:`record_errors` applies the same checks to a record built in code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Final

from vc_core.errors import SchemaError
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.codes import PREFECTURES, SEX_CODES
from vc_schemas.guard import FieldError, scan_forbidden

__all__ = ["RegisterRecord", "record_errors", "record_from_mapping", "refuse"]

_KATAKANA: Final = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$")
_YEAR_MONTH: Final = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_COUNTRY: Final = re.compile(r"^[A-Z]{2}$")
_NAME_FORBIDDEN: Final = re.compile(r"[\x00-\x1f\x7f0-9０-９<>{}\[\]\\|@#$%^*=+~]")
_MAX_NAME: Final = 50
_EARLIEST: Final = date(1900, 1, 1)


@dataclass(frozen=True)
class RegisterRecord:
    """One holder's entry in one register, as the credential builder consumes it."""

    qualification_id: str
    license_number: str
    registration_date: date
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    date_of_birth: date
    former_family_name: str | None = None
    former_family_name_kana: str | None = None
    sex: str | None = None
    domicile_prefecture: str | None = None
    nationality: str | None = None
    exam_passed: str | None = None
    trainings: tuple[str, ...] = ()
    valid_until: date | None = None
    licensing_authority: str | None = None
    licensing_prefecture: str | None = None


_FIELDS: Final = {f.name for f in fields(RegisterRecord)}
_REQUIRED: Final = (
    "qualification_id",
    "license_number",
    "registration_date",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "date_of_birth",
)
_DATES: Final = ("registration_date", "date_of_birth", "valid_until")


def refuse(errors: list[FieldError]) -> SchemaError:
    """The one error that carries every field error (``schema.record_invalid``)."""
    first = errors[0]
    return SchemaError(
        "schema.record_invalid",
        f"{len(errors)} field error(s), first: {first.field}: {first.message}",
        errors=[e.to_dict() for e in errors],
    )


def _error(field: str, code: str, message: str) -> FieldError:
    return FieldError(field, f"schema.{code}", message)


def _parse_date(key: str, raw: Any, errors: list[FieldError]) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    errors.append(_error(key, "field_malformed", "a date is a YYYY-MM-DD string"))
    return None


def _parse_value(key: str, raw: Any, errors: list[FieldError]) -> Any:
    if key in _DATES:
        return _parse_date(key, raw, errors)
    if key == "trainings":
        if isinstance(raw, list | tuple) and all(isinstance(t, str) for t in raw):
            return tuple(raw)
        errors.append(_error(key, "field_malformed", "a list of training ids"))
        return None
    if isinstance(raw, str):
        return raw
    # Numbers are refused rather than converted: a register number above 2^53 would
    # already have lost digits in a JSON parser, and leading zeros matter.
    errors.append(_error(key, "field_malformed", "must be a string"))
    return None


def _parse(data: Mapping[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """Type the raw values: strings stay strings, dates become dates, trainings a tuple."""
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in _FIELDS:
            errors.append(_error(key, "field_unknown", "not a register item shikaku knows"))
        elif raw is not None and raw != "":
            value = _parse_value(key, raw, errors)
            if value is not None:
                values[key] = value
    for key in _REQUIRED:
        if key not in values and not any(e.field == key for e in errors):
            errors.append(_error(key, "field_missing", "required"))
    return values


def record_from_mapping(
    data: Mapping[str, Any], *, catalogue: Catalogue | None = None, today: date | None = None
) -> RegisterRecord:
    """A checked record from a register export, or ``schema.record_invalid`` with every error.

    ``today`` (pass the issuance date) enables the checks that need a clock: no date in the
    future, no expired qualification.
    """
    if not isinstance(data, Mapping):
        raise refuse([_error("", "field_malformed", "a register record is a JSON object")])
    errors = scan_forbidden(data)
    forbidden = {_root(e.field) for e in errors}
    values = _parse({k: v for k, v in data.items() if k not in forbidden}, errors)
    if errors:
        # The typed record cannot be built; add the checks we can still make on the fields
        # that parsed, leaving out those already refused.
        refused = {_root(e.field) for e in errors}
        more = _value_errors(values, catalogue or default_catalogue(), today)
        raise refuse(_unique(errors + [e for e in more if _root(e.field) not in refused]))
    record = RegisterRecord(**values)
    # The guard has scanned every value above (the typed record holds the same strings, and
    # dates it does not scan): the record's own checks remain.
    errors = _record_checks(record, catalogue, today, scan=False)
    if errors:
        raise refuse(errors)
    return record


def record_errors(
    record: RegisterRecord, *, catalogue: Catalogue | None = None, today: date | None = None
) -> list[FieldError]:
    """Every problem of a typed record against its catalogue entry (empty when it is fine)."""
    return _record_checks(record, catalogue, today, scan=True)


def _record_checks(
    record: RegisterRecord, catalogue: Catalogue | None, today: date | None, *, scan: bool
) -> list[FieldError]:
    values = {f: getattr(record, f) for f in _FIELDS}
    errors = scan_forbidden({k: v for k, v in values.items() if v is not None}) if scan else []
    errors.extend(_type_errors(values))
    errors.extend(_value_errors(values, catalogue or default_catalogue(), today))
    return _unique(errors)


def _type_errors(values: Mapping[str, Any]) -> list[FieldError]:
    """A record built in code is not parsed, so its types are checked here."""
    errors: list[FieldError] = []
    for key, value in values.items():
        if key in _REQUIRED and (value is None or value == ""):
            errors.append(_error(key, "field_missing", "required"))
        elif key in _DATES:
            if value is not None and not isinstance(value, date):
                errors.append(_error(key, "field_malformed", "must be a date"))
        elif key == "trainings":
            if not (isinstance(value, tuple) and all(isinstance(t, str) for t in value)):
                errors.append(_error(key, "field_malformed", "a tuple of training ids"))
        elif value is not None and not isinstance(value, str):
            errors.append(_error(key, "field_malformed", "must be a string"))
    return errors


def _root(field: str) -> str:
    """The top-level field of a dotted path (``trainings`` for ``trainings[1]``)."""
    return field.split(".", 1)[0].split("[", 1)[0]


def _unique(errors: list[FieldError]) -> list[FieldError]:
    out: list[FieldError] = []
    for error in errors:
        if error not in out:
            out.append(error)
    return out


def _value_errors(
    values: Mapping[str, Any], catalogue: Catalogue, today: date | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    entry: Qualification | None = None
    qid = values.get("qualification_id")
    if isinstance(qid, str):
        entry = catalogue.entry(qid)
        if entry is None:
            errors.append(_error("qualification_id", "field_inconsistent", "not in the catalogue"))
    errors.extend(_name_checks(values))
    errors.extend(_date_checks(values, today))
    errors.extend(_code_checks(values))
    if entry is not None:
        errors.extend(_entry_checks(values, entry, today))
    return errors


def _name_checks(values: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in ("family_name", "given_name", "former_family_name"):
        value = values.get(key)
        if isinstance(value, str) and (
            len(value) > _MAX_NAME or _NAME_FORBIDDEN.search(value) or value != value.strip()
        ):
            errors.append(
                _error(key, "field_malformed", "a name: no digits, symbols or outer spaces")
            )
    for key in ("family_name_kana", "given_name_kana", "former_family_name_kana"):
        value = values.get(key)
        if isinstance(value, str) and (len(value) > _MAX_NAME or not _KATAKANA.match(value)):
            errors.append(_error(key, "field_malformed", "the reading in full-width katakana"))
    if values.get("former_family_name_kana") and not values.get("former_family_name"):
        errors.append(
            _error("former_family_name_kana", "field_inconsistent", "a reading without a 旧姓")
        )
    return errors


def _date_checks(values: Mapping[str, Any], today: date | None) -> list[FieldError]:
    errors: list[FieldError] = []
    born, registered = values.get("date_of_birth"), values.get("registration_date")
    if isinstance(born, date) and born < _EARLIEST:
        errors.append(_error("date_of_birth", "field_malformed", "before 1900"))
    if isinstance(born, date) and isinstance(registered, date) and registered <= born:
        errors.append(
            _error("registration_date", "field_inconsistent", "not after the date of birth")
        )
    if today is not None:
        for key in ("registration_date", "date_of_birth"):
            value = values.get(key)
            if isinstance(value, date) and value > today:
                errors.append(_error(key, "field_inconsistent", "in the future"))
    exam = values.get("exam_passed")
    if isinstance(exam, str):
        match = _YEAR_MONTH.match(exam)
        if match is None:
            errors.append(_error("exam_passed", "field_malformed", "a year and month, YYYY-MM"))
        elif isinstance(registered, date) and (int(match[1]), int(match[2])) > (
            registered.year,
            registered.month,
        ):
            errors.append(
                _error("exam_passed", "field_inconsistent", "after the registration date")
            )
    return errors


def _code_checks(values: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    sex = values.get("sex")
    if isinstance(sex, str) and sex not in SEX_CODES:
        errors.append(_error("sex", "field_malformed", "an ISO/IEC 5218 code: 0, 1, 2 or 9"))
    for key in ("domicile_prefecture", "licensing_prefecture"):
        value = values.get(key)
        if isinstance(value, str) and value not in PREFECTURES:
            errors.append(_error(key, "field_malformed", "a JIS X 0401 prefecture code, 01-47"))
    nationality = values.get("nationality")
    if isinstance(nationality, str):
        if not _COUNTRY.match(nationality):
            errors.append(_error("nationality", "field_malformed", "an ISO 3166-1 alpha-2 code"))
        elif nationality == "JP":
            errors.append(
                _error("nationality", "field_inconsistent", "a Japanese national has a 本籍")
            )
    if values.get("nationality") and values.get("domicile_prefecture"):
        errors.append(
            _error("nationality", "field_inconsistent", "a register records 本籍 or 国籍, not both")
        )
    return errors


def _entry_checks(
    values: Mapping[str, Any], entry: Qualification, today: date | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    number = values.get("license_number")
    if isinstance(number, str) and not entry.license_number.matches(number):
        errors.append(
            _error("license_number", "field_malformed", entry.license_number.description.en)
        )
    if values.get("sex") is not None and entry.records_sex is not True:
        errors.append(
            _error(
                "sex",
                "field_not_recorded",
                f"the {entry.name.en} register is not known to record sex",
            )
        )
    known = {t.id for t in entry.trainings}
    trainings = values.get("trainings", ())
    for index, training in enumerate(trainings):
        if training not in known:
            errors.append(
                _error(
                    f"trainings[{index}]",
                    "field_not_recorded",
                    "not a training this register records",
                )
            )
    if len(set(trainings)) != len(trainings):
        errors.append(_error("trainings", "field_inconsistent", "a training is listed twice"))
    errors.extend(_authority_checks(values, entry))
    errors.extend(_expiry_checks(values, entry, today))
    return errors


def _authority_checks(values: Mapping[str, Any], entry: Qualification) -> list[FieldError]:
    authority = entry.authority(values.get("licensing_authority"))
    if authority is None:
        return [
            _error(
                "licensing_authority",
                "field_inconsistent",
                f"one of {', '.join(a.id for a in entry.authorities)}",
            )
        ]
    prefecture = values.get("licensing_prefecture")
    if authority.per_prefecture and prefecture is None:
        return [
            _error("licensing_prefecture", "field_missing", f"which {authority.name.ja} licensed")
        ]
    if not authority.per_prefecture and prefecture is not None:
        return [_error("licensing_prefecture", "field_not_recorded", "the authority is national")]
    return []


def _expiry_checks(
    values: Mapping[str, Any], entry: Qualification, today: date | None
) -> list[FieldError]:
    valid_until = values.get("valid_until")
    if entry.renewal.expires and valid_until is None:
        return [_error("valid_until", "field_missing", f"a {entry.name.en} expires")]
    if not entry.renewal.expires and valid_until is not None:
        return [_error("valid_until", "field_not_recorded", f"a {entry.name.en} does not expire")]
    registered = values.get("registration_date")
    if isinstance(valid_until, date) and isinstance(registered, date) and valid_until <= registered:
        return [_error("valid_until", "field_inconsistent", "not after the registration date")]
    if isinstance(valid_until, date) and today is not None and valid_until < today:
        return [_error("valid_until", "field_inconsistent", "already expired")]
    return []
