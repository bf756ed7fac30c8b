import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from app.rules import packs
from app.rules.cli import cli


@pytest.fixture
def runner() -> FlaskCliRunner:
    app = Flask(__name__)
    app.cli.add_command(cli)
    return app.test_cli_runner()


def _jsonl(tmp_path: Path, lines: list[bytes]) -> str:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def _line(**record: object) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def test_classify_writes_one_json_line_per_input(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = _jsonl(
        tmp_path, [_line(id="a", text="京东卖假货"), _line(id=2, text="今天天气不错")]
    )

    result = runner.invoke(cli, ["classify", path])

    assert result.exit_code == 0
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == "a"
    assert first["labels"] == ["counterfeit"]
    assert first["nature"] == "counterfeit"
    assert first["explanations"][0]["matched"] == "卖假货"
    assert second == {"id": 2, "labels": [], "nature": "other", "explanations": []}
    assert "假货" in result.stdout  # not escaped


def test_classify_reports_bad_lines_and_goes_on(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    lines = [
        b'{"id": 1, "text": ',
        _line(id=2, text="   "),
        _line(id=3),
        _line(id=4, text="x" * 20_001),
        b'{"id": 5, "text": "\xff\xfe"}',
        _line(text="no id"),
        b"[1, 2]",
        _line(id=8, text="京东卖假货"),
    ]

    result = runner.invoke(cli, ["classify", _jsonl(tmp_path, lines)])

    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [8]
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 1: malformed JSON")
    assert errors[1] == "line 2: text is only whitespace"
    assert errors[2] == "line 3: missing text (a string)"
    assert errors[3] == "line 4: text has 20,001 characters (at most 20,000)"
    assert errors[4].startswith("line 5: invalid UTF-8")
    assert errors[5].startswith("line 6: missing id")
    assert errors[6] == "line 7: not a JSON object"


def test_classify_reads_stdin_for_a_dash(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        cli, ["classify", "-"], input=_line(id="s", text="假货").decode()
    )

    assert result.exit_code == 0
    assert json.loads(result.stdout)["labels"] == ["counterfeit"]


def test_eval_prints_scores_and_the_ids_it_got_wrong(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    lines = [
        _line(id="ok", text="京东卖假货", labels=["counterfeit"]),
        _line(id="miss", text="今天天气不错", labels=["exclusive_dealing"]),
    ]

    result = runner.invoke(cli, ["eval", _jsonl(tmp_path, lines)])

    assert result.exit_code == 0
    assert "counterfeit" in result.stdout
    assert "macro F1" in result.stdout
    assert "miss: expected ['exclusive_dealing'] got []" in result.stdout


def test_eval_prints_json_on_request(runner: FlaskCliRunner, tmp_path: Path) -> None:
    lines = [_line(id="ok", text="京东卖假货", labels=["counterfeit"]), b'{"id": 2}']

    result = runner.invoke(cli, ["eval", "--json", _jsonl(tmp_path, lines)])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["examples"] == 1
    assert report["mistakes"] == []
    assert "line 2: missing text" in result.stderr


def test_lint_prints_a_line_per_pack(runner: FlaskCliRunner) -> None:
    result = runner.invoke(cli, ["lint"])

    assert result.exit_code == 0
    assert "ok    counterfeit v1:" in result.stdout
    assert "natures: 10 natures" in result.stdout


def test_lint_fails_on_a_broken_pack(runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = (packs.PACKS_DIR / "counterfeit.toml").read_text(encoding="utf-8")
    (tmp_path / "counterfeit.toml").write_text(good, encoding="utf-8")
    broken = good.replace(
        'id = "fake-terms"\nkind = "terms"', 'id = "fake-terms"\nkind = "word"'
    )
    (tmp_path / "z.toml").write_text(
        broken.replace("counterfeit", "other"), encoding="utf-8"
    )

    result = runner.invoke(cli, ["lint", "--dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "ok    counterfeit v1" in result.stdout
    assert "z.toml: rule 'fake-terms': unknown rule kind 'word'" in result.stderr
