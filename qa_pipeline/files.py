"""Reading a text file someone handed us: bounded in size, UTF-8, one plain reason when it cannot be."""

from __future__ import annotations

from pathlib import Path


class Unreadable(Exception):
    """Why a file cannot be read as text; the caller puts the path in front and raises its own error."""


def read_text(path: str | Path, *, max_bytes: int, what: str = "file") -> str:
    """The file's text (a leading BOM dropped).

    Raises
    ------
    Unreadable
        Missing, a folder, a pipe or device, larger than ``max_bytes``, not UTF-8, or unreadable (permissions, I/O).
    """
    path = Path(path)
    if path.is_dir():
        raise Unreadable(f"is a folder, not a {what}")
    if path.exists() and not path.is_file():
        raise Unreadable(f"not a regular file (a pipe or device?); give a {what} file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(f"larger than {max_bytes / (1 << 20):g} MiB; is it the right {what}?")
        return path.read_text("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise Unreadable(f"{what} not found") from None
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from None
    except OSError as exc:
        raise Unreadable(f"cannot read the {what} ({exc.strerror or exc})") from None
