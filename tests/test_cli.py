"""The `intake` command as an admin or developer uses it."""

import json
import subprocess
import sys

import pytest

from bot.cli import main
from bot.settings import Settings


def test_classify_explains_its_answer(capsys):
    assert main(["classify", "龙泉小区的充电装坏了"]) == 0
    out = capsys.readouterr().out
    assert "charging 充电设施" in out
    assert "“充电装” 拼音近似" in out
    assert "龙泉小区" in out


def test_classify_jsonl_reads_and_writes_json_lines(monkeypatch, capsys):
    lines = '{"text": "电梯里困人了"}\nnot json\n{"text": "谢谢"}\n'
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(lines))
    assert main(["classify", "--jsonl"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["text"] for r in rows] == ["电梯里困人了", "谢谢"]
    assert rows[0]["intent"] == "report" and rows[0]["category"] == "elevator"
    assert rows[0]["urgent"] is True
    assert {"text", "intent", "category", "confidence", "urgent", "keywords", "location"} <= set(
        rows[0]
    )
    assert rows[1]["intent"] == "thanks"
    assert "line 2: skipped" in captured.err


def test_eval_prints_scores_beside_the_baseline(tmp_path, capsys):
    rows = [
        {"text": "路灯坏了", "intent": "report", "category": "road", "also": [], "urgent": False},
        {"text": "路灯不亮", "intent": "report", "category": "road", "also": [], "urgent": False},
        {"text": "垃圾没人收", "intent": "report", "category": "sanitation", "also": [],
         "urgent": False},
        {"text": "垃圾桶满了", "intent": "report", "category": "sanitation", "also": [],
         "urgent": False},
        {"text": "你好", "intent": "greeting", "category": None, "also": [], "urgent": False},
        {"text": "您好呀", "intent": "greeting", "category": None, "also": [], "urgent": False},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    assert main(["eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "6 messages, 4 reports, 0 urgent" in out
    assert "intent accuracy" in out and "tfidf+logreg (LOO)" in out
    line = next(x for x in out.splitlines() if x.startswith("category accuracy (strict)"))
    assert float(line.split()[-2]) == 1.0


def test_lexicon_check_passes_on_the_shipped_lexicon_and_fails_on_a_broken_one(
    tmp_path, capsys
):
    assert main(["lexicon", "check"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text('[categories.parking]\nstrong = ["车位"]\n', "utf-8")
    assert main(["lexicon", "check", str(broken)]) == 1
    assert "unknown section [categories.parking]" in capsys.readouterr().out


def test_run_without_a_token_says_how_to_get_one(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err and "未设置" in err


def test_intake_is_an_installed_command():
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "classify", "您好"],
        capture_output=True, text=True, check=True,
    )
    assert "greeting" in done.stdout


@pytest.mark.parametrize(
    ("value", "ids"), [("123, 456", {123, 456}), ("7 8", {7, 8}), ("", set())]
)
def test_admin_ids_from_the_environment(monkeypatch, value, ids):
    monkeypatch.setenv("INTAKE_ADMIN_IDS", value)
    assert Settings(_env_file=None).admin_ids == ids


def test_bad_admin_ids_are_refused_with_a_reason(monkeypatch):
    monkeypatch.setenv("INTAKE_ADMIN_IDS", "alice")
    with pytest.raises(ValueError, match="Telegram user ids"):
        Settings(_env_file=None)


GRIDS = "street: 龙泉街道\ngrids:\n  - name: 龙泉网格\n    places: [龙泉小区]\n    default: true\n"


def test_grids_import_on_a_fresh_database_creates_the_schema_first(tmp_path, capsys):
    """It failed with a traceback (no such table: streets) before `intake db upgrade`."""
    grids = tmp_path / "grids.yaml"
    grids.write_text(GRIDS, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert main(["grids", "import", str(grids), "--database-url", url]) == 0
    assert capsys.readouterr().out == (
        "龙泉街道: 新增 1 个网格，更新 0 个 / 1 grids added, 0 updated\n")
    assert main(["grids", "import", str(grids), "--database-url", url]) == 0
    assert "更新 1 个" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0  # alembic knows the schema
    assert main(["grids", "import", str(grids), "--dry-run"]) == 0
    assert capsys.readouterr().out.endswith("(nothing written)\n")
