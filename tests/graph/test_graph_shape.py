"""The graph's shape: the stages the issues name are nodes, with the edges the diagram shows."""

from __future__ import annotations

from graph.build import build_graph


def test_graph_has_every_stage_and_loop() -> None:
    drawing = build_graph().get_graph(xray=1)
    nodes = set(drawing.nodes)
    for name in (
        "parse_script", "build_bibles", "plan_storyboard", "voice_dialogue", "estimate_cost", "schedule",
        "shot:generate", "shot:gates", "qa", "redo_storyboard", "review", "finish_episode", "finalize",
    ):  # fmt: skip
        assert name in nodes, name
    edges = {(e.source, e.target) for e in drawing.edges}
    assert ("shot:generate", "shot:gates") in edges
    assert ("qa", "redo_storyboard") in edges and ("redo_storyboard", "schedule") in edges
    assert ("schedule", "review") in edges and ("review", "schedule") in edges
    assert ("schedule", "shot:generate") in edges  # the per-shot fan-out


def test_mermaid_lists_the_loop() -> None:
    mermaid = build_graph().get_graph(xray=1).draw_mermaid()
    assert "qa -.-> redo_storyboard" in mermaid
    assert "schedule -.-> review" in mermaid
