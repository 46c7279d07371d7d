"""The errors a user can meet, as one small hierarchy.

Every message says what went wrong and, where there is one, what to do about it.
The CLI maps ``ReelcrewError`` to exit code 2 (bad input) or 1 (a run that could not finish).

    ReelcrewError
    ├── ScriptError          a script that cannot be read or makes no sense (exit 2)
    ├── ConfigError          a bad reelcrew.toml, environment value or CLI option (exit 2)
    ├── ToolError            a tool refused its arguments or failed
    │   └── ToolNotAllowed   an agent asked for a tool outside its allow-list
    ├── BackendError         an outside service failed (video model, TTS, LLM, ffmpeg)
    │   ├── RateLimited      429 or equivalent; retried with backoff before it reaches you
    │   └── ContentRejected  the provider's safety filter refused the request; final
    └── BudgetExceeded       the next call would pass the --budget cap; nothing was spent on it
"""

from __future__ import annotations

from pathlib import Path


class ReelcrewError(Exception):
    """Base of every error reelcrew raises on purpose."""

    exit_code: int = 1


class ScriptError(ReelcrewError):
    """A script that cannot be parsed; names the file and the problem."""

    exit_code = 2

    def __init__(self, path: Path | str | None, problem: str) -> None:
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")


class ConfigError(ReelcrewError):
    """A configuration value that cannot be used."""

    exit_code = 2


class ToolError(ReelcrewError):
    """A tool call that failed; the message is fed back to an LLM policy as-is."""


class ToolNotAllowed(ToolError):
    """An agent asked for a tool outside its allow-list."""


class BackendError(ReelcrewError):
    """An outside service failed after its retries."""

    def __init__(self, backend: str, problem: str, *, retryable: bool = False) -> None:
        self.backend = backend
        self.problem = problem
        self.retryable = retryable
        super().__init__(f"{backend}: {problem}")


class RateLimited(BackendError):
    """The provider asked us to slow down (HTTP 429 or its own code)."""

    def __init__(self, backend: str, problem: str) -> None:
        super().__init__(backend, problem, retryable=True)


class ContentRejected(BackendError):
    """The provider's content policy refused the request; retrying the same prompt will not help."""


class BudgetExceeded(ReelcrewError):
    """Raised before a call that would take spending past the cap."""

    def __init__(self, cap: float, spent: float, needed: float) -> None:
        self.cap = cap
        self.spent = spent
        self.needed = needed
        super().__init__(
            f"budget cap ${cap:.2f} reached: ${spent:.2f} spent, the next call needs ${needed:.2f}. "
            "Everything made so far is kept; raise the cap with `reelcrew resume OUT --budget USD`."
        )
