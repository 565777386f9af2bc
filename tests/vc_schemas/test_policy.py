"""The default disclosure policy: three classes, JSON pointers, and named request profiles."""

from __future__ import annotations

import pytest

from vc_core.errors import SchemaError, SelectionError
from vc_schemas.catalogue import default_catalogue
from vc_schemas.policy import ALWAYS_VISIBLE, disclosure_policy, pointer_value
from vc_schemas.samples import sample_credential

IDS = default_catalogue().ids


def _leaf_pointers(credential: dict[str, object]) -> set[str]:
    subject = credential["credentialSubject"]
    assert isinstance(subject, dict)
    top = {f"/{k}" for k in credential if k != "@context"}
    return (top - {"/credentialSubject"}) | {f"/credentialSubject/{k}" for k in subject}


@pytest.mark.parametrize("qualification_id", IDS)
def test_every_field_of_every_sample_has_exactly_one_class(qualification_id: str) -> None:
    policy = disclosure_policy(qualification_id)
    classes = (policy.always_visible, policy.selectively_disclosable, policy.hidden_by_default)
    assert sum(map(len, classes)) == len(set().union(*classes))
    for pointer in _leaf_pointers(sample_credential(qualification_id)):
        assert policy.classify(pointer) is not None, pointer


@pytest.mark.parametrize("qualification_id", IDS)
def test_hidden_by_default_are_domicile_nationality_sex(qualification_id: str) -> None:
    entry = default_catalogue().get(qualification_id)
    policy = disclosure_policy(entry)
    expected = {"/credentialSubject/registeredDomicilePrefecture", "/credentialSubject/nationality"}
    if entry.records_sex:
        expected.add("/credentialSubject/registeredSex")
    assert set(policy.hidden_by_default) == expected
    for name, request in policy.requests.items():
        assert policy.hidden_in(request.pointers) == [], name


def test_employer_profile() -> None:
    policy = disclosure_policy("ishi")
    credential = sample_credential("ishi")
    assert policy.selective_pointers(credential, "employer") == [
        "/credentialSubject/licenseNumber",
        "/credentialSubject/familyName",
        "/credentialSubject/givenName",
        "/credentialSubject/familyNameKana",
        "/credentialSubject/givenNameKana",
        "/credentialSubject/completedTraining",
    ]
    expiring = disclosure_policy("kaigishi")
    assert "/credentialSubject/licenseExpiryDate" in expiring.request("employer").pointers
    assert "/credentialSubject/completedTraining" not in expiring.request("employer").pointers
    assert policy.request("employer").label.ja
    with pytest.raises(SchemaError) as caught:
        policy.request("marketing")
    assert caught.value.code == "schema.request_unknown"


def test_mandatory_pointers_are_those_present() -> None:
    credential = sample_credential("ishi")
    mandatory = disclosure_policy("ishi").mandatory_pointers(credential)
    assert "/validUntil" not in mandatory and "/credentialStatus" not in mandatory
    assert set(mandatory) == {p for p in ALWAYS_VISIBLE if pointer_value(credential, p)[0]}
    assert "/credentialSubject/achievement" in mandatory


def test_classify_and_hidden_in() -> None:
    policy = disclosure_policy("kangoshi")
    assert policy.classify("/credentialSubject/achievement/creator/name") == "always"
    assert policy.classify("/credentialSubject/familyName") == "selective"
    assert policy.classify("/credentialSubject/registeredSex") == "hidden"
    assert policy.classify("/credentialSubject/familyNameX") is None
    assert policy.hidden_in(
        ["/credentialSubject/familyName", "/credentialSubject/nationality"]
    ) == ["/credentialSubject/nationality"]


def test_pointer_value() -> None:
    document = {"a": [{"b/c": 1, "d~e": 2}]}
    assert pointer_value(document, "") == (True, document)
    assert pointer_value(document, "/a/0/b~1c") == (True, 1)
    assert pointer_value(document, "/a/0/d~0e") == (True, 2)
    assert pointer_value(document, "/a/1") == (False, None)
    assert pointer_value(document, "/x") == (False, None)
    assert pointer_value({"7": "key"}, "/7") == (True, "key")
    with pytest.raises(SelectionError) as caught:
        pointer_value(document, "a/0")
    assert caught.value.code == "selection.pointer_invalid"
