"""Settings from the environment and an optional `.env` file, built once in `main` and passed down."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.rules import PointsRules


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base: str | None = Field(default=None, alias="TELEGRAM_API_BASE")
    database_url: str = Field(default="sqlite+aiosqlite:///intake.db", alias="DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(), alias="INTAKE_ADMIN_IDS"
    )
    lexicon_path: Path | None = Field(default=None, alias="INTAKE_LEXICON")
    timezone: str = Field(default="Asia/Shanghai", alias="INTAKE_TIMEZONE")
    log_level: str = Field(default="INFO", alias="INTAKE_LOG_LEVEL")
    # Local time (INTAKE_TIMEZONE) of the daily digest in every bound group, e.g. 18:00.
    digest_time: time = Field(default=time(18, 0), alias="INTAKE_DIGEST_TIME")
    # JSON, e.g. {"report": 10, "by_category": {"safety": 20}, "urgent_bonus": 10, "wish": 20,
    # "daily_cap": 100}; keys left out keep their defaults (by_category is replaced whole).
    points: PointsRules = Field(default_factory=PointsRules, alias="INTAKE_POINTS")
    framework: Literal["aiogram", "ptb"] = Field(default="aiogram", alias="INTAKE_FRAMEWORK")
    # Telegram echoes it in every webhook request; all processes behind one URL need the same.
    # Unset: derived from the token (so it is stable and never the token itself).
    webhook_secret: SecretStr | None = Field(default=None, alias="INTAKE_WEBHOOK_SECRET")
    # How long a claimed outbox row is someone's before another process may send it.
    outbox_lease_seconds: float = Field(default=60.0, gt=0, alias="INTAKE_OUTBOX_LEASE")
    # Off only against a fake or test Bot API server: Telegram's limits are real.
    pacing: bool = Field(default=True, alias="INTAKE_PACING")

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """`INTAKE_ADMIN_IDS=123,456` (commas or spaces), as admins will write it."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError(
                    "INTAKE_ADMIN_IDS must be Telegram user ids separated by commas"
                ) from exc
        return value

    @field_validator("framework", mode="before")
    @classmethod
    def _framework_names(cls, value: object) -> object:
        """`python-telegram-bot` and `telegram` are what people will write for PTB."""
        if isinstance(value, str):
            value = value.strip().lower()
            if value in ("python-telegram-bot", "telegram", "python_telegram_bot"):
                return "ptb"
        return value

    @field_validator("telegram_bot_token", "webhook_secret", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value
