"""Importing a board's register: a CSV or JSON Lines export in, versioned register records out.

A board's register (看護師籍, 医籍, …) lives in the board's own system; shikaku receives
exports of it. :func:`import_register` reads one export row by row — a stream, never the
whole file in memory, so a register of 1.8 million people imports in the memory of a few
thousand rows — and stores every row that is a valid record:

1. **Profile.** The export's own column names (``登録番号``, ``登録年月日``, …) are mapped
   to :class:`~vc_schemas.record.RegisterRecord` fields by a :class:`RegisterProfile`, a
   small TOML file per register (the shipped ones are in :mod:`issuer.registers`; any file
   can be named). A profile also gives constants (``qualification_id = "kangoshi"`` when the
   export has no such column), the date formats the export uses (ISO 8601 and
   ``YYYY/MM/DD`` unless it says more), value maps (``女`` → ``2``; prefecture names to
   JIS X 0401 codes), the separator of a list column, the columns to ignore, and the file's
   encoding. The ``default`` profile expects the snake_case field names themselves.
2. **Checks.** Every mapped row goes through :func:`vc_schemas.record.record_from_mapping`,
   which runs the guard (:mod:`vc_schemas.guard`) and the catalogue's checks. A column the
   profile does not map keeps its own name and is refused as unknown, so a new column in the
   export stops the import of that row rather than slipping past; a column the profile
   ignores is still scanned by the guard, so a My Number or an address column refuses every
   row that has a value in it, whatever the profile says. A refused row is written to the
   rejection report (CSV or JSON Lines: row number, field, code, message — never the value)
   and nothing of it is stored.
3. **Storage.** Rows are stored in batches, one transaction per batch, with the semantics of
   :meth:`issuer.store.BoardStore.put_record`: a record whose canonical JSON has the same
   digest as the stored one changes nothing (importing the same export twice writes
   nothing); a changed record becomes version + 1; new and changed records are logged
   (``record.new``, ``record.changed``) in the board's event log. Each batch selects the
   stored digests of its subjects (``FOR UPDATE`` on PostgreSQL, so concurrent importers
   of overlapping exports serialise per subject), inserts the new rows, updates the changed
   ones and inserts the events, each as one multi-row statement. A subject twice in one
   export is applied in row order, as two calls of ``put_record`` would be.
4. **Changes.** After each batch commits, ``on_changed(stored, previous_version)`` is called
   for every changed record: that is where a change of name becomes a reissue
   (:mod:`issuer.lifecycle`). The call comes after the commit, so a hook that fails (or a
   process killed between the commit and the hook) leaves the record changed; the
   ``record.changed`` events in the event log are the durable list of what changed.

The admin HTTP route for an upload calls :func:`import_register` with the uploaded file
(the body spooled to disk) and returns :meth:`ImportReport.to_json`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from issuer.board import Board
from issuer.store import BoardStore, EventRow, RecordRow, StoredRecord, subject_of
from issuer.store.store import record_json
from service_kit.db import among, insert_rows, transact
from vc_core.clock import Clock
from vc_core.errors import BoardError, InputError, SchemaError
from vc_core.jsonio import Limits, loads, loads_toml
from vc_schemas.builder import JST
from vc_schemas.codes import PREFECTURES
from vc_schemas.guard import FieldError, scan_forbidden
from vc_schemas.record import RegisterRecord, record_from_mapping

__all__ = [
    "DEFAULT_BATCH",
    "ImportReport",
    "RegisterProfile",
    "Rejection",
    "import_register",
    "import_upload",
    "load_profile",
    "read_rows",
    "shipped_profiles",
]

Format = Literal["csv", "jsonl"]
OnChanged = Callable[[StoredRecord, int], object]
Progress = Callable[[int], None]

#: Rows per transaction: large enough that a commit is rare, small enough to stay in memory.
DEFAULT_BATCH: Final = 2000
#: How many rejections an :class:`ImportReport` keeps in memory (the file has them all).
KEPT_REJECTIONS: Final = 100
_PROFILES_DIR: Final = Path(__file__).resolve().parent / "registers"
_FIELDS: Final = tuple(f.name for f in fields(RegisterRecord))
_DATE_FIELDS: Final = frozenset({"registration_date", "date_of_birth", "valid_until"})
#: ``json.dumps(…, sort_keys=True)``'s encoder, made once (a million events an import).
_SORTED: Final = json.JSONEncoder(sort_keys=True)
_ISO_FORMATS: Final = ("%Y-%m-%d", "%Y/%m/%d")
_MONTH_FORMATS: Final = ("%Y-%m", "%Y/%m")
_MAX_LINE: Final = 64 * 1024
_LINE_LIMITS: Final = Limits(max_bytes=_MAX_LINE, max_depth=4)
_PREFECTURE_CODES: Final = {
    name: p.code for p in PREFECTURES.values() for name in (p.ja, p.ja_short, p.en, p.code)
}


# -- profiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterProfile:
    """How one register's export names and writes its columns (see the module)."""

    name: str
    columns: Mapping[str, str]
    constants: Mapping[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = _ISO_FORMATS
    month_formats: tuple[str, ...] = _MONTH_FORMATS
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    prefecture_names: frozenset[str] = frozenset()
    list_separator: str = ";"
    ignore: frozenset[str] = frozenset()
    encoding: str = "utf-8-sig"
    description: str = ""

    @classmethod
    def default(cls) -> RegisterProfile:
        """Columns named as the record's fields (``license_number``, ``date_of_birth``, …)."""
        return cls(name="default", columns={name: name for name in _FIELDS})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, name: str) -> RegisterProfile:
        """A profile from its TOML table, or ``board.profile_invalid`` saying what is wrong."""
        known = {
            "name", "description", "columns", "constants", "date_formats", "month_formats",
            "values", "prefecture_names", "list_separator", "ignore", "encoding",
        }  # fmt: skip
        unknown = sorted(set(data) - known)
        if unknown:
            raise BoardError("board.profile_invalid", f"unknown profile keys: {unknown}")
        columns = _str_map(data.get("columns", {name: name for name in _FIELDS}), "columns")
        constants = _str_map(data.get("constants", {}), "constants")
        targets = list(columns.values()) + list(constants)
        wrong = sorted({t for t in targets if t not in _FIELDS})
        if wrong:
            raise BoardError("board.profile_invalid", f"not record fields: {wrong}")
        values_table = data.get("values", {})
        if not isinstance(values_table, Mapping):
            raise BoardError("board.profile_invalid", "values is a table of tables")
        values = {k: _str_map(v, f"values.{k}") for k, v in values_table.items()}
        prefectures = frozenset(_str_list(data.get("prefecture_names", []), "prefecture_names"))
        encoding = data.get("encoding", "utf-8-sig")
        separator = data.get("list_separator", ";")
        if not isinstance(encoding, str) or not isinstance(separator, str) or not separator:
            raise BoardError("board.profile_invalid", "encoding and list_separator are strings")
        try:
            codec = io.TextIOWrapper(io.BytesIO(b""), encoding=encoding)
            codec.detach()
        except LookupError:
            raise BoardError("board.profile_invalid", f"unknown encoding {encoding!r}") from None
        return cls(
            name=str(data.get("name", name)),
            description=str(data.get("description", "")),
            columns=columns,
            constants=constants,
            date_formats=tuple(_str_list(data.get("date_formats", _ISO_FORMATS), "date_formats")),
            month_formats=tuple(
                _str_list(data.get("month_formats", _MONTH_FORMATS), "month_formats")
            ),
            values=values,
            prefecture_names=prefectures,
            list_separator=separator,
            ignore=frozenset(_str_list(data.get("ignore", []), "ignore")),
            encoding=encoding,
        )

    def mapping(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
        """``row`` as the mapping :func:`record_from_mapping` reads, and the errors found on
        the way: two columns giving one field different values, and the guard's findings on
        the ignored columns (see the module: ignoring never hides a forbidden column)."""
        out: dict[str, Any] = dict(self.constants)
        ignored: dict[str, Any] = {}
        clashes: list[FieldError] = []
        for column, raw in row.items():
            if column in self.ignore:
                ignored[column] = raw
                continue
            target = self.columns.get(column, column)
            value = self._value(target, raw)
            if target in out and out[target] != value and value not in (None, ""):
                # Two columns (or a column and the profile's constant) disagree: neither wins.
                clashes.append(
                    FieldError(target, "schema.field_inconsistent", f"{column} says otherwise")
                )
                continue
            if target not in out or value not in (None, ""):
                out[target] = value
        return out, clashes + (scan_forbidden(ignored) if ignored else [])

    def _value(self, target: str, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        value = unicodedata.normalize("NFC", raw.strip())
        table = self.values.get(target, {})
        if target == "trainings":
            items = (t.strip() for t in value.split(self.list_separator))
            return [table.get(t, t) for t in items if t]
        value = table.get(value, value)
        if target in self.prefecture_names:
            value = _PREFECTURE_CODES.get(value, value)
        if target in _DATE_FIELDS:
            return _reformat(value, tuple(self.date_formats), "%Y-%m-%d")
        if target == "exam_passed":
            return _reformat(value, tuple(self.month_formats), "%Y-%m")
        return value


@lru_cache(maxsize=65_536)
def _reformat(value: str, formats: tuple[str, ...], iso: str) -> str:
    """``value`` in ISO form when one of ``formats`` reads it, else unchanged (the record's
    own check then refuses it with its reason). Cached: a register's dates repeat (a few
    tens of thousands of birth and registration days for a million rows), and ``strptime``
    was a tenth of an import."""
    for pattern in formats:
        try:
            return datetime.strptime(value, pattern).strftime(iso)
        except ValueError:
            continue
    return value


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BoardError("board.profile_invalid", f"{where} is a table of strings")
    return dict(value)


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise BoardError("board.profile_invalid", f"{where} is a list of strings")
    return list(value)


def shipped_profiles() -> tuple[str, ...]:
    """The names of the profiles shikaku ships (``default`` among them)."""
    return tuple(sorted({"default", *(p.stem for p in _PROFILES_DIR.glob("*.toml"))}))


def load_profile(name_or_path: str | Path | None = None) -> RegisterProfile:
    """A shipped profile by name, or a profile TOML file by path; ``default`` when ``None``."""
    if name_or_path is None or name_or_path == "default":
        return RegisterProfile.default()
    path = Path(name_or_path)
    shipped = _PROFILES_DIR / f"{name_or_path}.toml"
    if not path.is_file() and isinstance(name_or_path, str) and shipped.is_file():
        path = shipped
    if not path.is_file():
        known = ", ".join(shipped_profiles())
        raise BoardError(
            "board.profile_unknown", f"no profile {str(name_or_path)[:80]!r}; one of {known}"
        )
    try:
        data = loads_toml(path.read_bytes(), where=str(path))
    except (InputError, OSError) as exc:
        raise BoardError("board.profile_invalid", f"cannot read {path}: {exc}") from None
    return RegisterProfile.from_mapping(data, name=path.stem)


# -- reading rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of an export: its number (from 1, the header not counted) and its columns,
    or why it is not a row at all."""

    number: int
    columns: Mapping[str, Any] | None
    problem: str | None = None
    #: Where the row ends in the file (1-based line; a quoted cell may span lines).
    line: int | None = None
    #: The reader cannot go on after this row (the file stops decoding): the import stops.
    last: bool = False


def read_rows(source: IO[bytes], *, format: Format, encoding: str = "utf-8-sig") -> Iterator[Row]:
    """The rows of an export, one at a time (a generator: nothing is read ahead)."""
    if format == "csv":
        return _csv_rows(source, encoding)
    if format == "jsonl":
        return _jsonl_rows(source)
    raise BoardError("board.row_malformed", f"unknown format {str(format)[:20]!r}; csv or jsonl")


def _csv_rows(source: IO[bytes], encoding: str) -> Iterator[Row]:
    text = io.TextIOWrapper(source, encoding=encoding, errors="strict", newline="")
    try:
        yield from _csv_rows_of(csv.reader(text, strict=True))
    finally:
        # The caller owns the stream: hand it back open rather than closing it with ours.
        text.detach()


def _csv_rows_of(reader: Any) -> Iterator[Row]:
    number = 0
    header: list[str] | None = None
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            if header is None:
                raise BoardError(
                    "board.row_malformed", f"the header does not read: {exc}"
                ) from None
            number += 1
            if isinstance(exc, UnicodeDecodeError):
                # The decoder cannot resynchronise: the rest of the file is not read.
                problem = f"not {exc.encoding} from here on"
                yield Row(number, None, problem, line=reader.line_num + 1, last=True)
                return
            yield Row(number, None, f"not a CSV row: {type(exc).__name__}", line=reader.line_num)
            continue
        if header is None:
            header = [unicodedata.normalize("NFC", c.strip()) for c in cells]
            if len(set(header)) != len(header) or not all(header):
                raise BoardError("board.row_malformed", "the header repeats or leaves out a name")
            continue
        if not any(c.strip() for c in cells):
            continue  # A blank line is not a row.
        number += 1
        if len(cells) != len(header):
            problem = f"{len(cells)} cells under a header of {len(header)}"
            yield Row(number, None, problem, line=reader.line_num)
            continue
        yield Row(number, dict(zip(header, cells, strict=True)), line=reader.line_num)


def _jsonl_rows(source: IO[bytes]) -> Iterator[Row]:
    number = at = 0
    while True:
        line = source.readline(_MAX_LINE + 1)
        if not line:
            return
        at += 1
        if len(line) > _MAX_LINE and not line.endswith(b"\n"):
            while (rest := source.readline(_MAX_LINE + 1)) and not rest.endswith(b"\n"):
                pass
            number += 1
            yield Row(number, None, f"a line longer than {_MAX_LINE} bytes", line=at)
            continue
        if not line.strip():
            continue
        number += 1
        try:
            value = loads(line.rstrip(b"\r\n"), limits=_LINE_LIMITS, where=f"line {at}")
        except InputError as exc:
            yield Row(number, None, exc.message, line=at)
            continue
        if not isinstance(value, dict):
            yield Row(number, None, "a row is a JSON object", line=at)
            continue
        yield Row(number, value, line=at)


# -- checking rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A refused row: its number and every field error (never the values)."""

    row: int
    errors: tuple[FieldError, ...]
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "line": self.line, "errors": [e.to_dict() for e in self.errors]}


def check_row(row: Row, profile: RegisterProfile, today: date) -> RegisterRecord | Rejection:
    """The record of one row, or its rejection with a reason per field."""
    if row.columns is None:
        malformed = FieldError("", "board.row_malformed", row.problem or "")
        return Rejection(row.number, (malformed,), row.line)
    mapped, forbidden = profile.mapping(row.columns)
    try:
        record = record_from_mapping(mapped, today=today)
    except SchemaError as exc:
        found = tuple(
            FieldError(str(e["field"]), str(e["code"]), str(e["message"]))
            for e in exc.details.get("errors", ())
        )
        return Rejection(row.number, tuple(forbidden) + found, row.line)
    if forbidden:
        return Rejection(row.number, tuple(forbidden), row.line)
    return record


# -- the report ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What one import did: counts, the first rejections, and where the full report is."""

    read: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    rejected: int = 0
    report_path: Path | None = None
    #: Why the import stopped before the end of the file, when it did.
    stopped: str | None = None
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.unchanged + self.changed

    def to_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "new": self.new,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "rejected": self.rejected,
            "stopped": self.stopped,
            "report": None if self.report_path is None else str(self.report_path),
            "rejections": [r.to_json() for r in self.rejections],
        }


