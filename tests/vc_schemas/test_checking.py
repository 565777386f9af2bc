"""jsonschema-rs and python-jsonschema give the same answer on every schema shikaku checks.

:class:`vc_schemas.checking.SchemaCheck` lets the fast validator pass a document without the
detailed one looking; so the two must agree. Each test takes a valid JP-profile credential in
one of its shapes (the W3C credential, an SD-JWT VC's claims, and their parts)
and changes it the ways hypothesis finds — a member replaced by any JSON value (Japanese and
full-width text, big and negative numbers, nesting), removed, or added — and asks both.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.samples import jp_sample_credential
from vc_schemas import sd_jwt_vc, validate
from vc_schemas.checking import SchemaCheck

_TEXT = st.text(
    alphabet=st.sampled_from("0123456789０１２３ABCabcヤマダハナコ山田花子 -:/.TZ+#@~\u3000"),
    max_size=24,
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def _mutated(draw: st.DrawFn, original: dict[str, Any]) -> Any:
    document = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        if not path:
            continue
        *parents, last = path
        holder = document
        for step in parents:
            holder = holder[step]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            holder[last] = draw(_JSON)
        elif action == "remove" and isinstance(holder, dict):
            del holder[last]
        elif isinstance(holder, dict):
            holder[draw(_TEXT)] = draw(_JSON)
    return document


def _agree(check: SchemaCheck, document: Any) -> None:
    fast = check.is_valid_fast(document)
    if fast is not None:
        assert fast == check.detailed.is_valid(document), document


def _sd_jwt_claims() -> dict[str, Any]:
    credential = jp_sample_credential()
    subject = dict(credential["credentialSubject"])
    subject.pop("id", None)
    subject.pop("type", None)
    claims = {"vct": sd_jwt_vc.vct_for("kangoshi"), "iss": "did:example:board", **subject}
    return {**claims, "iat": 1780000000}


_SHAPES: dict[str, tuple[Callable[[], SchemaCheck], Callable[[], dict[str, Any]]]] = {
    "credential": (lambda: validate._validator("credential"), jp_sample_credential),
    "sd-jwt-vc": (lambda: sd_jwt_vc._validator("sd-jwt-vc"), _sd_jwt_claims),
    "sd-jwt-vc-rest": (
        lambda: sd_jwt_vc._validator("sd-jwt-vc-rest"),
        lambda: {k: v for k, v in _sd_jwt_claims().items() if k != "achievement"},
    ),
    "achievement": (
        lambda: sd_jwt_vc._validator("achievement"),
        lambda: jp_sample_credential()["credentialSubject"]["achievement"],
    ),
}


def _property(shape: str) -> None:
    make_check, make_document = _SHAPES[shape]
    check, original = make_check(), make_document()
    assert check.is_valid_fast(original) is True and check.detailed.is_valid(original)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(document=_mutated(original))
    def run(document: Any) -> None:
        _agree(check, document)

    run()


def test_the_validators_agree_on_changed_credentials() -> None:
    _property("credential")


def test_the_validators_agree_on_changed_sd_jwt_vc_claims() -> None:
    _property("sd-jwt-vc")


def test_the_validators_agree_on_changed_sd_jwt_vc_claims_beside_the_achievement() -> None:
    _property("sd-jwt-vc-rest")


def test_the_validators_agree_on_changed_achievements() -> None:
    _property("achievement")


def test_a_valid_sample_passes_fast_and_a_broken_one_is_explained() -> None:
    check = validate._validator("credential")
    credential = jp_sample_credential()
    assert check.is_valid_fast(credential) is True and check.problems(credential) == []
    del credential["credentialSubject"]["achievement"]
    problems = check.problems(credential)
    assert problems and all(p.code == "schema.credential_invalid" for p in problems)
