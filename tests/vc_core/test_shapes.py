"""The shape-cached JSON-LD → RDF path never disagrees with the straightforward one.

Hypothesis generates credentials of a few shapes with arbitrary values, including
the values that change JSON-LD's meaning (terms and compact IRIs where IRIs go,
relative IRIs, blank-node ids, undefined types, control characters). For each,
the canonical N-Quads from both paths must be identical, or both paths must
refuse with the same error code.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from vc_core.errors import ShikakuError
from vc_core.jsonld.canon import canonize
from vc_core.jsonld.loader import CREDENTIALS_V2, EXAMPLES_V2

LOADER = cli_loader()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
iri_like = st.one_of(
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/]{0,12}", fullmatch=True),
    st.from_regex(r"did:key:z[1-9A-HJ-NP-Za-km-z]{8,20}", fullmatch=True),
    # Values JSON-LD does not pass through unchanged:
    st.sampled_from(
        [
            "VerifiableCredential",
            "ob:Achievement",
            "relative/path",
            "_:b0",
            "xsd:string",
            "https://x.example/with space",
            "Profile",
            "id",
            "type",
        ]
    ),
    text,
)
types = st.lists(
    st.sampled_from(
        [
            "VerifiableCredential",
            "OpenBadgeCredential",
            "AchievementCredential",
            "UndefinedTypeXYZ",
            "https://types.example/T",
        ]
    ),
    min_size=1,
    max_size=3,
    unique=True,
)


def _outcome(document: Any, fast: bool) -> tuple[str, str]:
    try:
        return "ok", canonize(copy.deepcopy(document), loader=LOADER, fast=fast)
    except ShikakuError as exc:
        return "error", exc.code


def _assert_agree(document: dict[str, Any]) -> None:
    assert _outcome(document, fast=True) == _outcome(document, fast=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    serial=st.integers(0, 2**40),
    license_number=text,
    holder=text,
    issuer=iri_like,
    credential_id=iri_like,
    achievement_id=iri_like,
    credential_types=types,
    name=text,
)
def test_open_badges_credentials_agree(  # noqa: PLR0917 - hypothesis passes them by name
    serial: int,
    license_number: str,
    holder: str,
    issuer: str,
    credential_id: str,
    achievement_id: str,
    credential_types: list[str],
    name: str,
) -> None:
    credential = jp_sample_credential(
        serial=serial, license_number=license_number, holder_name=holder, issuer=issuer
    )
    credential["id"] = credential_id
    credential["type"] = credential_types
    credential["name"] = name
    credential["credentialSubject"]["achievement"]["id"] = achievement_id
    _assert_agree(credential)


@settings(max_examples=150, deadline=None)
@given(
    leaves=st.lists(st.one_of(text, iri_like), min_size=6, max_size=6),
    subject_type=st.sampled_from(["Person", "https://t.example/P", "Undefined"]),
    use_id=st.booleans(),
    number=st.one_of(st.none(), st.integers(-(2**53), 2**53), st.booleans()),
)
def test_vocab_credentials_agree(
    leaves: list[str], subject_type: str, use_id: bool, number: int | bool | None
) -> None:
    # The examples context maps every term through @vocab, so any key is defined.
    subject: dict[str, Any] = {"type": subject_type, "name": leaves[0], "knows": {"id": leaves[1]}}
    if use_id:
        subject["id"] = leaves[2]
    if number is not None:
        subject["count"] = number
    credential = {
        "@context": [CREDENTIALS_V2, EXAMPLES_V2],
        "id": leaves[3],
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": {"id": leaves[4], "name": leaves[5]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
    }
    _assert_agree(credential)


def test_same_shape_different_values_hit_the_cache_and_stay_correct() -> None:
    first = jp_sample_credential(serial=1, license_number="1", issuer="did:key:zA")
    second = jp_sample_credential(serial=2, license_number="2", issuer="did:key:zB")
    assert canonize(first, loader=LOADER) == canonize(first, loader=LOADER, fast=False)
    assert canonize(second, loader=LOADER) == canonize(second, loader=LOADER, fast=False)
    assert canonize(first, loader=LOADER) != canonize(second, loader=LOADER)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(min_size=1, max_size=12),
    language=st.sampled_from(["en", "ja", "ar"]),
    direction=st.sampled_from(["ltr", "rtl"]),
)
def test_language_value_objects_with_a_direction_agree(
    text: str, language: str, direction: str
) -> None:
    """VCDM 2.0 §11.1: name and description may be language value objects with @direction,
    whose value JSON-LD checks at once, so it is part of the shape, never a leaf."""
    value = {"@value": text, "@language": language, "@direction": direction}
    credential = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "issuer": {"id": "did:example:issuer", "name": value},
        "name": value,
        "description": [value, {"@value": "説明", "@language": "ja"}],
        "credentialSubject": {"id": "did:example:subject"},
    }
    _assert_agree(credential)
