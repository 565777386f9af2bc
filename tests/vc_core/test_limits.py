"""Cost bounded by input: the JSON-LD, RDFC-1.0, status list and date limits, each coded.

No test here times anything (``make bench`` measures, in bench/limits_bench.py); each
checks that past a limit the work is refused with its code, and that real inputs pass.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from issuer.jose_forms import issue_jose_credential
from vc_core import di
from vc_core.errors import CanonicalizationError, ShikakuError
from vc_core.jsonld.canon import canonize
from vc_core.jsonld.processor import MAX_JSONLD_VALUES, count_values, expand
from vc_core.jsonld.shapes import MAX_SHAPE_VALUES, ShapeCache, to_rdf
from vc_core.keys import generate_key
from vc_core.rdf.canon import canonicalize
from vc_core.rdf.nquads import parse_nquads
from vc_core.status import PackedStatusList
from vc_core.vcdm import check_validity_dates, datetime_stamp

LOADER = cli_loader()
KEY = generate_key("p256")
ISSUER = di.default_verification_method(KEY).split("#")[0]
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _code(action: Any) -> str:
    with pytest.raises(ShikakuError) as caught:
        action()
    return caught.value.code


def _credential(subjects: int = 1) -> dict[str, Any]:
    credential = jp_sample_credential(issuer=ISSUER)
    subject = credential["credentialSubject"]
    if subjects > 1:
        credential["credentialSubject"] = [
            {**copy.deepcopy(subject), "licenseNumber": str(i)} for i in range(subjects)
        ]
    return credential


# -- JSON-LD: values counted before any expansion -------------------------------------------


def test_a_real_credential_is_far_below_the_jsonld_limit() -> None:
    assert count_values(_credential(), stop_after=MAX_JSONLD_VALUES) < MAX_JSONLD_VALUES // 10


def test_counting_stops_at_its_bound() -> None:
    assert count_values(["x"] * 10_000, stop_after=10) == 11


@pytest.mark.parametrize("suite", ["ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-sd-2023"])
def test_signing_a_document_over_the_jsonld_limit_is_refused(suite: str) -> None:
    big = _credential(subjects=40)
    assert count_values(big, stop_after=MAX_JSONLD_VALUES) > MAX_JSONLD_VALUES
    signer = KEY if suite != "eddsa-rdfc-2022" else generate_key("ed25519")
    assert _code(lambda: di.sign(big, suite=suite, signer=signer, loader=LOADER)) == (
        "jsonld.too_large"
    )


def test_verifying_deriving_and_expanding_over_the_limit_are_refused() -> None:
    signed = di.sign(_credential(), suite="ecdsa-sd-2023", signer=KEY, loader=LOADER)
    big = {**_credential(subjects=40), "proof": signed["proof"]}
    assert _code(lambda: di.verify(big, loader=LOADER)) == "jsonld.too_large"
    assert _code(lambda: di.verify_base(big, loader=LOADER)) == "jsonld.too_large"
    assert _code(lambda: di.derive(big, selective_pointers=[], loader=LOADER)) == (
        "jsonld.too_large"
    )
    assert _code(lambda: canonize(big, loader=LOADER)) == "jsonld.too_large"
    assert _code(lambda: expand(big, loader=LOADER)) == "jsonld.too_large"


def test_a_credential_near_the_limit_still_signs_derives_and_verifies() -> None:
    credential = _credential(subjects=12)
    assert MAX_SHAPE_VALUES < count_values(credential, stop_after=10_000) < MAX_JSONLD_VALUES
    signed = di.sign(
        credential,
        suite="ecdsa-sd-2023",
        signer=KEY,
        loader=LOADER,
        mandatory_pointers=["/issuer"],
    )
    derived = di.derive(signed, selective_pointers=["/credentialSubject"], loader=LOADER)
    (verified,) = di.verify(derived, loader=LOADER)
    assert verified.cryptosuite == "ecdsa-sd-2023"


def test_large_documents_are_not_analysed_or_cached_by_shape() -> None:
    cache = ShapeCache()
    small, large = _credential(), _credential(subjects=12)
    to_rdf(small, loader=LOADER, cache=cache)
    assert cache.misses > 0
    before = (cache.hits, cache.misses)
    assert to_rdf(large, loader=LOADER, cache=cache)
    assert (cache.hits, cache.misses) == before


# -- RDFC-1.0: a bounded search, however many blank nodes ---------------------------------


def _rings(count: int, size: int) -> str:
    return "".join(
        f"_:r{j}b{i} <https://example.org/p> _:r{j}b{(i + 1) % size} .\n"
        for j in range(count)
        for i in range(size)
    )


def test_one_ring_canonicalizes_and_many_rings_are_poison() -> None:
    assert len(canonicalize(parse_nquads(_rings(1, 100))).text().splitlines()) == 100
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(parse_nquads(_rings(3, 200)))
    assert caught.value.code == "canon.poison_graph"


def test_the_total_work_budget_is_a_parameter() -> None:
    quads = parse_nquads(_rings(1, 100))
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(quads, max_total_work=1_000)
    assert caught.value.code == "canon.poison_graph"


# -- Status lists: refused before allocating -------------------------------------------------


@pytest.mark.parametrize(("size", "bits"), [(100_000_000_000, 1), (20_000_000, 8), (2**64, 2)])
def test_a_list_larger_than_the_limit_is_refused(size: int, bits: int) -> None:
    assert _code(lambda: PackedStatusList(size, bits)) == "status.list_too_large"


def test_the_largest_list_allowed_is_made() -> None:
    assert PackedStatusList(16 * 1024 * 1024, 8).size == 16 * 1024 * 1024


# -- Dates: never sign what no verifier accepts ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30T00:00:00Z",
        "2026-02-28T25:61:00Z",
        "2026-12-31T23:59:60Z",
        "99999-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",  # Year 10000 in UTC.
        "0001-01-01T00:00:00+01:00",  # Year 0 in UTC.
        "2026-01-01T00:00:00",  # No time zone: a dateTime, not a dateTimeStamp.
        "2026-01-01",
        20260101,
    ],
)
def test_impossible_or_out_of_range_stamps_are_not_datetimes(value: Any) -> None:
    assert datetime_stamp(value) is None
    assert _code(lambda: check_validity_dates({"validFrom": value})) == (
        "credential.validity_invalid"
    )


@pytest.mark.parametrize(
    "value", ["2026-02-28T23:59:59Z", "2028-02-29T00:00:00.123+09:00", "9999-12-31T23:59:59Z"]
)
def test_real_stamps_are_datetimes(value: str) -> None:
    assert datetime_stamp(value) is not None
    check_validity_dates({"validFrom": "0001-01-01T00:00:00Z", "validUntil": value})


@pytest.mark.parametrize(
    ("member", "value"),
    [("validFrom", "2026-02-30T25:61:00Z"), ("validUntil", "99999-01-01T00:00:00Z")],
)
def test_signing_refuses_impossible_validity_dates(member: str, value: str) -> None:
    credential = {**_credential(), member: value}
    assert _code(
        lambda: di.sign(credential, suite="ecdsa-rdfc-2019", signer=KEY, loader=LOADER)
    ) == ("credential.validity_invalid")
    for form in ("dc+sd-jwt", "vc+sd-jwt", "vc+jwt"):
        issue = lambda form=form: issue_jose_credential(  # noqa: E731
            credential, form=form, signer=KEY, kid=f"{ISSUER}#0", now=NOW
        )
        assert _code(issue) == "credential.validity_invalid"


def test_a_proof_time_out_of_range_is_refused_at_verification() -> None:
    signed = di.sign(_credential(), suite="ecdsa-rdfc-2019", signer=KEY, loader=LOADER)
    signed["proof"]["expires"] = "9999-12-31T23:59:59-01:00"
    assert _code(lambda: di.verify(signed, loader=LOADER)) == "proof.created_invalid"