class _ReportWriter:
    """The rejection report: CSV (one line per field error) or JSON Lines (one per row)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._csv: Any = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise InputError(
                    "input.unwritable", f"cannot write the report {path}: {exc.strerror}"
                ) from None
            if path.suffix.lower() == ".csv":
                self._csv = csv.writer(self._file)
                self._csv.writerow(["row", "line", "field", "code", "message"])

    def write(self, rejection: Rejection) -> None:
        if self._file is None:
            return
        if self._csv is not None:
            for error in rejection.errors:
                self._csv.writerow(
                    [rejection.row, rejection.line or "", error.field, error.code, error.message]
                )
        else:
            self._file.write(json.dumps(rejection.to_json(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


# -- storing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    record: RegisterRecord
    subject: str
    text: str
    digest: str


def _pending(record: RegisterRecord) -> _Pending:
    text = record_json(record)
    return _Pending(
        record,
        subject_of(record.qualification_id, record.license_number),
        text,
        hashlib.sha256(text.encode()).hexdigest(),
    )


@dataclass
class _Outcome:
    new: int = 0
    unchanged: int = 0
    changed: list[tuple[StoredRecord, int]] = field(default_factory=list)


def store_batch(store: BoardStore, batch: Sequence[RegisterRecord], *, actor: str) -> _Outcome:
    """Store ``batch`` in one transaction with :meth:`BoardStore.put_record`'s semantics."""
    pending = [_pending(record) for record in batch]
    subjects = list(dict.fromkeys(p.subject for p in pending))

    def work(session: Session) -> _Outcome:
        now = store.clock()
        stored: dict[str, tuple[int | None, str, int, str]] = {
            row.subject_id: (row.id, row.digest, row.version, row.standing)
            for row in session.execute(
                sa.select(
                    RecordRow.id,
                    RecordRow.subject_id,
                    RecordRow.digest,
                    RecordRow.version,
                    RecordRow.standing,
                )
                .where(among(session, RecordRow.subject_id, subjects))
                .with_for_update()
            )
        }
        outcome = _Outcome()
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        events: list[dict[str, Any]] = []
        for p in pending:
            known = stored.get(p.subject)
            if known is not None and known[1] == p.digest:
                outcome.unchanged += 1
                continue
            if known is None:
                version, action = 1, "new"
                inserts[p.subject] = {
                    "subject_id": p.subject,
                    "qualification_id": p.record.qualification_id,
                    "license_number": p.record.license_number,
                    "record": p.text,
                    "digest": p.digest,
                    "version": 1,
                    "standing": "registered",
                    "created_at": now,
                    "updated_at": now,
                }
                outcome.new += 1
            else:
                version, action = known[2] + 1, "changed"
                values = {"record": p.text, "digest": p.digest, "version": version}
                if p.subject in inserts:  # New in this batch, changed later in it.
                    inserts[p.subject].update(values)
                else:
                    updates[p.subject] = {"id": known[0], **values, "updated_at": now}
                stored_record = StoredRecord(p.subject, p.record, version, known[3], p.digest, now)
                outcome.changed.append((stored_record, known[2]))
            standing = known[3] if known else "registered"
            stored[p.subject] = (known[0] if known else None, p.digest, version, standing)
            events.append(_event(action, actor, p.subject, version, now))
        if inserts:
            insert_rows(session, RecordRow, list(inserts.values()))
        if updates:
            session.execute(sa.update(RecordRow), list(updates.values()))
        if events:
            insert_rows(session, EventRow, events)
        return outcome

    # Two importers inserting the same new subject collide on its unique key; the loser's
    # whole batch is retried and then finds the row.
    return transact(store.engine, work, retry_unique=True)


