"""Done-when 3: records with a My Number, an address or malformed fields are refused with a
list of field-level errors, and nothing is half-built."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_core.errors import CODES, SchemaError
from vc_schemas.builder import JST, build_credential
from vc_schemas.catalogue import default_catalogue
from vc_schemas.guard import my_number_check_digit
from vc_schemas.record import RegisterRecord, record_errors, record_from_mapping
from vc_schemas.samples import SAMPLE_ISSUED_AT, SAMPLE_ISSUER, sample_record

TODAY = SAMPLE_ISSUED_AT.date()


def export(qualification_id: str = "kangoshi", /, **changes: Any) -> dict[str, Any]:
    """A register export (JSON-like) of the sample record, with ``changes`` applied."""
    record = sample_record(default_catalogue().get(qualification_id))
    data: dict[str, Any] = {}
    for key, raw in asdict(record).items():
        value = raw.isoformat() if isinstance(raw, date) else raw
        value = list(value) if isinstance(value, tuple) else value
        if value is not None and value != []:
            data[key] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def refused(data: Any, **kwargs: Any) -> set[tuple[str, str]]:
    with pytest.raises(SchemaError) as caught:
        record_from_mapping(data, today=TODAY, **kwargs)
    error = caught.value
    assert error.code == "schema.record_invalid"
    errors = error.details["errors"]
    assert errors and all(set(e) == {"field", "code", "message"} for e in errors)
    assert all(e["code"] in CODES and e["code"].startswith("schema.") for e in errors)
    assert all(e["message"] for e in errors)
    return {(e["field"], e["code"]) for e in errors}


@pytest.mark.parametrize("qualification_id", default_catalogue().ids)
def test_every_sample_export_is_accepted(qualification_id: str) -> None:
    record = record_from_mapping(export(qualification_id), today=TODAY)
    assert record == sample_record(default_catalogue().get(qualification_id))


def test_my_number_field_is_refused() -> None:
    assert refused(export(my_number="123456789018")) == {("my_number", "schema.my_number")}
    assert refused(export(kojin_bango="")) == {("kojin_bango", "schema.my_number")}


def test_my_number_in_any_field_is_refused() -> None:
    assert ("license_number", "schema.my_number") in refused(
        export("kyoin", license_number="1234-5678-9018")
    )
    assert ("family_name", "schema.my_number") in refused(export(family_name="123456789018"))


@given(
    first_eleven=st.text(alphabet="0123456789", min_size=11, max_size=11),
    field=st.sampled_from(["license_number", "family_name", "given_name", "former_family_name"]),
)
@settings(max_examples=50, deadline=None)
def test_any_my_number_anywhere_is_refused(first_eleven: str, field: str) -> None:
    number = first_eleven + str(my_number_check_digit(first_eleven))
    assert (field, "schema.my_number") in refused(export("kyoin", **{field: number}))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"address": "東京都千代田区霞が関1-2-2"}, ("address", "schema.address")),
        ({"jusho": "x"}, ("jusho", "schema.address")),
        ({"postal_code": "100-8916"}, ("postal_code", "schema.address")),
        ({"given_name": "〒100-8916"}, ("given_name", "schema.address")),
        ({"certificate": "MIIB"}, ("certificate", "schema.jpki_data")),
        ({"x5c": ["MIIB"]}, ("x5c", "schema.jpki_data")),
        ({"dispositions": [{"kind": "戒告"}]}, ("dispositions", "schema.disposition_history")),
        ({"処分": "医業停止3月"}, ("処分", "schema.disposition_history")),
    ],
)
def test_forbidden_content_is_refused(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert expected in refused(export(**changes))


def test_every_malformed_field_is_listed_at_once() -> None:
    data = export(
        "kangoshi",
        license_number=1234567,  # a number, not a string
        registration_date="2015/04/23",
        family_name_kana="やまだ",  # hiragana
        given_name_kana="ﾊﾅｺ",  # half-width katakana
        date_of_birth="1992-02-30",
        sex="3",
        domicile_prefecture="48",
        exam_passed="2015-13",
        favourite_colour="blue",
        address="東京都",
    )
    del data["given_name"]
    assert refused(data) == {
        ("license_number", "schema.field_malformed"),
        ("registration_date", "schema.field_malformed"),
        ("family_name_kana", "schema.field_malformed"),
        ("given_name_kana", "schema.field_malformed"),
        ("date_of_birth", "schema.field_malformed"),
        ("sex", "schema.field_malformed"),
        ("domicile_prefecture", "schema.field_malformed"),
        ("exam_passed", "schema.field_malformed"),
        ("favourite_colour", "schema.field_unknown"),
        ("address", "schema.address"),
        ("given_name", "schema.field_missing"),
    }


@pytest.mark.parametrize(
    ("qualification_id", "changes", "expected"),
    [
        (
            "kangoshi",
            {"license_number": "12345678901"},
            ("license_number", "schema.field_malformed"),
        ),
        ("kangoshi", {"license_number": "１２３"}, ("license_number", "schema.field_malformed")),
        (
            "kaigo-shien-senmonin",
            {"license_number": "99012345"},
            ("license_number", "schema.field_malformed"),
        ),
        ("josanshi", {"sex": "2"}, ("sex", "schema.field_not_recorded")),
        ("zeirishi", {"sex": "1"}, ("sex", "schema.field_not_recorded")),
        ("kaigo-shien-senmonin", {"valid_until": None}, ("valid_until", "schema.field_missing")),
        ("ishi", {"valid_until": "2030-01-01"}, ("valid_until", "schema.field_not_recorded")),
        ("kaigishi", {"valid_until": "2026-04-30"}, ("valid_until", "schema.field_inconsistent")),
        (
            "jun-kangoshi",
            {"licensing_prefecture": None},
            ("licensing_prefecture", "schema.field_missing"),
        ),
        (
            "kangoshi",
            {"licensing_prefecture": "13"},
            ("licensing_prefecture", "schema.field_not_recorded"),
        ),
        (
            "kangoshi",
            {"licensing_authority": "prefectural-governor"},
            ("licensing_authority", "schema.field_inconsistent"),
        ),
        (
            "kangoshi",
            {"trainings": ["rinsho-kenshu"]},
            ("trainings[0]", "schema.field_not_recorded"),
        ),
        (
            "ishi",
            {"trainings": ["rinsho-kenshu", "rinsho-kenshu"]},
            ("trainings", "schema.field_inconsistent"),
        ),
        ("kangoshi", {"nationality": "KR"}, ("nationality", "schema.field_inconsistent")),
        (
            "kangoshi",
            {"domicile_prefecture": None, "nationality": "JP"},
            ("nationality", "schema.field_inconsistent"),
        ),
        (
            "kangoshi",
            {"domicile_prefecture": None, "nationality": "korea"},
            ("nationality", "schema.field_malformed"),
        ),
        (
            "kangoshi",
            {"registration_date": "1990-01-01"},
            ("registration_date", "schema.field_inconsistent"),
        ),
        (
            "kangoshi",
            {"registration_date": "2027-01-01"},
            ("registration_date", "schema.field_inconsistent"),
        ),
        ("kangoshi", {"exam_passed": "2016-01"}, ("exam_passed", "schema.field_inconsistent")),
        ("kangoshi", {"family_name": "山田2"}, ("family_name", "schema.field_malformed")),
        ("kangoshi", {"family_name": " 山田"}, ("family_name", "schema.field_malformed")),
        (
            "kangoshi",
            {"former_family_name": None},
            ("former_family_name_kana", "schema.field_inconsistent"),
        ),
        (
            "kangoshi",
            {"qualification_id": "bengoshi"},
            ("qualification_id", "schema.field_inconsistent"),
        ),
    ],
)
def test_field_level_refusals(
    qualification_id: str, changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert expected in refused(export(qualification_id, **changes))


def test_a_record_that_is_not_an_object_is_refused() -> None:
    assert refused(["not", "a", "record"]) == {("", "schema.field_malformed")}


def test_a_foreign_national_with_nationality_is_accepted() -> None:
    record = record_from_mapping(
        export("kangoshi", domicile_prefecture=None, nationality="KR"), today=TODAY
    )
    assert record.nationality == "KR" and record.domicile_prefecture is None


def test_the_builder_refuses_a_bad_typed_record_and_builds_nothing() -> None:
    good = sample_record(default_catalogue().get("ishi"))
    bad = replace(good, license_number="123456789018", family_name_kana="yamada")
    assert {(e.field, e.code) for e in record_errors(bad)} == {
        ("license_number", "schema.my_number"),
        ("license_number", "schema.field_malformed"),
        ("family_name_kana", "schema.field_malformed"),
    }
    built: list[dict[str, Any]] = []
    with pytest.raises(SchemaError) as caught:
        built.append(build_credential(bad, issuer=SAMPLE_ISSUER, issued_at=SAMPLE_ISSUED_AT))
    assert built == []
    assert caught.value.code == "schema.record_invalid"
    assert len(caught.value.details["errors"]) == 3


def test_the_builder_refuses_forbidden_content_outside_the_record() -> None:
    good = sample_record(default_catalogue().get("ishi"))
    issuer = replace(SAMPLE_ISSUER, name="〒100-8916 東京都千代田区霞が関1-2-2")
    with pytest.raises(SchemaError) as caught:
        build_credential(good, issuer=issuer, issued_at=SAMPLE_ISSUED_AT)
    assert {e["code"] for e in caught.value.details["errors"]} == {"schema.address"}
    with pytest.raises(SchemaError):
        build_credential(
            good, issuer=SAMPLE_ISSUER, issued_at=SAMPLE_ISSUED_AT, holder_id="123456789018"
        )


def test_the_builder_uses_its_clock_for_date_checks() -> None:
    record = sample_record(default_catalogue().get("kaigishi"))
    late = datetime(2031, 1, 1, tzinfo=JST)
    with pytest.raises(SchemaError) as caught:
        build_credential(record, issuer=SAMPLE_ISSUER, issued_at=late)
    assert caught.value.details["errors"][0]["field"] == "valid_until"
    with pytest.raises(ValueError, match="timezone-aware"):
        build_credential(record, issuer=SAMPLE_ISSUER, issued_at=datetime(2026, 5, 1))


def test_register_record_is_frozen() -> None:
    record: RegisterRecord = sample_record(default_catalogue().get("ishi"))
    with pytest.raises(AttributeError):
        record.license_number = "1"  # type: ignore[misc]


def test_a_typed_record_built_in_code_is_type_checked() -> None:
    good = sample_record(default_catalogue().get("ishi"))
    bad = replace(
        good,
        license_number=123456,  # type: ignore[arg-type]
        date_of_birth="1992-07-15",  # type: ignore[arg-type]
        trainings=["rinsho-kenshu"],  # type: ignore[arg-type]
        given_name="",
    )
    assert {(e.field, e.code) for e in record_errors(bad)} >= {
        ("license_number", "schema.field_malformed"),
        ("date_of_birth", "schema.field_malformed"),
        ("trainings", "schema.field_malformed"),
        ("given_name", "schema.field_missing"),
    }
