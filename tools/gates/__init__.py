"""The quality gates' logic, kept apart from the thin tool functions in ``tools.continuity`` and ``tools.qa``.

character (drift against reference frames), lighting (colour temperature and the location's look), grading
(the colour-grade correction), artifacts (size, black, frozen, flicker, blockiness; rescale), clusters
(scene-level failure patterns), boxes (figure boxes from the renderer's sidecar), synthetic (calibration
frames).
"""