def _event(action: str, actor: str, subject: str, version: int, now: datetime) -> dict[str, Any]:
    return {
        "at": now,
        "actor": actor,
        "action": f"record.{action}",
        "subject_id": subject,
        "credential_id": None,
        "legal_basis": None,
        "reason_code": None,
        "details": _SORTED.encode({"version": version}),
    }


# -- the import ----------------------------------------------------------------------------------


def import_register(
    board_or_store: Board | BoardStore,
    source: Path | str | IO[bytes] | Iterable[Row],
    *,
    profile: RegisterProfile | str | Path | None = None,
    format: Format | None = None,
    actor: str,
    on_changed: OnChanged | None = None,
    progress: Progress | None = None,
    report: Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    clock: Clock | None = None,
    workers: int = 1,
) -> ImportReport:
    """Import a register export (see the module); the counts and the rejection report.

    ``source`` is a file path, a binary stream, or rows already read (:func:`read_rows`, or
    any iterable of :class:`Row`). ``format`` defaults to the path's suffix (``.csv``,
    ``.jsonl``/``.ndjson``). ``progress(rows_read)`` is called after each batch.

    ``workers`` > 1 checks rows in that many spawned processes (the checks are most of an
    import's work) while this process reads the file and stores; at most two chunks of
    ``batch_size`` rows per worker are in flight, so memory stays bounded. Rows are stored
    in file order either way.
    """
    store = board_or_store.store if isinstance(board_or_store, Board) else board_or_store
    chosen = profile if isinstance(profile, RegisterProfile) else load_profile(profile)
    now = (clock or store.clock)()
    today = now.astimezone(JST).date()
    if batch_size < 1:
        raise BoardError("board.row_malformed", "the batch size is at least 1")
    result = ImportReport(report_path=report)
    writer = _ReportWriter(report)
    try:
        with _rows(source, format, chosen) as rows:
            batch: list[RegisterRecord] = []
            for row, checked in _checked(rows, chosen, today, workers, batch_size):
                result.read += 1
                if row.last:
                    result.stopped = f"row {row.number}: {row.problem}"
                if isinstance(checked, Rejection):
                    result.rejected += 1
                    writer.write(checked)
                    if len(result.rejections) < KEPT_REJECTIONS:
                        result.rejections.append(checked)
                    continue
                batch.append(checked)
                if len(batch) >= batch_size:
                    _flush(
                        store,
                        batch,
                        actor=actor,
                        result=result,
                        on_changed=on_changed,
                        progress=progress,
                    )
            _flush(
                store, batch, actor=actor, result=result, on_changed=on_changed, progress=progress
            )
    finally:
        writer.close()
    return result


