"""The 29 typed tools the six agents share. See ``tools.registry`` for how they are declared and called."""
