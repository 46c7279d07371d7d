"""Data files shipped with the backends (model catalog, ...); a package so the wheel carries them."""