def check_rows(
    rows: Sequence[Row], profile: RegisterProfile, today: date
) -> list[RegisterRecord | Rejection]:
    """:func:`check_row` over a chunk of rows (what a checking process runs)."""
    return [check_row(row, profile, today) for row in rows]


def _checked(
    rows: Iterable[Row], profile: RegisterProfile, today: date, workers: int, chunk: int
) -> Iterator[tuple[Row, RegisterRecord | Rejection]]:
    """Each row with its check, in order; checked here or in ``workers`` processes."""
    if workers <= 1:
        for row in rows:
            yield row, check_row(row, profile, today)
        return
    source = iter(rows)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[list[Row], Future[list[RegisterRecord | Rejection]]]] = deque()
        while True:
            while len(pending) < 2 * workers and (part := list(islice(source, chunk))):
                pending.append((part, pool.submit(check_rows, part, profile, today)))
            if not pending:
                return
            part, future = pending.popleft()
            yield from zip(part, future.result(), strict=True)


def _flush(
    store: BoardStore,
    batch: list[RegisterRecord],
    *,
    actor: str,
    result: ImportReport,
    on_changed: OnChanged | None,
    progress: Progress | None,
) -> None:
    if batch:
        outcome = store_batch(store, batch, actor=actor)
        batch.clear()
        result.new += outcome.new
        result.unchanged += outcome.unchanged
        result.changed += len(outcome.changed)
        if on_changed is not None:
            for stored, previous in outcome.changed:
                on_changed(stored, previous)
    if progress is not None:
        progress(result.read)


