"""Done-when 2 (expansion, schema) and 4 (OB 3.0 structural rules) for every catalogue entry."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from vc_core.errors import JsonLdError, SchemaError
from vc_core.jsonld.loader import CREDENTIALS_V2, OPEN_BADGES_V3
from vc_core.jsonld.processor import expand, to_rdf_slow
from vc_schemas.builder import check_json_safe
from vc_schemas.catalogue import OB_ACHIEVEMENT_TYPES, default_catalogue
from vc_schemas.namespace import CONTEXT_V1, CREDENTIAL_SCHEMA_V1, qualification_iri
from vc_schemas.registry import loader
from vc_schemas.samples import sample_credential
from vc_schemas.validate import credential_problems, validate_credential

IDS = default_catalogue().ids
DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"


def statements(node: dict[str, Any]) -> int:
    """How many RDF statements a JSON-LD node must produce if no term is dropped.

    Every value of every property (``type`` included, ``id`` and ``@context`` excluded)
    is one statement; a nested node adds its own.
    """
    count = 0
    for key, value in node.items():
        if key in ("@context", "id"):
            continue
        for item in value if isinstance(value, list) else [value]:
            count += 1
            if isinstance(item, dict):
                count += statements(item)
    return count


@pytest.mark.parametrize("qualification_id", IDS)
def test_sample_expands_with_no_dropped_term(qualification_id: str) -> None:
    credential = sample_credential(qualification_id)
    expand(credential, loader=loader())  # Safe mode raises on any undefined term.
    quads = set(to_rdf_slow(credential, loader=loader(), safe=False))
    assert len(quads) == statements(credential)


def test_the_statement_count_notices_a_dropped_term() -> None:
    credential = sample_credential("ishi")
    credential["credentialSubject"]["myNumber"] = "x"
    quads = set(to_rdf_slow(credential, loader=loader(), safe=False))
    assert len(quads) == statements(credential) - 1
    with pytest.raises(JsonLdError) as caught:
        expand(credential, loader=loader())
    assert caught.value.code == "jsonld.undefined_term"
    assert caught.value.details["pointer"] == "/credentialSubject/myNumber"


@pytest.mark.parametrize("qualification_id", IDS)
def test_sample_validates_against_its_schema(qualification_id: str) -> None:
    credential = sample_credential(qualification_id)
    assert [s["id"] for s in credential["credentialSchema"]] == [CREDENTIAL_SCHEMA_V1]
    assert credential_problems(credential) == []
    validate_credential(credential)


@pytest.mark.parametrize("qualification_id", IDS)
def test_sample_meets_ob3_structural_rules(qualification_id: str) -> None:
    entry = default_catalogue().get(qualification_id)
    credential = sample_credential(qualification_id)
    # Context order: VC 2.0 first, then OB 3.0.3, then ours.
    assert credential["@context"] == [CREDENTIALS_V2, OPEN_BADGES_V3, CONTEXT_V1]
    assert credential["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
        "JapaneseNationalQualificationCredential",
    ]
    assert credential["name"] == entry.name.ja
    assert credential["id"].startswith("urn:uuid:")
    # The issuer is an OB Profile.
    issuer = credential["issuer"]
    assert issuer["id"] and "Profile" in issuer["type"] and issuer["name"]
    # awardedDate is the registration date as an xsd:dateTime.
    assert credential["awardedDate"] == "2015-04-23T00:00:00+09:00"
    assert credential["validFrom"] == "2026-05-01T09:00:00+09:00"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject", "NationalQualificationHolder"]
    assert isinstance(subject["licenseNumber"], str)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == entry.achievement_type in OB_ACHIEVEMENT_TYPES
    assert achievement["id"] == qualification_iri(qualification_id)
    assert achievement["name"] and achievement["description"] and achievement["criteria"]
    # achievement.creator is the licensing authority, an OB Profile.
    creator = achievement["creator"]
    assert "Profile" in creator["type"] and creator["id"] and creator["name"]
    assert creator["name"].startswith(("東京", entry.default_authority.name.ja))
    # The unconfirmed details of the catalogue stay out of signed data.
    legal_basis = achievement["legalBasis"]
    assert ("article" in legal_basis) == (
        entry.article is not None and "article" in entry.confirmed
    )
    assert ("registerName" in achievement) == ("register" in entry.confirmed)
    assert ("lawNumber" in legal_basis) == ("number" in entry.law.confirmed)
    # Expiring qualifications say when, in both places.
    assert ("validUntil" in credential) == entry.renewal.expires
    assert ("licenseExpiryDate" in subject) == entry.renewal.expires
    check_json_safe(credential)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split("/")[1:]
        node: Any = document
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()

# Each breaks one structural rule of OB 3.0 or of the JP profile; (change, pointer of the error).
BREAKS = {
    "context order": (
        _set("/@context", [OPEN_BADGES_V3, CREDENTIALS_V2, CONTEXT_V1]),
        "/@context/0",
    ),
    "no OB context": (_set("/@context", [CREDENTIALS_V2, CONTEXT_V1]), "/@context/1"),
    "extra context": (
        _set("/@context", [CREDENTIALS_V2, OPEN_BADGES_V3, CONTEXT_V1, "https://x.example/"]),
        "/@context",
    ),
    "no OpenBadgeCredential": (
        _set("/type", ["VerifiableCredential", "JapaneseNationalQualificationCredential"]),
        "/type",
    ),
    "no awardedDate": (_set("/awardedDate", _DELETE), "/"),
    "awardedDate a date": (_set("/awardedDate", "2015-04-23"), "/awardedDate"),
    "issuer a string": (_set("/issuer", "did:web:registry.example"), "/issuer"),
    "issuer not a Profile": (_set("/issuer/type", ["Organization"]), "/issuer/type"),
    "issuer without name": (_set("/issuer/name", _DELETE), "/issuer"),
    "no achievement": (_set("/credentialSubject/achievement", _DELETE), "/credentialSubject"),
    "achievement without type": (
        _set("/credentialSubject/achievement/type", _DELETE),
        "/credentialSubject/achievement",
    ),
    "achievement without achievementType": (
        _set("/credentialSubject/achievement/achievementType", _DELETE),
        "/credentialSubject/achievement",
    ),
    "achievementType not OB": (
        _set("/credentialSubject/achievement/achievementType", "Licence"),
        "/credentialSubject/achievement/achievementType",
    ),
    "no creator": (
        _set("/credentialSubject/achievement/creator", _DELETE),
        "/credentialSubject/achievement",
    ),
    "subject not an AchievementSubject": (
        _set("/credentialSubject/type", ["NationalQualificationHolder"]),
        "/credentialSubject/type",
    ),
    "an address": (_set("/credentialSubject/streetAddress", "霞が関"), "/credentialSubject"),
    "a number": (
        _set("/credentialSubject/licenseNumber", 123456),
        "/credentialSubject/licenseNumber",
    ),
    "本籍 and 国籍": (_set("/credentialSubject/nationality", "KR"), "/credentialSubject"),
    "another qualification's type": (
        _set("/credentialSubject/achievement/achievementType", "Certification"),
        "/credentialSubject/achievement/achievementType",
    ),
    "unknown qualification": (
        _set("/credentialSubject/achievement/humanCode", "bengoshi"),
        "/credentialSubject/achievement/humanCode",
    ),
    "wrong number format": (
        _set("/credentialSubject/licenseNumber", "A-1"),
        "/credentialSubject/licenseNumber",
    ),
    "a training the register does not record": (
        _set("/credentialSubject/completedTraining", ["nope"]),
        "/credentialSubject/completedTraining/0",
    ),
    "a My Number in free text": (
        _set("/credentialSubject/achievement/description", "1234 5678 9018"),
        "/credentialSubject/achievement/description",
    ),
}


@pytest.mark.parametrize("name", BREAKS)
def test_structural_violations_are_refused_with_a_pointer(name: str) -> None:
    change, pointer = BREAKS[name]
    credential = copy.deepcopy(sample_credential("ishi"))
    change(credential)
    problems = credential_problems(credential)
    assert pointer in {p.field for p in problems}, problems
    with pytest.raises(SchemaError) as caught:
        validate_credential(credential)
    assert caught.value.code == "schema.credential_invalid"
    assert len(caught.value.details["errors"]) == len(problems)


def test_catalogue_rules_per_register() -> None:
    midwife = sample_credential("josanshi")
    midwife["credentialSubject"]["registeredSex"] = "2"
    assert "/credentialSubject/registeredSex" in {p.field for p in credential_problems(midwife)}
    expiring = sample_credential("kaigo-shien-senmonin")
    del expiring["validUntil"], expiring["credentialSubject"]["licenseExpiryDate"]
    assert {"/validUntil", "/credentialSubject/licenseExpiryDate"} <= {
        p.field for p in credential_problems(expiring)
    }
    forever = sample_credential("ishi")
    forever["credentialSubject"]["licenseExpiryDate"] = "2030-01-01"
    assert "/credentialSubject/licenseExpiryDate" in {p.field for p in credential_problems(forever)}
    wrong_creator = sample_credential("ishi")
    wrong_creator["credentialSubject"]["achievement"]["creator"]["id"] = "https://x.example/"
    assert "/credentialSubject/achievement/creator/id" in {
        p.field for p in credential_problems(wrong_creator)
    }


@pytest.mark.parametrize("value", [2**53, -(2**53), float("nan"), float("inf")])
def test_unsafe_numbers_are_refused(value: float) -> None:
    with pytest.raises(SchemaError) as caught:
        check_json_safe({"a": [{"b": value}]})
    assert caught.value.code == "schema.unsafe_integer"
    assert caught.value.details["pointer"] == "/a/0/b"
    check_json_safe({"a": [2**53 - 1, -(2**53 - 1), 1.5, True]})


def test_a_prefectural_licence_names_its_prefecture() -> None:
    creator = sample_credential("jun-kangoshi")["credentialSubject"]["achievement"]["creator"]
    assert creator["name"] == "東京都知事"
    assert creator["id"].endswith("/authority/prefectural-governor/13")
    bureau = sample_credential("sensuishi")["credentialSubject"]["achievement"]["creator"]
    assert bureau["name"] == "東京労働局長"
