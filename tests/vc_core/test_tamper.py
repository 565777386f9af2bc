"""Changing any value, term, or proof byte of a signed credential makes verification fail."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from vc_core import di
from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.errors import JsonLdError, ShikakuError
from vc_core.keys import SoftwareKey, generate_key

LOADER = cli_loader()


@cache
def _keys() -> dict[str, SoftwareKey]:
    return {"ecdsa-rdfc-2019": generate_key("p256"), "eddsa-rdfc-2022": generate_key("ed25519")}


@cache
def _signed(suite: str) -> dict[str, Any]:
    return di.sign(
        jp_sample_credential(issuer="did:example:board"),
        suite=suite,
        signer=_keys()[suite],
        loader=LOADER,
    )


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


def _keys_of(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*path, key))
            out.extend(_keys_of(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_keys_of(value, (*path, index)))
    return out


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


def _rejected(document: dict[str, Any]) -> bool:
    try:
        di.verify(document, loader=LOADER)
    except ShikakuError:
        return True
    return False


SUITES = ["ecdsa-rdfc-2019", "eddsa-rdfc-2022"]


@pytest.mark.parametrize("suite", SUITES)
def test_untouched_credential_verifies(suite: str) -> None:
    assert not _rejected(copy.deepcopy(_signed(suite)))


@pytest.mark.parametrize("suite", SUITES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_changing_any_value_is_rejected(suite: str, data: st.DataObject) -> None:
    document = copy.deepcopy(_signed(suite))
    paths = [p for p in _leaves(document) if p != ("proof", "proofValue")]
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _parent(document, path)
    old = parent[path[-1]]
    if isinstance(old, bool):
        new: Any = not old
    else:
        new = data.draw(st.text(min_size=1, max_size=8).filter(lambda t: t != old), label="new")
    parent[path[-1]] = new
    assert _rejected(document), f"changing {path} from {old!r} to {new!r} was accepted"


@pytest.mark.parametrize("suite", SUITES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_renaming_any_term_is_rejected(suite: str, data: st.DataObject) -> None:
    document = copy.deepcopy(_signed(suite))
    paths = [p for p in _keys_of(document) if p[-1] not in ("proof", "proofValue")]
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _parent(document, path)
    new_key = data.draw(
        st.sampled_from(
            ["name", "description", "url", "identifier", "image", "unknownTerm"]
        ).filter(lambda k: k not in parent),
        label="new_key",
    )
    parent[new_key] = parent.pop(path[-1])
    assert _rejected(document), f"renaming {path} to {new_key!r} was accepted"


@pytest.mark.parametrize("suite", SUITES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_changing_any_proof_byte_is_rejected(suite: str, data: st.DataObject) -> None:
    document = copy.deepcopy(_signed(suite))
    signature = bytearray(multibase_decode(document["proof"]["proofValue"]))
    index = data.draw(st.integers(0, len(signature) - 1), label="byte")
    signature[index] ^= data.draw(st.integers(1, 255), label="mask")
    document["proof"]["proofValue"] = multibase_encode(bytes(signature))
    assert _rejected(document)


def test_undefined_term_is_refused_at_signing_with_its_pointer() -> None:
    credential = jp_sample_credential()
    credential["credentialSubject"]["achievement"]["honseki"] = "東京都"
    with pytest.raises(JsonLdError) as info:
        di.sign(
            credential, suite="ecdsa-rdfc-2019", signer=_keys()["ecdsa-rdfc-2019"], loader=LOADER
        )
    assert info.value.code == "jsonld.undefined_term"
    assert info.value.details["pointer"] == "/credentialSubject/achievement/honseki"


def test_undefined_term_is_refused_at_verification_with_its_pointer() -> None:
    document = copy.deepcopy(_signed("ecdsa-rdfc-2019"))
    document["credentialSubject"]["notes/~x"] = "unsigned text"
    with pytest.raises(JsonLdError) as info:
        di.verify(document, loader=LOADER)
    assert info.value.code == "jsonld.undefined_term"
    assert info.value.details["pointer"] == "/credentialSubject/notes~1~0x"


def test_relative_iri_is_refused_with_its_pointer() -> None:
    credential = jp_sample_credential()
    credential["credentialSubject"]["achievement"]["id"] = "kangoshi"
    with pytest.raises(JsonLdError) as info:
        di.sign(
            credential, suite="eddsa-rdfc-2022", signer=_keys()["eddsa-rdfc-2022"], loader=LOADER
        )
    assert info.value.code == "jsonld.relative_iri"
    assert info.value.details["pointer"] == "/credentialSubject/achievement/id"
