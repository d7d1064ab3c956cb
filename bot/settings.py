"""Settings from the environment and an optional `.env` file, built once in `main` and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value