class _rows:
    """The rows of ``source``, closing the file when it was opened here."""

    def __init__(
        self,
        source: Path | str | IO[bytes] | Iterable[Row],
        format: Format | None,
        profile: RegisterProfile,
    ) -> None:
        self._opened: IO[bytes] | None = None
        if isinstance(source, str | Path):
            path = Path(source)
            chosen = format or _format_of(path)
            try:
                self._opened = path.open("rb")
            except OSError as exc:
                raise InputError(
                    "input.unreadable", f"cannot read {path}: {exc.strerror}"
                ) from None
            self.rows: Iterable[Row] = read_rows(
                self._opened, format=chosen, encoding=profile.encoding
            )
        elif hasattr(source, "read"):
            if format is None:
                raise BoardError("board.row_malformed", "a stream needs its format: csv or jsonl")
            self.rows = read_rows(source, format=format, encoding=profile.encoding)  # type: ignore[arg-type]
        else:
            self.rows = source

    def __enter__(self) -> Iterable[Row]:
        return self.rows

    def __exit__(self, *exc: object) -> None:
        if self._opened is not None:
            self._opened.close()


def _format_of(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise BoardError(
        "board.row_malformed", f"cannot tell the format of {path.name}; say csv or jsonl"
    )


def import_upload(
    board: Board,
    body: IO[bytes],
    *,
    format: Format,
    profile: str | None,
    actor: str,
    on_changed: OnChanged | None = None,
) -> dict[str, Any]:
    """What an admin route ``POST /admin/register/import`` does with an uploaded export.

    ``body`` is the request body spooled to a file (an export of a million rows does not fit
    a request buffer); the route passes the ``Content-Type`` as ``format`` (``text/csv`` →
    ``csv``, ``application/jsonl`` → ``jsonl``) and the ``profile`` query parameter. The
    rejection report is kept in the board's data directory (``imports/``), named by the
    time of the import; the answer is :meth:`ImportReport.to_json` with its file name. An
    unknown profile is ``board.profile_unknown`` (404), a stream that is not a register
    export ``board.row_malformed`` (422): the route maps them as problems.
    """
    stamp = board.clock().strftime("%Y%m%dT%H%M%S%fZ")
    report = board.settings.data_dir / "imports" / f"{stamp}-rejected.jsonl"
    result = import_register(
        board,
        body,
        profile=profile,
        format=format,
        actor=actor,
        on_changed=on_changed,
        report=report,
    )
    answer = result.to_json()
    answer["report"] = report.name
    return answer
