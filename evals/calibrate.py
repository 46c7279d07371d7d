"""Choosing the character gate's similarity threshold from labelled pairs, the way a number like 0.82 is found.

The reference system says its 0.82 was "tuned empirically". Here is the procedure, made repeatable: collect
pairs of (reference, candidate) labelled drifted or not, score each with the embedder the gate will use
(the candidate's worst frame against its best reference), and pick the similarity below which a pair counts as
drift so that the chosen objective (F1, Youden's J, or the most recall at a minimum precision) is best.

Two sources of pairs:
- ``"continuity"``: the previz specs, rendered and judged by the real character gate with that embedder;
- a folder with a ``labels.yaml`` of real frame pairs (``continuity/real/``; format in its README), scored
  by the embedder directly on whole frames or on the labelled boxes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from domain.errors import ConfigError
from domain.settings import Config, EmbedderSettings, GateSettings
from evals import scorers
from evals.datasets import DATASETS_DIR, load_yaml

Box = tuple[float, float, float, float]


class RealPair(BaseModel):
    """One labelled pair of real frames: does ``candidate`` still show the character of ``reference``?"""

    id: str
    character_id: str = ""
    reference: list[str] = Field(description="approved frame(s) of the character, paths relative to the folder")
    candidate: list[str] = Field(description="frame(s) of the shot being judged")
    drift: bool
    reference_box: Box | None = Field(default=None, description="the character's box [x0, y0, x1, y1], 0..1")
    candidate_box: Box | None = None
    notes: str = ""


class RealLabels(BaseModel):
    version: str
    pairs: list[RealPair] = Field(default_factory=list)


class EmbedderCalibration(BaseModel):
    """The similarity threshold chosen for one embedder, and how the character gate does there."""

    embedder: str
    source: str
    pairs: int
    drifted: int
    similarity_threshold: float = Field(description="a character below this similarity fails as character_drift")
    configured_threshold: float | None = Field(description="what the config uses now for this embedder")
    target: str
    precision: float
    recall: float
    f1: float
    auc: float
    feasible: bool = True


def load_real_pairs(folder: Path) -> list[RealPair]:
    """The labelled real pairs in ``folder/labels.yaml``; none when the file is absent."""
    path = folder / "labels.yaml"
    if not path.is_file():
        return []
    return RealLabels.model_validate(load_yaml(path)).pairs


def _image(path: Path, box: Box | None) -> np.ndarray:
    if not path.is_file():
        raise ConfigError(f"{path}: a labelled frame is missing; fix continuity/real/labels.yaml or add the file")
    picture = np.asarray(Image.open(path).convert("RGB"))
    if box is None:
        return picture
    height, width = picture.shape[:2]
    x0, y0, x1, y1 = box
    return picture[
        int(y0 * height) : max(int(y1 * height), int(y0 * height) + 1),
        int(x0 * width) : max(int(x1 * width), int(x0 * width) + 1),
    ]


def similarity_scores(pairs: list[RealPair], folder: Path, config: Config) -> list[float]:
    """Per pair: the candidate's worst frame's best cosine similarity to the references (the gate's rule)."""
    from backends.embedders import make_embedder

    embedder = make_embedder(config.gates, config.embedder)
    scores = []
    for pair in pairs:
        refs = embedder.embed([_image(folder / p, pair.reference_box) for p in pair.reference])
        cands = embedder.embed([_image(folder / p, pair.candidate_box) for p in pair.candidate])
        scores.append(float(np.asarray(cands @ refs.T).max(axis=1).min()))
    return scores


def _previz_pairs(config: Config, cache_dir: Path | None) -> tuple[list[float], list[bool]]:
    """Similarities and labels from the rendered previz specs, through the real character gate."""
    from evals.generate_continuity import load_specs
    from evals.suites.base import SuiteContext
    from evals.suites.continuity import judge_all

    with tempfile.TemporaryDirectory(prefix="reelcrew-calibrate-") as tmp:
        out = Path(tmp)
        ctx = SuiteContext(config=config, policy="rules", out_dir=out, cache_dir=cache_dir or out / "cache")
        judged = [(c, r) for c, r in judge_all(ctx, load_specs(ctx.dataset("continuity"))) if c.scored("character")]
    return [results["character"].score for _, results in judged], [case.drift.character for case, _ in judged]


def calibrate_embedder(
    embedder_name: str,
    dataset: str | Path = "continuity",
    *,
    target: scorers.CalibrationTarget = "f1",
    config: Config | None = None,
    cache_dir: Path | None = None,
) -> EmbedderCalibration:
    """The character-gate threshold for ``embedder_name`` ("offline" or "open_clip") chosen on ``dataset``.

    ``dataset`` is ``"continuity"`` (the previz specs) or a folder with a real-frames ``labels.yaml``.
    Put the result in ``[gates.character_threshold]`` of reelcrew.toml.
    """
    if embedder_name not in ("offline", "open_clip"):
        raise ConfigError(f"unknown embedder {embedder_name!r}; use 'offline' or 'open_clip'")
    base = (config or Config()).model_copy(deep=True)
    base.gates = GateSettings.model_validate({**base.gates.model_dump(), "embedder": embedder_name})
    base.embedder = EmbedderSettings.model_validate(base.embedder.model_dump())
    base.backends.video = "previz"
    if str(dataset) == "continuity":
        similarities, labels = _previz_pairs(base, cache_dir)
        source = "previz continuity specs"
    else:
        folder = Path(dataset) if Path(dataset).is_dir() else DATASETS_DIR / str(dataset)
        pairs = load_real_pairs(folder)
        if not pairs:
            raise ConfigError(f"{folder}/labels.yaml has no labelled pairs; see continuity/real/README.md")
        similarities, labels = similarity_scores(pairs, folder, base), [p.drift for p in pairs]
        source = str(folder)
    drift = [1.0 - s for s in similarities]
    chosen = scorers.calibrate(drift, labels, target)
    return EmbedderCalibration(
        embedder=embedder_name,
        source=source,
        pairs=len(labels),
        drifted=sum(labels),
        similarity_threshold=round(1.0 - chosen.threshold, 4),
        configured_threshold=base.gates.character_threshold.get(embedder_name),
        target=chosen.target,
        precision=chosen.precision,
        recall=chosen.recall,
        f1=chosen.f1,
        auc=scorers.roc_auc(drift, labels),
        feasible=chosen.feasible,
    )
