"""Settings from the environment (docs/files.md), in one place.

Secrets are ``SecretStr`` so that printing the settings object (or an exception carrying it)
never shows them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.common.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///actions.db"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


#: Characters a signing key needs at least (docs/files.md).
MIN_SECRET_KEY = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACTIONS_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    email_url: SecretStr | None = None
    secret_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    config: Path | None = None
    #: Where messages go as .eml files when no channel is configured (the demo uses this).
    outbox_dir: Path | None = None

    @field_validator("email_url", "secret_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def policy_path(self) -> Path | None:
        """The policy file in use: ``ACTIONS_CONFIG`` or ``actions.toml`` if present."""
        if self.config is not None:
            return self.config
        default = Path("actions.toml")
        return default if default.exists() else None

    def require_secret_key(self) -> str:
        if self.secret_key is None:
            raise ConfigError("ACTIONS_SECRET_KEY is not set (it signs the links in emails)")
        key = self.secret_key.get_secret_value()
        if len(key) < MIN_SECRET_KEY:
            # A short key can be guessed, and every portal link with it (the length only).
            raise ConfigError(
                f"ACTIONS_SECRET_KEY is too short ({len(key)} characters): use at least "
                f"{MIN_SECRET_KEY}, e.g. the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return key


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "ACTIONS_" + str(first["loc"][0]).upper() if first["loc"] else "ACTIONS_*"
        raise ConfigError(f"{key}: {first['msg']}") from None


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """Settings for this process; tests call :func:`reset_settings` after changing the env."""
    return _cached()


def reset_settings() -> None:
    _cached.cache_clear()
