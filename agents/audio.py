"""The Audio agent: voices the dialogue, scores and mixes each episode, and cuts it together.

Rules policy, in two passes. Before generation, ``voice_dialogue`` voices every shot with lines and lengthens
any shot too short for them, so clips are generated at the length the dialogue needs. After generation,
``finish_episode`` scores each scene, places effects on each shot, mixes, and exports the final cut.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from agents.base import Agent
from domain.decisions import AgentName
from domain.storyboard import EpisodeBoard, Storyboard
from tools.audio import EpisodeCut


class AudioAgent(Agent):
    name: ClassVar[AgentName] = "audio"
    tools: ClassVar[tuple[str, ...]] = (
        "synthesize_dialogue",
        "compose_music",
        "place_effects",
        "mix_audio",
        "export_episode",
    )
    prompt: ClassVar[str] = "audio.yaml"

    def voice_dialogue(self, storyboard: Storyboard) -> Storyboard:
        """Voice every line, shot by shot; returns the storyboard with shots lengthened where the lines need it.

        The storyboard given becomes the project's storyboard (the tools read and fit shots there); a shot's
        change of duration is in the logged result of its synthesize_dialogue call (duration_before_s, duration_s).
        """
        self.ctx.project.storyboard = storyboard
        for shot in storyboard.shots():
            if not shot.dialogue:
                continue
            self.call(
                "synthesize_dialogue",
                {"shot_id": shot.id, "fit_shot": True},
                reason=f"{len(shot.dialogue)} line(s) to voice; the shot must hold them with natural pauses",
                subject=shot.id,
            )
        return storyboard

    def finish_episode(
        self, episode: EpisodeBoard, clips: dict[str, Path], flagged: dict[str, list[str]]
    ) -> EpisodeCut:
        """Music per scene, effects per shot, the mix, then the final cut with subtitles and the OTIO timeline.

        An LLM policy may choose the cues and their order through the same tools; its answer must point at a cut
        that really exists, or the rules policy makes it.
        """
        self._adopt(episode)
        inputs = {
            "episode": episode.number,
            "scenes": [{"scene_id": b.scene.id, "shots": [s.id for s in b.shots]} for b in episode.scenes],
            "clips": {shot_id: str(path) for shot_id, path in clips.items()},
            "flagged": flagged,
        }
        return self.decide_checked(
            "finish_episode",
            inputs,
            EpisodeCut,
            lambda: self._finish_by_rules(episode, clips, flagged),
            _missing_outputs,
            subject=f"E{episode.number:02d}",
        )

    def _finish_by_rules(
        self, episode: EpisodeBoard, clips: dict[str, Path], flagged: dict[str, list[str]]
    ) -> EpisodeCut:
        settings = self.ctx.config.audio
        if settings.music:
            for board in episode.scenes:
                if board.shots:
                    self.call(
                        "compose_music",
                        {"scene_id": board.scene.id},
                        reason="a bed in the scene's mood, as long as the scene",
                        subject=board.scene.id,
                    )
        if settings.effects:
            for shot in episode.shots():
                self.call(
                    "place_effects", {"shot_id": shot.id}, reason="effects the shot's action calls for", subject=shot.id
                )
        self.call(
            "mix_audio",
            {"episode": episode.number},
            reason=f"dialogue over ducked music and effects, to {settings.target_lufs} LUFS",
            subject=f"E{episode.number:02d}",
        )
        cut: EpisodeCut = self.call(
            "export_episode",
            {
                "episode": episode.number,
                "clips": {shot_id: str(path) for shot_id, path in clips.items()},
                "flagged": flagged,
            },
            reason="final cut with subtitles and an editable timeline",
            subject=f"E{episode.number:02d}",
        )
        return cut

    def _adopt(self, episode: EpisodeBoard) -> None:
        """Make ``episode`` the project's version of that episode, so the tools cut what the caller holds."""
        storyboard = self.ctx.project.storyboard
        for index, existing in enumerate(storyboard.episodes):
            if existing.number == episode.number:
                if existing is not episode:
                    storyboard.episodes[index] = episode
                return
        storyboard.episodes.append(episode)


def _missing_outputs(cut: EpisodeCut) -> str | None:
    """An LLM's cut must name files that exist: the final video, both subtitle files and the timeline."""
    for path in (cut.video, cut.srt, cut.vtt, cut.otio):
        if not path or not Path(path).is_file():
            return f"the cut names {path!r}, which does not exist"
    return None
