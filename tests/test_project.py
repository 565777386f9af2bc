"""Project-wide guarantees: tests run offline, and every raised error code is registered."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from tests.conftest import NetworkAccessInTest
from vc_core.errors import CODES, StatusError
from vc_core.problems import problem_document, problem_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "vc_core",
    "vc_schemas",
    "jpki_bridge",
    "service_kit",
    "issuer",
    "holder",
    "verifier",
    "cli",
]


def test_network_access_fails_during_tests() -> None:
    with pytest.raises(NetworkAccessInTest):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(NetworkAccessInTest):
        socket.getaddrinfo("example.com", 443)


def _raised_codes() -> list[tuple[str, str]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id.endswith("Error")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and "." in node.args[0].value
                    and " " not in node.args[0].value
                ):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value))
    return found


def test_every_raised_code_is_documented_in_one_place() -> None:
    raised = _raised_codes()
    assert raised, "the scan found no error codes at all"
    unknown = [(where, code) for where, code in raised if code not in CODES]
    assert unknown == []


def test_every_code_is_a_problem_type_with_a_status_title_and_kind() -> None:
    """Issue 9: the HTTP edge and the CLI read one table; no code is left out of it."""
    for code in CODES:
        problem = problem_of(code)
        assert 400 <= problem.status <= 599, code
        assert problem.title == CODES[code]
        assert problem.kind in ("failure", "could_not_verify")
        assert problem.type.endswith("#" + code)


def test_a_problem_document_is_rfc9457_and_keeps_secrets_out() -> None:
    document = problem_document(
        StatusError("status.list_unreachable", "https://x/1 did not answer", url="https://x/1"),
        instance="/credentials/verify",
    )
    assert document["status"] == 502
    assert document["kind"] == "could_not_verify"
    assert document["title"] == CODES["status.list_unreachable"]
    assert document["detail"] == "https://x/1 did not answer"
    assert document["instance"] == "/credentials/verify"
    assert document["url"] == "https://x/1"
