"""`intake db upgrade` and `intake stats` on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.cli import main
from storage.db import alembic_config


def test_db_upgrade_then_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/intake.db"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"database at revision {head}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0  # again: nothing to do
    assert main(["stats", "--database-url", url, "--since", "2024-05-01",
                 "--until", "2024-05-31"]) == 0
    out = capsys.readouterr().out
    assert "工单统计 2024-05-01 00:00 — 2024-06-01 00:00" in out
    assert "合计：受理 0" in out
    assert main(["stats", "--database-url", url, "--grid", "没有的网格"]) == 2
    assert main(["stats", "--database-url", url, "--category", "nonsense"]) == 2
