"""One settings object for a run: explicit values > environment (REELCREW_*) > reelcrew.toml > defaults.

Lower layers never read the environment; they get the section they need from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from domain.errors import ConfigError
from domain.settings import Config

CONFIG_FILE = "reelcrew.toml"


class Settings(Config, BaseSettings):  # type: ignore[misc]
    model_config = SettingsConfigDict(env_prefix="REELCREW_", env_nested_delimiter="__", extra="forbid")

    toml_file: ClassVar[Path | None] = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls.toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls.toml_file))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read ``config_file`` (or ./reelcrew.toml if present) and the environment, then apply ``overrides``.

    ``overrides`` are section dicts, e.g. ``run={"quality": "draft"}``; they merge into the file's values.
    """
    path = config_file if config_file is not None else (Path(CONFIG_FILE) if Path(CONFIG_FILE).exists() else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"{path}: config file not found")

    class _FromFile(Settings):
        toml_file = path

    try:
        base = _FromFile()
        if not overrides:
            return Settings.model_validate(base.model_dump())
        merged = base.model_dump()
        for section, values in overrides.items():
            if isinstance(values, dict):
                merged.setdefault(section, {}).update(values)
            else:
                merged[section] = values
        return Settings.model_validate(merged)
    except ValidationError as exc:
        where = f"{path}" if path else "configuration"
        problems = "; ".join(
            ": ".join(
                part
                for part in (".".join(str(p) for p in err["loc"]), err["msg"].removeprefix("Value error, "))
                if part
            )
            for err in exc.errors(include_url=False)
        )
        raise ConfigError(f"{where}: {problems}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
