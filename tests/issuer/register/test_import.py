"""Importing a register export: profiles, rejections, idempotence, versions and the hook."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from issuer.board import Board
from issuer.register import (
    KEPT_REJECTIONS,
    ImportReport,
    RegisterProfile,
    Row,
    import_register,
    import_upload,
    load_profile,
    read_rows,
    shipped_profiles,
)
from issuer.registers import SAMPLE_REGISTER, fictitious_rows
from issuer.store import BoardStore, StoredRecord
from issuer.store.store import record_json
from tests.issuer.register.conftest import write_csv
from vc_core.errors import BoardError
from vc_core.mynumber import my_number_check_digit

REJECTED_ROWS = {19, 20}  # The sample's two wrong rows (see issuer.registers).


def _import(target: Board | BoardStore, source: object, **options: object) -> ImportReport:
    defaults: dict[str, object] = {"profile": "kangoshi", "actor": "test-import"}
    return import_register(target, source, **{**defaults, **options})  # type: ignore[arg-type]


def test_the_sample_register_imports_with_its_japanese_columns(
    store: BoardStore, tmp_path: Path
) -> None:
    report = _import(store, SAMPLE_REGISTER, report=tmp_path / "rejected.csv")

    assert (report.read, report.new, report.unchanged, report.changed) == (20, 18, 0, 0)
    assert report.rejected == 2
    assert store.count_records("kangoshi") == 18
    stored = store.record("kangoshi:1000003")
    assert stored is not None and stored.version == 1 and stored.standing == "registered"
    record = stored.record
    assert (record.family_name, record.family_name_kana, record.former_family_name) == (
        "高橋",
        "タカハシ",
        "田中",
    )
    assert str(record.registration_date) == "2015-04-30"  # From 2015/04/30.
    assert record.sex == "2" and record.domicile_prefecture == "01"  # 女, 北海道.
    assert record.exam_passed == "2015-03" and record.trainings == ("saikyoiku-kenshu",)
    foreign = store.record("kangoshi:1000008")
    assert foreign is not None and foreign.record.nationality == "KR"
    events = list(store.iter_events())
    assert [e.action for e in events] == ["record.new"] * 18
    assert all(e.actor == "test-import" and e.details == {"version": 1} for e in events)


def test_rejected_rows_are_reported_per_field_and_nothing_of_them_is_stored(
    store: BoardStore, tmp_path: Path
) -> None:
    report = _import(store, SAMPLE_REGISTER, report=tmp_path / "rejected.csv")

    with (tmp_path / "rejected.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert {int(line["row"]) for line in lines} == REJECTED_ROWS
    assert {int(line["line"]) for line in lines} == {r + 1 for r in REJECTED_ROWS}  # Header.
    by_row = {(int(x["row"]), x["field"], x["code"]) for x in lines}
    assert by_row == {
        (19, "family_name_kana", "schema.field_malformed"),
        (19, "given_name_kana", "schema.field_malformed"),
        (20, "registration_date", "schema.field_inconsistent"),
        (20, "license_number", "schema.field_malformed"),
    }
    assert [r.row for r in report.rejections] == sorted(REJECTED_ROWS)
    assert store.record("kangoshi:1000019") is None
    assert store.count_records() == 18
    # The report never repeats a value from the export.
    text = (tmp_path / "rejected.csv").read_text(encoding="utf-8")
    assert "もり" not in text and "10000A0" not in text


def test_the_report_can_be_json_lines(store: BoardStore, tmp_path: Path) -> None:
    _import(store, SAMPLE_REGISTER, report=tmp_path / "rejected.jsonl")
    lines = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert [x["row"] for x in lines] == [19, 20]
    assert {e["field"] for e in lines[0]["errors"]} == {"family_name_kana", "given_name_kana"}


def test_json_lines_with_the_japanese_profile(store: BoardStore, tmp_path: Path) -> None:
    rows = list(fictitious_rows(5))
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(2, "{not json")
    lines.insert(3, "[1, 2]")
    lines.append(json.dumps({**rows[0], "登録番号": 1000099}, ensure_ascii=False))
    path = tmp_path / "register.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")

    report = _import(store, path)

    assert (report.read, report.new, report.rejected) == (8, 5, 3)
    reasons = {r.row: [(e.field, e.code) for e in r.errors] for r in report.rejections}
    assert reasons[3] == [("", "board.row_malformed")]
    assert reasons[4] == [("", "board.row_malformed")]
    assert reasons[8] == [("license_number", "schema.field_malformed")]  # A number, not text.
    assert store.count_records() == 5


def test_an_uploaded_export_is_imported_with_its_report_kept(board: Board) -> None:
    with SAMPLE_REGISTER.open("rb") as body:
        answer = import_upload(board, body, format="csv", profile="kangoshi", actor="admin")
    assert (answer["new"], answer["rejected"]) == (18, 2)
    kept = board.settings.data_dir / "imports" / answer["report"]
    assert [json.loads(x)["row"] for x in kept.read_text().splitlines()] == [19, 20]


def test_the_default_profile_reads_the_field_names(store: BoardStore, tmp_path: Path) -> None:
    row = {
        "qualification_id": "kangoshi",
        "license_number": "123",
        "registration_date": "2010-04-01",
        "family_name": "見本",
        "given_name": "花子",
        "family_name_kana": "ミホン",
        "given_name_kana": "ハナコ",
        "date_of_birth": "1988/01/02",
        "trainings": "saikyoiku-kenshu",
    }
    report = _import(store, write_csv(tmp_path / "plain.csv", [row]), profile=None)
    assert report.new == 1, report.rejections
    stored = store.record("kangoshi:123")
    assert stored is not None and str(stored.record.date_of_birth) == "1988-01-02"
    assert "default" in shipped_profiles() and "kangoshi" in shipped_profiles()


def test_importing_twice_changes_nothing(store: BoardStore) -> None:
    _import(store, SAMPLE_REGISTER)
    before = list(store.iter_events())

    again = _import(store, SAMPLE_REGISTER)

    assert (again.new, again.unchanged, again.changed, again.rejected) == (0, 18, 0, 2)
    assert list(store.iter_events()) == before
    stored = store.record("kangoshi:1000001")
    assert stored is not None and stored.version == 1


def test_the_import_stores_what_put_record_would(store: BoardStore) -> None:
    """Same canonical JSON, same digest: put_record finds every imported record unchanged."""
    _import(store, SAMPLE_REGISTER)
    for n in (1, 3, 8, 15):
        stored = store.record(f"kangoshi:{1000000 + n}")
        assert stored is not None
        outcome, again = store.put_record(stored.record, actor="check")
        assert outcome == "unchanged" and again.digest == stored.digest
        assert record_json(stored.record) == record_json(again.record)


def test_a_changed_row_becomes_a_new_version_and_calls_the_hook(
    store: BoardStore, tmp_path: Path
) -> None:
    _import(store, SAMPLE_REGISTER)
    with SAMPLE_REGISTER.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # 佐藤 花子 marries: her name changes, her former name is kept.
    rows[0].update({"氏名（姓）": "青木", "フリガナ（姓）": "アオキ"})
    rows[0].update({"旧姓": "佐藤", "旧姓フリガナ": "サトウ"})
    calls: list[tuple[StoredRecord, int]] = []

    report = _import(
        store,
        write_csv(tmp_path / "next.csv", rows),
        on_changed=lambda new, previous: calls.append((new, previous)),
    )

    assert (report.new, report.unchanged, report.changed) == (0, 17, 1)
    stored = store.record("kangoshi:1000001")
    assert stored is not None and stored.version == 2
    assert stored.record.family_name == "青木" and stored.record.former_family_name == "佐藤"
    ((new, previous),) = calls
    assert previous == 1 and new.version == 2 and new.subject_id == "kangoshi:1000001"
    assert new.record == stored.record and new.digest == stored.digest
    last = list(store.iter_events())[-1]
    assert (last.action, last.subject_id, last.details) == (
        "record.changed",
        "kangoshi:1000001",
        {"version": 2},
    )


def test_a_subject_twice_in_one_export_is_applied_in_row_order(
    board: Board, tmp_path: Path
) -> None:
    first, second = list(fictitious_rows(2))
    renamed = {**first, "氏名（名）": "桜", "フリガナ（名）": "サクラ"}
    calls: list[int] = []
    report = _import(
        board,
        write_csv(tmp_path / "twice.csv", [first, second, renamed, renamed]),
        on_changed=lambda new, previous: calls.append(previous),
    )
    assert (report.new, report.changed, report.unchanged) == (2, 1, 1)
    stored = board.store.record("kangoshi:1")
    assert stored is not None and stored.version == 2 and stored.record.given_name == "桜"
    assert calls == [1]


def test_a_my_number_or_address_column_refuses_every_row(store: BoardStore, tmp_path: Path) -> None:
    rows = list(fictitious_rows(3))
    eleven = "12345678901"
    my_number = eleven + str(my_number_check_digit(eleven))
    with_number = [{**r, "個人番号": my_number} for r in rows]
    with_address = [{**r, "住所": "東京都千代田区霞が関1-2-2"} for r in rows]
    # An ignored column is still scanned: a My Number in 備考 is refused.
    in_remarks = [{**r, "備考": my_number} for r in rows]

    for name, table, code in (
        ("number.csv", with_number, "schema.my_number"),
        ("address.csv", with_address, "schema.address"),
        ("remarks.csv", in_remarks, "schema.my_number"),
    ):
        report = _import(store, write_csv(tmp_path / name, table))
        assert report.rejected == 3 and report.new == 0
        assert all(code in {e.code for e in r.errors} for r in report.rejections)
    assert store.count_records() == 0


def test_a_column_the_profile_does_not_know_refuses_the_row(
    store: BoardStore, tmp_path: Path
) -> None:
    rows = [{**r, "勤務先": "見本病院"} for r in fictitious_rows(2)]
    report = _import(store, write_csv(tmp_path / "extra.csv", rows))
    assert report.rejected == 2
    assert {(e.field, e.code) for e in report.rejections[0].errors} == {
        ("勤務先", "schema.field_unknown")
    }


def test_two_columns_giving_one_field_differently_refuse_the_row(
    store: BoardStore, tmp_path: Path
) -> None:
    rows = [{**r, "qualification_id": "ishi"} for r in fictitious_rows(2)]
    rows[1]["qualification_id"] = "kangoshi"  # Agrees with the profile's constant: fine.
    report = _import(store, write_csv(tmp_path / "clash.csv", rows))
    assert (report.new, report.rejected) == (1, 1)
    assert [(e.field, e.code) for e in report.rejections[0].errors] == [
        ("qualification_id", "schema.field_inconsistent")
    ]


def test_rows_of_the_wrong_width_and_bad_profiles(store: BoardStore, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("登録番号,登録年月日\n1,2,3\n", encoding="utf-8")
    report = _import(store, path)
    assert report.rejected == 1 and report.rejections[0].errors[0].code == "board.row_malformed"
    with pytest.raises(BoardError) as unknown:
        load_profile("no-such-register")
    assert unknown.value.code == "board.profile_unknown"
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\n"登録番号" = "my_number"\n', encoding="utf-8")
    with pytest.raises(BoardError) as invalid:
        load_profile(bad)
    assert invalid.value.code == "board.profile_invalid"
    with pytest.raises(BoardError):
        RegisterProfile.from_mapping({"encoding": "no-such-codec"}, name="x")


class _Endless(io.RawIOBase):
    """A CSV export of ``count`` rows made on demand, counting the bytes handed out."""

    def __init__(self, count: int) -> None:
        self._lines = self._made(count)
        self._buffer = b""
        self.handed_out = 0

    @staticmethod
    def _made(count: int) -> Iterator[str]:
        for n, row in enumerate(fictitious_rows(count)):
            if n == 0:
                yield ",".join(row) + "\n"
            yield ",".join(row.values()) + "\n"

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while len(self._buffer) < len(target):
            line = next(self._lines, None)
            if line is None:
                break
            self._buffer += line.encode()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        self.handed_out += size
        return size


def test_the_reader_is_lazy_over_a_register_of_200_000_rows() -> None:
    source = _Endless(200_000)
    rows = read_rows(io.BufferedReader(source), format="csv")
    taken = [next(rows) for _ in range(10)]
    assert [r.number for r in taken] == list(range(1, 11))
    assert all(r.columns is not None for r in taken)
    # Ten rows were read, not the register: at most a few buffers' worth of bytes.
    assert source.handed_out < 64 * 1024


def test_checking_in_worker_processes_gives_the_same_outcome(
    store: BoardStore, tmp_path: Path
) -> None:
    rows = list(fictitious_rows(60))
    rows[7]["フリガナ（姓）"] = "さとう"
    rows[41]["登録番号"] = "x"
    report = _import(store, write_csv(tmp_path / "many.csv", rows), workers=2, batch_size=8)
    assert (report.read, report.new, report.rejected) == (60, 58, 2)
    assert [r.row for r in report.rejections] == [8, 42]
    assert store.count_records() == 58


def test_the_import_holds_at_most_one_batch(store: BoardStore) -> None:
    """200,000 rows pass through with no more than one batch of records, and a bounded
    list of rejections, in memory."""
    produced = 0

    def rows() -> Iterator[Row]:
        nonlocal produced
        valid = fictitious_rows(400)
        for n in range(1, 200_001):
            produced += 1
            # Most rows are refused cheaply; one in 500 is a valid record.
            yield Row(n, next(valid)) if n % 500 == 0 else Row(n, None, "not a CSV row")

    seen: list[tuple[int, int]] = []

    def progress(read: int) -> None:
        seen.append((read, produced))
        assert produced == read  # Nothing was read ahead of the batch just stored.

    report = _import(store, rows(), batch_size=50, progress=progress)

    assert (report.read, report.new, report.rejected) == (200_000, 400, 199_600)
    assert len(report.rejections) == KEPT_REJECTIONS
    assert len(seen) == 400 // 50 + 1
    assert store.count_records() == 400
