"""One exception tree. The CLI catches :class:`QAError` once and prints one line."""

from __future__ import annotations

# Exit codes (documented in the README): 0 ok, 1 internal error,
# 2 usage error (typer/click), 3 bad input, 4 configuration or model problem,
# 5 a batch finished but some calls failed (each is recorded with its error), 130 interrupted.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_CONFIG = 4
EXIT_PARTIAL = 5
EXIT_INTERRUPTED = 130


class QAError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code = EXIT_INTERNAL


class UsageError(QAError):
    """The command line is wrong (an option's value, an output path); the message says what to give."""

    exit_code = EXIT_USAGE


class InputError(QAError):
    """The input given by the user cannot be used (the file, not the program, is at fault)."""

    exit_code = EXIT_BAD_INPUT


class AudioError(InputError):
    """A recording is missing, empty, corrupt, not audio, or of an unsupported shape.

    The message always starts with the file's path.
    """

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class TranscriptError(InputError):
    """A transcript file given instead of audio cannot be read."""


class ConfigError(QAError):
    """A configuration value, option or config file is wrong; the message says how to fix it."""

    exit_code = EXIT_CONFIG


class ModelError(ConfigError):
    """The speech model is missing or damaged; the message says how to get one."""


class RuleError(ConfigError):
    """A rule file is invalid: names the file, line, rule id and the fix."""

    def __init__(self, file: object, message: str, *, line: int | None = None, rule: str | None = None):
        self.file, self.line, self.rule = str(file), line, rule
        where = f"{file}:{line}" if line else str(file)
        who = f" rule '{rule}':" if rule else ""
        super().__init__(f"{where}:{who} {message}")


class StoreError(ConfigError):
    """The results database cannot be opened, upgraded or written; names the database and the fix."""
