"""``python -m reelcrew`` is the ``reelcrew`` command."""

from reelcrew.cli import main

main()
