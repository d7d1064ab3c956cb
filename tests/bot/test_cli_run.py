"""`intake run` options, checked before anything connects."""

from __future__ import annotations

import pytest

from bot.app import webhook_secret
from bot.cli import main
from bot.settings import Settings


@pytest.fixture
def with_token(monkeypatch, tmp_path):
    for name in ("TELEGRAM_API_BASE", "INTAKE_WEBHOOK_SECRET", "INTAKE_FRAMEWORK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.chdir(tmp_path)


def test_a_webhook_must_be_https_for_telegram(with_token, capsys):
    assert main(["run", "--webhook-url", "http://example.org/hook"]) == 2
    assert "https://" in capsys.readouterr().err


def test_listen_must_be_host_and_port(with_token, capsys):
    assert main(["run", "--webhook-url", "https://example.org/hook", "--listen", "8080"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err


def test_framework_names(monkeypatch):
    for value, expected in [("aiogram", "aiogram"), ("PTB", "ptb"),
                            ("python-telegram-bot", "ptb")]:
        monkeypatch.setenv("INTAKE_FRAMEWORK", value)
        assert Settings(_env_file=None).framework == expected
    monkeypatch.setenv("INTAKE_FRAMEWORK", "telethon")
    with pytest.raises(ValueError):
        Settings(_env_file=None)


def test_the_webhook_secret_is_stable_and_not_the_token(monkeypatch):
    monkeypatch.delenv("INTAKE_WEBHOOK_SECRET", raising=False)
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN="123:abc")
    secret = webhook_secret(settings)
    assert secret == webhook_secret(Settings(_env_file=None, TELEGRAM_BOT_TOKEN="123:abc"))
    assert "abc" not in secret and len(secret) == 64
    given = Settings(_env_file=None, TELEGRAM_BOT_TOKEN="123:abc", INTAKE_WEBHOOK_SECRET="s-1")
    assert webhook_secret(given) == "s-1"


def test_points_come_from_the_environment(monkeypatch, classifier):
    from bot.app import build_services

    monkeypatch.setenv("INTAKE_POINTS", '{"report": 12, "daily_cap": 80}')
    settings = Settings(_env_file=None)
    points = settings.points
    assert (points.report, points.daily_cap, points.wish) == (12, 80, 20)  # wish: the default
    database = type("Database", (), {"sessionmaker": None})()
    services = build_services(settings, database, classifier)
    assert services.config.points == settings.points
    monkeypatch.setenv("INTAKE_POINTS", '{"report": "many"}')
    with pytest.raises(ValueError):
        Settings(_env_file=None)
