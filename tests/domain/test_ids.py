"""Stable ids: scene and shot ids sort in script order; names in any script get distinct ids."""

from domain.screenplay import scene_id, shot_id, slugify


def test_ids_sort_in_script_order() -> None:
    ids = [shot_id(1, 2, 10), shot_id(1, 10, 1), shot_id(2, 1, 1), shot_id(1, 2, 9)]
    assert sorted(ids) == [shot_id(1, 2, 9), shot_id(1, 2, 10), shot_id(1, 10, 1), shot_id(2, 1, 1)]
    assert shot_id(1, 7, 3) == "E01-S007-SH03" and scene_id(12, 40) == "E12-S040"


def test_slugify_keeps_letters_of_any_script() -> None:
    assert slugify("Rooftop Bar") == "rooftop-bar"
    assert slugify("林小雨") != slugify("陈默") != "unnamed"
    assert slugify("!!!") == "unnamed"
