"""Render the continuity eval set from its generation specs, with the previz renderer, into a cache.

The dataset commits only ``specs.yaml`` (what to render and which drift each clip carries); the clips are
rendered here on demand and kept under ``<cache>/continuity/``, named by a digest of the spec *and* of the
renderer's own code and data, so a change to either renders afresh and an unchanged pair is never rendered
twice. Run it ahead of time with ``python -m evals.generate_continuity --cache DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from domain.bibles import Appearance, Bibles, CharacterBible, Outfit, SceneBible
from domain.production import CharacterLook, GenerationRequest, ShotContext
from domain.screenplay import Scene
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from evals.datasets import DATASETS_DIR, load_yaml

GATES: tuple[str, ...] = ("character", "lighting", "artifacts")


class Change(BaseModel):
    """How this clip's bible slice differs from the real one: the drift the renderer is made to draw."""

    character: str | None = None
    outfit: str | None = None
    colors: list[str] | None = None
    hair: str | None = None
    kelvin: int | None = None


class Drift(BaseModel):
    """Ground truth per gate: True where a continuity supervisor would flag this clip."""

    character: bool = False
    lighting: bool = False
    artifacts: bool = False

    def of(self, gate: str) -> bool:
        return bool(getattr(self, gate))

    @property
    def any(self) -> bool:
        return self.character or self.lighting or self.artifacts


class Case(BaseModel):
    id: str
    shot_type: ShotType
    seed: int
    fault: str = "none"
    change: Change | None = None
    profile: str = Field(default="clean", description="previz simulation profile applied to this clip")
    drift: Drift = Field(default_factory=Drift)
    ignore: list[str] = Field(
        default_factory=list,
        description="gates not scored on this clip: an artifact that destroys what they measure (black frames)",
    )

    def scored(self, gate: str) -> bool:
        return gate not in self.ignore


class Reference(BaseModel):
    shot_type: ShotType
    seed: int


class Setup(BaseModel):
    id: str
    location: SceneBible
    characters: list[CharacterLook]
    reference: Reference
    cases: list[Case]

    def scene_id(self) -> str:
        outfits = [c.outfit.from_scene for c in self.characters if c.outfit]
        return outfits[0] if outfits else "E01-S001"

    def shot(self, index: int, shot_type: ShotType) -> Shot:
        scene = self.scene_id()
        return Shot(
            id=f"{scene}-SH{index:02d}",
            episode=int(scene[1:3]),
            scene_id=scene,
            index=index,
            location_id=self.location.location_id,
            shot_type=shot_type,
            duration_s=1.0,
            characters=[c.character_id for c in self.characters],
            description=f"{self.location.name}: " + ", ".join(c.name for c in self.characters),
        )

    def reference_shot(self) -> Shot:
        return self.shot(1, self.reference.shot_type)

    def case_shot(self, case: Case) -> Shot:
        """Cases are shots 2, 3, … of the setup's scene, in the order the specs list them."""
        index = next(i for i, c in enumerate(self.cases, start=2) if c.id == case.id)
        return self.shot(index, case.shot_type)

    def context(self, change: Change | None = None) -> ShotContext:
        """The bible slice, or the altered one the renderer draws for a drifted clip."""
        context = ShotContext(
            characters=[c.model_copy(deep=True) for c in self.characters], location=self.location.model_copy(deep=True)
        )
        if change is None:
            return context
        if change.kelvin is not None:
            context.location.color_temperature_k = change.kelvin
        for look in context.characters:
            if look.character_id != change.character:
                continue
            if change.hair is not None:
                look.appearance.hair = change.hair
            if change.outfit is not None or change.colors is not None:
                base = look.outfit or Outfit(from_scene=self.scene_id(), description="")
                look.outfit = base.model_copy(
                    update={
                        "description": change.outfit or base.description,
                        "colors": change.colors if change.colors is not None else base.colors,
                    }
                )
        return context

    def storyboard(self) -> Storyboard:
        """A one-scene storyboard with the reference shot (index 1) and every case, and the setup's bibles."""
        shots = [self.reference_shot()] + [self.case_shot(case) for case in self.cases]
        scene_id = self.scene_id()
        scene = Scene(
            id=scene_id,
            episode=int(scene_id[1:3]),
            number=int(scene_id[-3:]),
            heading=f"{self.location.int_ext}. {self.location.name.upper()} - {self.location.time_of_day}",
            location_id=self.location.location_id,
            location_name=self.location.name.upper(),
        )
        bibles = Bibles(
            characters={
                c.character_id: CharacterBible(
                    character_id=c.character_id,
                    name=c.name,
                    appearance=c.appearance or Appearance(),
                    wardrobe=[c.outfit] if c.outfit else [],
                    scenes=[scene_id],
                )
                for c in self.characters
            },
            locations={self.location.location_id: self.location.model_copy(update={"scenes": [scene_id]})},
        )
        episode = EpisodeBoard(number=scene.episode, scenes=[SceneBoard(scene=scene, shots=shots)])
        return Storyboard(title=f"continuity eval: {self.id}", episodes=[episode], bibles=bibles)


