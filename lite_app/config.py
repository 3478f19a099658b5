"""Settings from the environment, read in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from error


@dataclass(frozen=True)
class Settings:
    """Everything the operator can set. Read fresh with :func:`settings`."""

    models_dir: Path
    data_dir: Path
    assets_dir: Path
    port: int
    cutout_model: str
    scene_model: str
    inpaint_model: str
    trial_images: int
    plan_images: int
    log_level: str


def settings() -> Settings:
    """Current settings. Cheap, so callers read them when they need them."""
    return Settings(
        models_dir=_env_path("LITE_MODELS_DIR", PROJECT_ROOT / "models"),
        data_dir=_env_path("LITE_DATA_DIR", PROJECT_ROOT / "data"),
        assets_dir=PROJECT_ROOT / "assets",
        port=_env_int("PORT", 7860),
        cutout_model=os.environ.get("LITE_CUTOUT_MODEL", "u2netp").strip() or "u2netp",
        scene_model=os.environ.get("LITE_SCENE_MODEL", "stabilityai/sd-turbo"),
        inpaint_model=os.environ.get(
            "LITE_INPAINT_MODEL", "stabilityai/stable-diffusion-2-inpainting"
        ),
        trial_images=_env_int("LITE_TRIAL_IMAGES", 5),
        plan_images=_env_int("LITE_PLAN_IMAGES", 2000),
        log_level=os.environ.get("LITE_LOG_LEVEL", "INFO").upper(),
    )
