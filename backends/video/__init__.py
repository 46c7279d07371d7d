"""Adapters to hosted video models, behind one ``VideoBackend`` interface.

``make_backend(model_id, catalog, settings)`` returns the adapter for a model when its provider's key is set, or
None so the caller uses the offline previz renderer. Each provider module maps our ``GenerationRequest`` to its
documented body; the submit → poll → download loop they share is in ``http.py``.
"""

from backends.video.base import VideoBackend
from backends.video.factory import make_backend, provider_configured
from backends.video.http import HttpVideoBackend, PollPolicy

__all__ = ["HttpVideoBackend", "PollPolicy", "VideoBackend", "make_backend", "provider_configured"]
