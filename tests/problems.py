"""Shared checks of the services' RFC 9457 answers (verifier and issuer HTTP tests)."""

from __future__ import annotations

from typing import Any, Final

PROBLEM: Final = "application/problem+json"


def problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    """Assert ``answer`` is a problem document with ``status`` and ``code``; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"].endswith("#" + code)
    assert {"title", "detail", "kind", "instance"} <= set(body)
    return body


def not_strict_json(member: str) -> list[tuple[bytes, str]]:
    """Bodies no shikaku service reads as JSON, each with the code it is refused with."""
    return [
        (b'{"' + member.encode() + b'": ', "input.json_invalid"),
        (b"", "input.json_invalid"),
        (f'{{"{member}": "a", "{member}": "b"}}'.encode(), "input.duplicate_key"),
        (f'{{"{member}": {{"x": NaN}}}}'.encode(), "input.number_invalid"),
        (b"[" * 100 + b"]" * 100, "input.too_deep"),
        (b'{"' + member.encode() + b'": "\xff"}', "input.not_utf8"),
    ]


NOT_STRICT_IDS: Final = ["truncated", "empty", "duplicate", "nan", "deep", "not-utf8"]