class RenderSettings(BaseModel):
    width: int = 180
    height: int = 320
    duration_s: float = 1.0
    fps: int = 12
    model: str = "seedance-2.0-fast"


class ContinuitySpecs(BaseModel):
    render: RenderSettings = Field(default_factory=RenderSettings)
    setups: list[Setup]

    def cases(self) -> list[tuple[Setup, Case]]:
        return [(setup, case) for setup in self.setups for case in setup.cases]


class RenderedSetup(BaseModel):
    setup: Setup
    reference: Path
    cases: list[tuple[Case, Path]]


def load_specs(folder: Path | None = None) -> ContinuitySpecs:
    return ContinuitySpecs.model_validate(load_yaml((folder or DATASETS_DIR / "continuity") / "specs.yaml"))


def renderer_fingerprint() -> str:
    """A digest of the previz renderer's code and data: a new renderer means new clips."""
    import backends.previz

    root = Path(backends.previz.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def request_for(
    specs: ContinuitySpecs, setup: Setup, shot: Shot, seed: int, change: Change | None
) -> GenerationRequest:
    render = specs.render
    shot = shot.model_copy(update={"duration_s": render.duration_s})
    return GenerationRequest(
        shot=shot,
        context=setup.context(change),
        model=render.model,
        prompt=f"continuity eval {setup.id} {shot.shot_type.value}",
        seed=seed,
        duration_s=render.duration_s,
        width=render.width,
        height=render.height,
    )


def clip_path(cache: Path, name: str, request: GenerationRequest, profile: str, fingerprint: str) -> Path:
    key = json.dumps([request.model_dump(mode="json"), profile, fingerprint], sort_keys=True)
    return cache / "continuity" / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.mp4"


class _Renderers:
    """One previz backend per simulation profile, built on first use."""

    def __init__(self, fps: int) -> None:
        self.fps = fps
        self._made: dict[str, Any] = {}

    def __call__(self, profile: str) -> Any:
        if profile not in self._made:
            from backends.previz.backend import PrevizBackend

            self._made[profile] = PrevizBackend({"*": profile}, fps=self.fps)
        return self._made[profile]


async def _render(renderers: _Renderers, request: GenerationRequest, profile: str, target: Path) -> Path:
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    await renderers(profile).generate(request, target)
    return target


def render_setups(specs: ContinuitySpecs, cache: Path, *, only: set[str] | None = None) -> list[RenderedSetup]:
    """Every setup's reference clip and case clips (only the case ids in ``only``, if given), rendered or cached."""
    return asyncio.run(_render_setups(specs, cache, only))


async def _render_setups(specs: ContinuitySpecs, cache: Path, only: set[str] | None) -> list[RenderedSetup]:
    fingerprint = renderer_fingerprint()
    renderers = _Renderers(specs.render.fps)
    rendered: list[RenderedSetup] = []
    for setup in specs.setups:
        cases = [c for c in setup.cases if only is None or c.id in only]
        if not cases:
            continue
        ref_request = request_for(specs, setup, setup.reference_shot(), setup.reference.seed, None)
        reference = await _render(
            renderers,
            ref_request,
            "clean",
            clip_path(cache, f"{setup.id}-reference", ref_request, "clean", fingerprint),
        )
        clips = []
        for case in cases:
            request = request_for(specs, setup, setup.case_shot(case), case.seed, case.change)
            target = clip_path(cache, case.id, request, case.profile, fingerprint)
            clips.append((case, await _render(renderers, request, case.profile, target)))
        rendered.append(RenderedSetup(setup=setup, reference=reference, cases=clips))
    return rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the continuity eval clips into a cache directory.")
    parser.add_argument("--cache", type=Path, default=Path(".cache/reelcrew-evals"), help="where clips are kept")
    parser.add_argument("--specs", type=Path, default=None, help="a continuity dataset folder (default: the packaged)")
    args = parser.parse_args(argv)
    specs = load_specs(args.specs)
    done = render_setups(specs, args.cache)
    count = sum(len(r.cases) + 1 for r in done)
    print(f"{count} continuity clips ready under {args.cache / 'continuity'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
