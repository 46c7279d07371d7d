"""The previz renderer as a VideoBackend: what ``generate_clip`` calls when no provider key is configured.

Each model id can be mapped to a simulation profile (``[backends.simulation]`` in reelcrew.toml, ``"*"`` for
every model not named); unmapped models render clean. The simulated latency is awaited through the injected
``sleep``, and the drawing and encoding run in a worker thread, so several clips render at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from backends.previz.palette import stable_int
from backends.previz.renderer import render_clip
from backends.previz.simulation import DEFAULT_PROFILE, SimulationProfile, decide_faults, fault_rng_parts, get_profile
from domain.errors import ConfigError
from domain.production import GenerationRequest, GenerationResult

WILDCARD = "*"


class PrevizBackend:
    """Offline animatic renderer; free, deterministic, optionally simulating a model's failures."""

    name = "previz"

    def __init__(
        self,
        profiles: Mapping[str, str] | None = None,
        *,
        fps: int = 24,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if fps < 1:
            raise ConfigError(f"previz fps must be at least 1, got {fps}")
        self.fps = fps
        self._sleep = sleep
        self._profiles: dict[str, SimulationProfile] = {}
        for model, profile_name in (profiles or {}).items():
            try:
                self._profiles[model] = get_profile(profile_name)
            except ConfigError as exc:
                raise ConfigError(f"backends.simulation[{model!r}]: {exc}") from exc

    def profile_for(self, model: str) -> SimulationProfile:
        """The simulation profile for ``model``: its own entry, else the ``"*"`` entry, else clean."""
        return self._profiles.get(model) or self._profiles.get(WILDCARD) or get_profile(DEFAULT_PROFILE)

    async def generate(self, request: GenerationRequest, target: Path) -> GenerationResult:
        """Render ``request`` to ``target`` (and ``<target>.json``); costs nothing."""
        profile = self.profile_for(request.model)
        faults = decide_faults(request, profile)
        started = time.perf_counter()
        if profile.latency_s > 0:
            await self._sleep(profile.latency_s)
        clip = await asyncio.to_thread(
            render_clip, request, Path(target), fps=self.fps, faults=faults, profile=profile.name
        )
        rendered_s = time.perf_counter() - started
        return GenerationResult(
            clip=str(clip.path),
            model=request.model,
            seed=request.seed,
            cost_usd=0.0,
            latency_s=round(max(rendered_s, profile.latency_s), 3),
            cached=False,
            provider_job_id=f"previz-{stable_int(*fault_rng_parts(request)):016x}",
            width=clip.width,
            height=clip.height,
            duration_s=clip.duration_s,
            meta=clip.meta,
        )
