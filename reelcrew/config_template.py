"""``reelcrew init``: a commented reelcrew.toml generated from the settings models, so it is never out of date."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr

from domain.settings import Config

HEADER = """\
# reelcrew.toml: every setting with its default. Uncomment what you change.
# Precedence: command-line options > environment (REELCREW_<SECTION>__<KEY>, e.g. REELCREW_RUN__WORKERS=4)
# > this file > defaults. Keep API keys in the environment (REELCREW_BACKENDS__KLING_ACCESS_KEY=...), not here.
"""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def render_template() -> str:
    lines = [HEADER]
    config = Config()
    for section in Config.model_fields:
        model: BaseModel = getattr(config, section)
        doc = (type(model).__doc__ or "").strip().splitlines()
        lines.append(f"[{section}]" + (f"  # {doc[0]}" if doc else ""))
        for name, info in type(model).model_fields.items():
            if info.description:
                lines.append(f"# {info.description}")
            value = getattr(model, name)
            if value is None or isinstance(value, SecretStr):
                lines.append(f"# {name} = ...  (not set by default)")
            else:
                lines.append(f"# {name} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)
