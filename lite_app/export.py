"""Marketplace targets: canvas size, file format and byte cap.

JPEG quality is the highest that fits the target's byte cap. Output is sRGB
with an sRGB profile attached and no EXIF, GPS or other personal metadata.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from PIL import Image, ImageCms

from lite_app.errors import ExportFailed, LookInvalid

logger = logging.getLogger(__name__)

MB = 1024 * 1024
BEST_QUALITY, LOWEST_QUALITY = 95, 40
CUSTOM_SIDES = (64, 5000)
CUSTOM_BYTE_CAP = 10 * MB


@dataclass(frozen=True)
class Target:
    """Where a result is going: its canvas, format and size limit in bytes."""

    name: str
    label_ko: str
    label_en: str
    size: tuple[int, int] | None  # None: sized to the product (transparent cutout)
    byte_cap: int
    format: str = "JPEG"

    @property
    def extension(self) -> str:
        return "png" if self.format == "PNG" else "jpg"


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target(
            "smartstore",
            "네이버 스마트스토어",
            "Naver Smart Store",
            (1000, 1000),
            20 * MB,
        ),
        Target("coupang", "쿠팡", "Coupang", (1000, 1000), 5 * MB),
        Target("11st", "11번가", "11st", (1000, 1000), 3 * MB),
        Target("gmarket", "G마켓", "G-market", (1000, 1000), 2 * MB),
        Target("auction", "옥션", "Auction", (1000, 1000), 2 * MB),
        Target("interpark", "인터파크", "Interpark", (1000, 1000), 1 * MB),
        Target("kakao", "카카오톡 스토어", "KakaoTalk Store", (750, 750), 10 * MB),
        Target(
            "kakao-tall",
            "카카오톡 스토어 세로",
            "KakaoTalk Store, tall",
            (750, 1000),
            10 * MB,
        ),
        Target("instagram", "인스타그램", "Instagram", (1080, 1080), 8 * MB),
        Target(
            "instagram-tall", "인스타그램 세로", "Instagram tall", (1080, 1350), 8 * MB
        ),
        Target("transparent", "투명 배경 PNG", "Transparent PNG", None, 20 * MB, "PNG"),
    )
}
DEFAULT_TARGET = "smartstore"
_CUSTOM = re.compile(r"^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$")


def parse_target(name: str) -> Target:
    """A named target or a custom ``WIDTHxHEIGHT``; refuses anything else."""
    key = name.strip().lower()
    if key in TARGETS:
        return TARGETS[key]
    match = _CUSTOM.match(key)
    if not match:
        raise LookInvalid(
            f"알 수 없는 판매처(크기)입니다: {name[:40]!r}. "
            "목록에서 고르거나 1000x1000처럼 입력해 주세요.",
            f"Unknown target {name[:40]!r}: pick one from the list or give "
            "a size like 1000x1000.",
        )
    width, height = int(match.group(1)), int(match.group(2))
    low, high = CUSTOM_SIDES
    if not (low <= width <= high and low <= height <= high):
        raise LookInvalid(
            f"이미지 크기는 가로세로 {low}~{high} 픽셀이어야 합니다 "
            f"(받은 값: {width}x{height}).",
            f"Each side must be between {low} and {high} pixels, got {width}x{height}.",
        )
    return Target(
        f"{width}x{height}",
        f"{width}x{height}",
        f"{width}x{height}",
        (width, height),
        CUSTOM_BYTE_CAP,
    )


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, with its creation date cleared so output is stable."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile[:24] + bytes(12) + profile[36:]


def encode(image: Image.Image, target: Target) -> tuple[bytes, int | None]:
    """Encode for the target; returns the bytes and the JPEG quality used."""
    if target.format == "PNG":
        data = _png_bytes(image)
        if len(data) > target.byte_cap:
            raise _too_large(target)
        return data, None
    return _jpeg_within_cap(image.convert("RGB"), target)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(
        buffer, "PNG", optimize=False, compress_level=6, icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def _jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    options = {
        "quality": quality,
        "subsampling": 0 if quality >= 90 else 2,
        "icc_profile": srgb_profile(),
    }
    buffer = io.BytesIO()
    try:
        image.save(buffer, "JPEG", optimize=True, **options)
    except OSError:
        # Pillow's optimizing encoder sizes its buffer from the pixel count and
        # overflows on near-random content; the plain encoder has no such limit.
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _jpeg_within_cap(image: Image.Image, target: Target) -> tuple[bytes, int]:
    best = _jpeg_bytes(image, BEST_QUALITY)
    if len(best) <= target.byte_cap:
        return best, BEST_QUALITY
    # Binary search for the highest quality that still fits.
    low, high, found = LOWEST_QUALITY, BEST_QUALITY - 1, None
    while low <= high:
        quality = (low + high) // 2
        data = _jpeg_bytes(image, quality)
        if len(data) <= target.byte_cap:
            found, low = (data, quality), quality + 1
        else:
            high = quality - 1
    if found is None:
        raise _too_large(target)
    # The highest quality within the market's cap is the promised behaviour.
    logger.info("JPEG quality lowered to %d to fit %s", found[1], target.name)
    return found


def _too_large(target: Target) -> ExportFailed:
    cap_mb = target.byte_cap / MB
    return ExportFailed(
        f"결과 이미지를 {cap_mb:g}MB 이하로 줄일 수 없습니다. "
        "더 작은 크기를 골라 주세요.",
        f"The result cannot be made smaller than {cap_mb:g} MB for "
        f"{target.label_en}; choose a smaller size.",
        target=target.name,
    )


def file_name(photo_name: str | None, target: Target) -> str:
    """A download name a seller recognizes: photo name, target, extension."""
    stem = PurePath((photo_name or "product").replace("\\", "/")).stem
    stem = re.sub(r"[^\w\-가-힣]+", "-", stem)
    stem = stem.strip("-")[:60] or "product"
    return f"{stem}-{target.name}.{target.extension}"
