"""Settings from the environment, read in one place.

A setting that holds a value the app cannot use raises :class:`SettingInvalid`,
which names the setting and what it accepts in Korean and English. The web
server checks every one of its settings when it starts (``ui.launch``), so a
bad value stops it there instead of failing each request later.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from lite_app.errors import LiteError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_CACHE_SECONDS = 3600
MIN_CACHE_SECONDS = 60
_SHOWN_VALUE_CHARS = 40


class SettingInvalid(LiteError, ValueError):
    """A setting in the environment holds a value the app cannot use."""

    def one_line(self) -> str:
        """Korean and English on one line, for a server that stops at start."""
        return f"{self.message_ko} / {self.message_en}"


def setting_invalid(
    name: str, value: str, allowed_ko: str, allowed_en: str, *, show: bool = True
) -> SettingInvalid:
    """The error for ``name=value``; ``show=False`` keeps a secret value out."""
    if show:
        shown = shown_en = repr(value[:_SHOWN_VALUE_CHARS])
    else:
        shown, shown_en = (
            f"{len(value)}자짜리 값",
            f"a value of {len(value)} characters",
        )
    return SettingInvalid(
        f"설정 {name}의 값 {shown}은(는) 쓸 수 없습니다. {allowed_ko}",
        f"The setting {name} cannot be {shown_en}: {allowed_en}.",
        name=name,
    )


def whole_number(
    name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    """A whole-number setting from ``minimum`` to ``maximum``; blank: ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _not_in_range(name, value, minimum, maximum) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise _not_in_range(name, value, minimum, maximum)
    return number


def _not_in_range(
    name: str, value: str, minimum: int, maximum: int | None
) -> SettingInvalid:
    if maximum is None:
        return setting_invalid(
            name,
            value,
            f"{minimum} 이상의 정수여야 합니다.",
            f"it must be a whole number, {minimum} or more",
        )
    return setting_invalid(
        name,
        value,
        f"{minimum}~{maximum} 사이의 정수여야 합니다.",
        f"it must be a whole number from {minimum} to {maximum}",
    )


def one_of(name: str, default: str, allowed: tuple[str, ...]) -> str:
    """A setting that takes one of a few words (any case); blank: ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.upper() not in (word.upper() for word in allowed):
        words = ", ".join(allowed)
        raise setting_invalid(
            name,
            value,
            f"다음 중 하나여야 합니다: {words}",
            f"it must be one of {words}",
        )
    return value


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Everything the operator can set. Read fresh with :func:`settings`."""

    models_dir: Path
    data_dir: Path
    assets_dir: Path
    cutout_model: str
    scene_model: str
    inpaint_model: str
    trial_images: int
    plan_images: int


def settings() -> Settings:
    """Current settings. Cheap, so callers read them when they need them."""
    return Settings(
        models_dir=_env_path("LITE_MODELS_DIR", PROJECT_ROOT / "models"),
        data_dir=_env_path("LITE_DATA_DIR", PROJECT_ROOT / "data"),
        assets_dir=PROJECT_ROOT / "assets",
        cutout_model=os.environ.get("LITE_CUTOUT_MODEL", "u2netp").strip() or "u2netp",
        scene_model=os.environ.get("LITE_SCENE_MODEL", "stabilityai/sd-turbo"),
        inpaint_model=os.environ.get(
            "LITE_INPAINT_MODEL", "stabilityai/stable-diffusion-2-inpainting"
        ),
        trial_images=whole_number("LITE_TRIAL_IMAGES", 5),
        plan_images=whole_number("LITE_PLAN_IMAGES", 2000),
    )


def server_port() -> int:
    """``PORT``, the web server's port; commands that serve nothing never read it."""
    return whole_number("PORT", 7860, minimum=1, maximum=65535)


def log_level(default: str = "INFO") -> int:
    """``LITE_LOG_LEVEL`` as a :mod:`logging` level."""
    return logging.getLevelName(one_of("LITE_LOG_LEVEL", default, LOG_LEVELS).upper())


def cache_seconds() -> int:
    """How long result files and Gradio's cached files are kept."""
    return whole_number(
        "LITE_CACHE_SECONDS", DEFAULT_CACHE_SECONDS, minimum=MIN_CACHE_SECONDS
    )
