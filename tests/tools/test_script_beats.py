"""Beat reading: emotional intensity, physics elements and props, from the lexicons in tools/data."""

from __future__ import annotations

from tools import beats


def test_loaded_words_cues_and_punctuation_raise_intensity() -> None:
    flat = beats.score("You said the view was overrated.", dialogue=True)
    loving = beats.score("I love you.", dialogue=True)
    shouted = beats.score("I proposed because I love you!", "shouting", dialogue=True)
    assert flat.intensity == 0.0
    assert 0.0 < loving.intensity < shouted.intensity
    assert shouted.intensity >= 0.7
    assert "love" in shouted.emotions
    assert "shouting" in shouted.cues


def test_parenthetical_cues_alone_mark_a_peak() -> None:
    sobbing = beats.score("Please.", "sobbing", dialogue=True)
    assert sobbing.intensity >= 0.85
    assert sobbing.emotions[0] == "sadness"
    assert sobbing.styles == ("breaking, tearful",)


def test_intensifiers_raise_and_negation_lowers() -> None:
    plain = beats.score("I am afraid.", dialogue=True).intensity
    assert beats.score("I am so afraid.", dialogue=True).intensity > plain
    assert beats.score("I am not afraid.", dialogue=True).intensity < plain


def test_shouted_caps_count_in_dialogue_but_names_in_action_do_not() -> None:
    assert beats.score("GET OUT NOW", dialogue=True).intensity > beats.score("get out now", dialogue=True).intensity
    assert beats.score("LIN walks to the DOOR of the CAFE.").intensity == 0.0


def test_long_mild_paragraphs_do_not_saturate() -> None:
    mild = " ".join(["She smiles and waits, happy."] * 20)
    assert beats.score(mild).intensity < 0.6


def test_physics_elements() -> None:
    assert beats.detect_physics("Rain hammers a crowded market street.") == ("water", "crowd")
    found = beats.detect_physics("Dex lunges at Kai. Kai punches him. Glass shatters.")
    assert {"fight", "glass"} <= set(found)
    assert "vehicle" in beats.detect_physics("The motorcycle skids around a corner.")
    assert "explosion" in beats.detect_physics("The mirror explodes into shards.")
    assert beats.detect_physics("She sits at the kitchen table and reads.") == ()
    assert beats.detect_physics("Lin kicks off her heels.") == ()


def test_props_in_order_of_mention_and_verbs_are_not_props() -> None:
    assert beats.detect_props("He opens the box. A ring glints. His phone buzzes.") == ("ring", "phone")
    assert beats.detect_props("Juno rings the bell as the phone rings.") == ("phone",)
    assert beats.prop_rank("ring") < beats.prop_rank("phone") < beats.prop_rank("badge")


def test_analyze_combines_everything() -> None:
    reading = beats.analyze("The SUV rams their bumper and explodes in a burst of flame. She screams.")
    assert reading.intensity >= 0.7
    assert {"vehicle", "explosion", "fire"} <= set(reading.physics)
    assert reading.props == ()
