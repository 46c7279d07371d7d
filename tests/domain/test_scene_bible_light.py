"""A location's light per time of day: ``SceneBible.for_scene`` and ``Storyboard.context_for``."""

from __future__ import annotations

from domain.bibles import Bibles, LightingVariant, ReferenceFrame, SceneBible
from domain.shot import Shot, ShotType
from domain.storyboard import Storyboard

KITCHEN = SceneBible(
    location_id="kitchen",
    name="Kitchen",
    int_ext="INT",
    time_of_day="NIGHT",
    lighting_palette="night interior, warm practical lamps 3000K",
    color_temperature_k=3000,
    key_colors=["amber", "black"],
    camera_style="locked-off tripod",
    scenes=["E01-S001", "E02-S001", "E02-S003"],
    approved_frames=[
        ReferenceFrame(path="frames/night.png", shot_id="E01-S001-SH02"),
        ReferenceFrame(path="frames/day.png", shot_id="E02-S001-SH01"),
    ],
    lighting_variants=[
        LightingVariant(
            time_of_day="DAY",
            lighting_palette="daylight through windows 5200K",
            color_temperature_k=5200,
            key_colors=["white", "grey"],
            scenes=["E02-S001"],
        )
    ],
)


def shot(scene_id: str) -> Shot:
    episode = int(scene_id[1:3])
    return Shot(
        id=f"{scene_id}-SH01",
        episode=episode,
        scene_id=scene_id,
        index=1,
        location_id="kitchen",
        shot_type=ShotType.MS,
        duration_s=3.0,
    )


def test_a_scene_at_another_hour_gets_that_hours_light_and_frames() -> None:
    day = KITCHEN.for_scene("E02-S001")
    assert (day.time_of_day, day.color_temperature_k, day.key_colors) == ("DAY", 5200, ["white", "grey"])
    assert day.lighting_palette.startswith("daylight") and day.camera_style == "locked-off tripod"
    assert [f.path for f in day.approved_frames] == ["frames/day.png"]
    night = KITCHEN.for_scene("E02-S003")
    assert (night.time_of_day, night.color_temperature_k) == ("NIGHT", 3000)
    assert [f.path for f in night.approved_frames] == ["frames/night.png"]
    assert KITCHEN.color_temperature_k == 3000 and len(KITCHEN.approved_frames) == 2  # the bible is not changed


def test_context_for_hands_each_shot_the_light_of_its_scene() -> None:
    board = Storyboard(bibles=Bibles(locations={"kitchen": KITCHEN}))
    assert board.context_for(shot("E02-S001")).location.color_temperature_k == 5200
    assert board.context_for(shot("E01-S001")).location.color_temperature_k == 3000
    plain = KITCHEN.model_copy(update={"lighting_variants": []})
    assert Storyboard(bibles=Bibles(locations={"kitchen": plain})).context_for(shot("E02-S001")).location is plain
