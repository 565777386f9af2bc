"""``shikaku schemas``: list, show, sample, validate and contexts, through the real app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from vc_core.jsonld.loader import document_digest
from vc_schemas.catalogue import default_catalogue
from vc_schemas.registry import BUNDLED

runner = CliRunner()


def test_list_json_by_group() -> None:
    result = runner.invoke(app, ["schemas", "list", "--group", "1", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [e["id"] for e in entries] == [q.id for q in default_catalogue().group(1)]
    assert all(e["group"] == 1 and "unconfirmed" in e for e in entries)
    everything = json.loads(runner.invoke(app, ["schemas", "list", "--json"]).stdout)
    assert len(everything) == len(default_catalogue())


def test_list_table_and_bad_group() -> None:
    result = runner.invoke(app, ["schemas", "list", "--group", "2", "--lang", "en"])
    assert result.exit_code == 0 and "sensuishi" in result.stdout
    assert runner.invoke(app, ["schemas", "list", "--group", "3"]).exit_code == 2


def test_show() -> None:
    result = runner.invoke(app, ["schemas", "show", "kaigo-shien-senmonin", "--json"])
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["renewal"] == {
        "kind": "expires",
        "validityYears": 5,
        "note": shown["renewal"]["note"],
    }
    table = runner.invoke(app, ["schemas", "show", "ishi"])
    assert table.exit_code == 0 and "医籍" in table.stdout


def test_sample_validates(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schemas", "sample", "ishi", "--holder-id", "did:example:h"])
    assert result.exit_code == 0
    credential = json.loads(result.stdout)
    assert credential["credentialSubject"]["id"] == "did:example:h"
    path = tmp_path / "ishi.json"
    path.write_text(result.stdout, encoding="utf-8")
    checked = runner.invoke(app, ["schemas", "validate", str(path)])
    assert checked.exit_code == 0 and "valid" in checked.stdout
    rendered = runner.invoke(app, ["schemas", "sample", "ishi", "--render", "--lang", "en"])
    assert rendered.exit_code == 0 and "Registration number" in rendered.stdout


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    credential = json.loads(runner.invoke(app, ["schemas", "sample", "kangoshi"]).stdout)
    credential["credentialSubject"]["myNumber"] = "123456789018"
    del credential["awardedDate"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    result = runner.invoke(app, ["schemas", "validate", str(path)])
    assert result.exit_code == 1
    for expected in ("awardedDate", "schema.my_number", "jsonld.undefined_term"):
        assert expected in result.stderr
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["schemas", "validate", str(tmp_path / "x.json")]).exit_code == 2


def test_contexts_writes_files_and_index(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schemas", "contexts", "--out", str(tmp_path)])
    assert result.exit_code == 0
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index == {d.url: d.path for d in BUNDLED}
    for document in BUNDLED:
        written = json.loads((tmp_path / index[document.url]).read_text(encoding="utf-8"))
        assert document_digest(written) == document.sha256
    everything = tmp_path / "all"
    assert (
        runner.invoke(app, ["schemas", "contexts", "--out", str(everything), "--all"]).exit_code
        == 0
    )
    index = json.loads((everything / "index.json").read_text(encoding="utf-8"))
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in index
    assert all((everything / path).is_file() for path in index.values())


def test_unknown_id_is_one_error_line_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from cli.app import main; main()", "schemas", "show", "bengoshi"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: schema.unknown_qualification: no qualification 'bengoshi' in the catalogue"
    ]
