"""Prompt files: one versioned YAML per agent in ``prompts/``, rendered with Jinja in strict mode.

A prompt is two templates, ``system`` (who the agent is in the production) and ``task`` (what to do now),
plus the shared rules in ``prompts/_common.yaml``. Production content (script text, bibles, shots) never goes
into a template: it is passed as ``data`` and rendered by code, as JSON inside one ``<data>…</data>`` block
that the system message declares to be content, never instructions. The JSON escapes ``<``, ``>`` and ``&``,
so nothing in a script can close the block early. A variable a template needs but did not get fails loudly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import to_jsonable_python

from domain.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
COMMON = "_common"
SUPPORTED_VERSIONS = frozenset({1})

_ENV = SandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


class _Templates(BaseModel):
    """A YAML prompt file whose string fields are Jinja templates, compiled once when the file is loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    version: int
    _compiled: dict[str, jinja2.Template] = PrivateAttr(default_factory=dict)

    @field_validator("version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(
                f"version {version} is not supported by this reelcrew (supported: {sorted(SUPPORTED_VERSIONS)})"
            )
        return version

    def sources(self) -> dict[str, str]:
        """Every template in the file by field name; compiled at load so a syntax error shows up at once."""
        raise NotImplementedError

    def compile(self) -> None:
        for field, source in self.sources().items():
            try:
                self._compiled[field] = _ENV.from_string(source)
            except jinja2.TemplateSyntaxError as exc:
                raise ConfigError(
                    f"prompt {self.name}.yaml, field {field!r}, line {exc.lineno}: {exc.message}"
                ) from exc

    def fill(self, field: str, variables: Mapping[str, Any]) -> str:
        try:
            return self._compiled[field].render(**variables).strip()
        except jinja2.TemplateError as exc:  # an undefined variable, or the sandbox refusing an unsafe access
            raise ConfigError(
                f"prompt {self.name}.yaml, field {field!r}: {exc.message}; pass that variable to render()"
            ) from exc


class PromptTemplate(_Templates):
    """One agent's prompt file."""

    role: str = Field(description="one line: the agent's job in the production")
    system: str
    task: str
    tasks: dict[str, str] = Field(default_factory=dict, description="task name → instruction (a template)")

    def sources(self) -> dict[str, str]:
        return {"system": self.system, "task": self.task, **{f"tasks.{k}": v for k, v in self.tasks.items()}}

    def instruction(self, task: str, variables: Mapping[str, Any]) -> str:
        """The instruction for ``task``: the prompt's own wording if it has one, else the task text itself."""
        if task in self.tasks:
            return self.fill(f"tasks.{task}", variables)
        return task

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"


class CommonRules(_Templates):
    """The rules every agent's prompt ends with: how to treat the data block, how to answer."""

    data_rule: str
    answer_rule: str

    def sources(self) -> dict[str, str]:
        return {"data_rule": self.data_rule, "answer_rule": self.answer_rule}


def data_block(data: Any) -> str:
    """``data`` as JSON between ``<data>`` tags, escaped so its text cannot end the block or look like markup."""
    text = json.dumps(to_jsonable_python(data, fallback=str), ensure_ascii=False, indent=1)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f"<data>\n{text}\n</data>"


def _read(name: str, directory: Path | None) -> tuple[Path, dict[str, Any]]:
    folder = directory or PROMPTS_DIR
    stem = name.removesuffix(".yaml")
    path = folder / f"{stem}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml") if not p.stem.startswith("_")) if folder.is_dir() else []
        raise ConfigError(f"no prompt file {path}; prompts available: {', '.join(known) or 'none'}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"prompt file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"prompt file {path} must be a mapping with version, role, system and task")
    return path, {**raw, "name": stem}


@functools.lru_cache(maxsize=64)
def _load(name: str, directory: Path | None, kind: type[_Templates]) -> _Templates:
    path, raw = _read(name, directory)
    try:
        prompt = kind.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"prompt file {path}: {problems}") from exc
    prompt.compile()
    return prompt


def load_prompt(name: str, directory: Path | None = None) -> PromptTemplate:
    """The prompt ``prompts/<name>.yaml`` (``name`` with or without ``.yaml``), parsed and cached."""
    prompt = _load(name.removesuffix(".yaml"), directory, PromptTemplate)
    assert isinstance(prompt, PromptTemplate)
    return prompt


def load_common(directory: Path | None = None) -> CommonRules:
    rules = _load(COMMON, directory, CommonRules)
    assert isinstance(rules, CommonRules)
    return rules


def render(name: str, *, data: Any = None, directory: Path | None = None, **variables: Any) -> list[BaseMessage]:
    """The messages that open a conversation: system (role + data rule), then the task with its data block.

    ``variables`` are trusted values the code controls (task name, tool names, output schema);
    everything that comes from the script or the bibles goes in ``data``.
    """
    prompt = load_prompt(name, directory)
    common = load_common(directory)
    if "task" in variables and "instruction" not in variables:
        variables["instruction"] = prompt.instruction(str(variables["task"]), variables)
    system = "\n\n".join([prompt.fill("system", variables), common.fill("data_rule", variables)])
    parts = [prompt.fill("task", variables)]
    if data is not None:
        parts.append(data_block(data))
    parts.append(common.fill("answer_rule", variables))
    return [SystemMessage(system), HumanMessage("\n\n".join(p for p in parts if p))]
