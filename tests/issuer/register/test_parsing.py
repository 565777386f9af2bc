"""Garbage in an export never crashes the reader: every row is a record or a reasoned refusal."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.register import Rejection, Row, check_row, load_profile, read_rows
from issuer.registers import fictitious_rows
from vc_core.errors import CODES, BoardError
from vc_schemas.record import RegisterRecord

PROFILE = load_profile("kangoshi")
HEADER = list(next(fictitious_rows(1)))
TODAY = date(2026, 12, 4)

cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "2010/04/01", "2010-13-45", "男", "女", "東京都", "99", "1" * 12]),
    st.from_regex(r"[0-9/\-]{0,12}", fullmatch=True),
)


def _assert_reasoned(outcome: RegisterRecord | Rejection) -> None:
    if isinstance(outcome, Rejection):
        assert outcome.errors, "a refusal always says why"
        for error in outcome.errors:
            assert error.code in CODES and error.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=0, max_size=len(HEADER) + 2), max_size=8))
def test_garbage_csv_rows_are_records_or_refusals(table: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(table)
    rows = list(read_rows(io.BytesIO(buffer.getvalue().encode()), format="csv"))
    assert len(rows) <= len(table)
    for row in rows:
        _assert_reasoned(check_row(row, PROFILE, TODAY))


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(HEADER), cells, max_size=len(HEADER)))
def test_mapped_rows_with_any_values_are_records_or_refusals(values: dict[str, str]) -> None:
    base = next(fictitious_rows(1))
    outcome = check_row(Row(1, {**base, **values}), PROFILE, TODAY)
    _assert_reasoned(outcome)
    if isinstance(outcome, RegisterRecord):
        assert outcome.qualification_id == "kangoshi"


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_csv_never_crash(data: bytes) -> None:
    try:
        rows = list(read_rows(io.BytesIO(b"a,b\n" + data), format="csv"))
    except BoardError as exc:  # Only ever a refused header; never anything else.
        assert exc.code == "board.row_malformed"
        return
    for row in rows:
        _assert_reasoned(check_row(row, PROFILE, TODAY))


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.dictionaries(st.sampled_from(HEADER), cells).map(
                lambda d: json.dumps(d, ensure_ascii=False).encode()
            ),
        ),
        max_size=6,
    )
)
def test_arbitrary_json_lines_never_crash(lines: list[bytes]) -> None:
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    for row in read_rows(io.BytesIO(data), format="jsonl"):
        outcome = check_row(row, PROFILE, TODAY)
        _assert_reasoned(outcome)
        if row.columns is None:
            assert isinstance(outcome, Rejection)
