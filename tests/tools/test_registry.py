"""The toolbox, pinned: 29 typed, documented tools, each owned by one agent and on that agent's allow-list only,
and all of them listed by ``reelcrew tools``."""

from __future__ import annotations

import inspect
import typing

import pytest
from pydantic import BaseModel
from rich.console import Console
from typer.testing import CliRunner

from agents.audio import AudioAgent
from agents.base import Agent
from agents.character import CharacterAgent
from agents.continuity import CHECK_TOOLS, ContinuityAgent
from agents.qa import QAAgent
from agents.router import RouterAgent
from agents.script import ScriptAgent
from domain.decisions import AgentName
from reelcrew import cli
from reelcrew.chat import DIRECTOR_TOOLS
from tools.registry import all_tools, tools_of

AGENTS: tuple[type[Agent], ...] = (ScriptAgent, CharacterAgent, RouterAgent, ContinuityAgent, QAAgent, AudioAgent)
CREW = [a for a in typing.get_args(AgentName) if a != "director"]  # the director is the chat session, not an agent


def test_there_are_exactly_29_tools() -> None:
    assert len(all_tools()) == 29


@pytest.mark.parametrize("name", sorted(all_tools()))
def test_every_tool_is_typed_and_documented(name: str) -> None:
    spec = all_tools()[name]
    assert spec.name == spec.fn.__name__ == name
    assert issubclass(spec.args_model, BaseModel) and issubclass(spec.result_model, BaseModel)
    assert spec.args_model is not BaseModel and spec.result_model is not BaseModel
    hints = typing.get_type_hints(spec.fn)
    assert hints["return"] is spec.result_model and spec.args_model in hints.values()
    assert spec.description and spec.description == inspect.getdoc(spec.fn)
    assert spec.args_model.model_json_schema()["type"] == "object"  # what an LLM is shown as the tool's arguments


def test_every_tool_belongs_to_exactly_one_agent() -> None:
    for name, spec in all_tools().items():
        owners = [a.name for a in AGENTS if name in a.tools]
        assert owners == [spec.agent], f"{name} is registered to {spec.agent} but allowed to {owners}"
    assert sorted(a.name for a in AGENTS) == sorted(CREW)
    assert tools_of("director") == []


@pytest.mark.parametrize("agent", AGENTS, ids=lambda a: a.name)
def test_each_allow_list_is_exactly_the_tools_registered_for_the_agent(agent: type[Agent]) -> None:
    assert len(set(agent.tools)) == len(agent.tools)
    assert set(agent.tools) == {spec.name for spec in tools_of(agent.name)}


def test_the_documented_narrower_and_cross_agent_allow_lists() -> None:
    """The exceptions: the Continuity agent's LLM sees only its measuring and grading tools while checking a clip
    (``agents/continuity.py``), and the chat director borrows other agents' tools (ARCHITECTURE.md)."""
    assert set(CHECK_TOOLS) < set(ContinuityAgent.tools)
    assert {"embed_frames", "lock_reference_frame"}.isdisjoint(CHECK_TOOLS)
    registered = all_tools()
    assert set(DIRECTOR_TOOLS) <= set(registered)
    assert {registered[name].agent for name in DIRECTOR_TOOLS} == {"script", "character", "router"}


def test_reelcrew_tools_lists_all_29(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "out_console", Console(width=200))  # wide enough that no name is cut
    result = CliRunner().invoke(cli.app, ["tools"])

    assert result.exit_code == 0, result.output
    rows = [line.strip("│").split("│") for line in result.output.splitlines() if line.startswith("│")]
    listed = {cells[0].strip(): cells[1].strip() for cells in rows if cells[0].strip()}
    assert listed == {name: spec.agent for name, spec in all_tools().items()}
    costly = {cells[0].strip() for cells in rows if cells[2].strip() == "yes"}
    assert costly == {name for name, spec in all_tools().items() if spec.costs_money} == {"generate_clip"}
