"""Issue 9: whatever arrives, ``verify`` answers with a verdict — it never raises — and a
presentation changed anywhere is never ``verified`` (hypothesis).

A raised exception at this boundary would be a 500 over HTTP and a traceback on the CLI;
every failure must be a named check with a registered code.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verifier.world import World, make_world
from vc_core.errors import CODES
from verifier.pipeline import verify
from verifier.result import VerificationResult

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = make_world(tmp_path_factory.mktemp("world"))
    yield made
    made.registry.close()


class Sample(dict[str, Any]):
    """A presentation whose repr stays short in hypothesis's failure reports."""

    def __repr__(self) -> str:
        return "<the presentation>"


class Text(str):
    __slots__ = ()

    def __repr__(self) -> str:
        return "<the SD-JWT presentation>"


@pytest.fixture(scope="module")
def presentation(world: World) -> dict[str, Any]:
    return Sample(world.vp(world.signed(), nonce=world.challenge()))


@pytest.fixture(scope="module")
def sd_jwt(world: World) -> str:
    issued, _ = world.sd_jwt()
    return Text(world.present(issued, nonce=world.challenge()))


def _coded(result: VerificationResult) -> None:
    for check in result.verdict.checks:
        if check.ok is False:
            assert check.code in CODES, check


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(document)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


_SETTINGS = settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


@_SETTINGS
@given(where=st.integers(min_value=0), value=JSON)
def test_a_presentation_changed_anywhere_is_refused_never_raised(
    world: World, presentation: dict[str, Any], where: int, value: Any
) -> None:
    paths = _paths(presentation)[1:]
    path = paths[where % len(paths)]
    changed = _replace(presentation, path, value)
    if changed == presentation:
        return
    result = verify(changed, world.policy)
    _coded(result)
    assert not result.verified


@_SETTINGS
@given(position=st.integers(min_value=0), character=st.characters(codec="ascii"))
def test_an_sd_jwt_changed_anywhere_is_refused_never_raised(
    world: World, sd_jwt: str, position: int, character: str
) -> None:
    index = position % len(sd_jwt)
    changed = sd_jwt[:index] + character + sd_jwt[index + 1 :]
    if changed == sd_jwt:
        return
    result = verify(changed, world.policy)
    _coded(result)
    assert not result.verified


@_SETTINGS
@given(value=JSON)
def test_any_json_is_answered_with_a_verdict(world: World, value: Any) -> None:
    text = json.dumps(value)
    result = verify(text, world.policy)
    _coded(result)
    assert not result.verified
