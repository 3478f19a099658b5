"""Intake: uploaded bytes become an upright 8-bit sRGB photo, or a clear refusal.

Every door (web upload, command line, batch) hands its file to :func:`load_photo`.
Limits are checked as early as they can be: the byte size before the file is
opened, the pixel size from the header before anything is decoded. The photo is
then decoded in full, so a truncated upload is refused instead of being padded
with grey. Metadata (EXIF, GPS, colour profiles) stays behind: the returned image
carries pixels only.
"""

from __future__ import annotations

import io
import logging
import math
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageChops, UnidentifiedImageError

from lite_app.errors import PhotoRejected

logger = logging.getLogger(__name__)

MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 64

# The openers Pillow may try. MPO (a phone's multi-picture JPEG) arrives through
# the JPEG opener. Other formats Pillow knows (EPS, PSD, ICO, ...) are refused.
_OPENERS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
_JPEG_FAMILY = ("JPEG", "MPO")

# What Pillow raises on damaged or truncated data while opening or decoding.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)

# How to turn each EXIF orientation upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


@dataclass(frozen=True)
class Photo:
    """A decoded photo, ready for the cutout.

    ``image`` is upright, 8-bit sRGB, mode "RGB" or "RGBA"; it is "RGBA" only when
    the file had real transparency (``has_alpha``). ``original_size`` is the
    upright size at full resolution, before any ``max_side`` downscale.
    """

    image: Image.Image
    has_alpha: bool
    source_format: str
    original_size: tuple[int, int]


def load_photo(
    source: bytes | str | os.PathLike[str] | BinaryIO, *, max_side: int | None = None
) -> Photo:
    """Decode a photo from bytes, a path or a binary file, or raise PhotoRejected.

    With ``max_side``, a photo whose longer side is larger comes back downscaled so
    that its longer side is exactly ``max_side``.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be at least 1, got {max_side}")

    # 1. Bytes in, within the byte limit.
    data = _read_source(source)

    # 2. Header checks, then a full decode (reduced in the decoder where it can).
    image, source_format, stored_size, orientation = _decode(data, max_side)

    # 3. Upright, 8-bit, sRGB.
    image = _upright(image, orientation)
    turned = orientation in (5, 6, 7, 8)
    original_size = stored_size[::-1] if turned else stored_size
    icc_profile = image.info.get("icc_profile")
    image = _to_eight_bit(image, source_format)
    if max_side is not None:
        image = _fit(image, original_size, max_side)
    image = _to_srgb(image, icc_profile)

    # 4. Keep alpha only where it means something.
    image = _drop_opaque_alpha(image)
    image.info = {}
    return Photo(
        image=image,
        has_alpha=image.mode == "RGBA",
        source_format=source_format,
        original_size=original_size,
    )


def _read_source(source: bytes | str | os.PathLike[str] | BinaryIO) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if memoryview(source).nbytes > MAX_BYTES:
            raise _too_many_bytes()
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        data = _read_file(Path(source))
    else:
        data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_many_bytes()
    if not data:
        raise PhotoRejected(
            "빈 파일입니다. 사진 파일을 다시 선택해 주세요.",
            "The file is empty. Please choose the photo file again.",
        )
    return data


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _too_many_bytes()
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)
    except OSError as error:
        raise PhotoRejected(
            "파일을 읽을 수 없습니다. 파일을 다시 선택해 주세요.",
            "The file could not be read. Please choose it again.",
            path=str(path),
            reason=str(error),
        ) from error


def _decode(
    data: bytes, max_side: int | None
) -> tuple[Image.Image, str, tuple[int, int], int]:
    """Open, check the header, decode fully.

    Returns the image as stored (not yet upright), its format, its full stored
    size and its EXIF orientation.
    """
    try:
        with Image.open(io.BytesIO(data), formats=_OPENERS) as opened:
            _check_dimensions(opened.size)
            source_format = opened.format or "unknown"
            stored_size = opened.size
            if max_side is not None and source_format in _JPEG_FAMILY:
                _draft(opened, max_side)
            opened.load()
            orientation = _orientation(opened)
            image = opened.copy()
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(None) from error
    except UnidentifiedImageError as error:
        raise PhotoRejected(
            "사진 파일이 아닙니다. JPEG, PNG, WebP, BMP, GIF, TIFF 형식의 사진을 "
            "올려 주세요.",
            "This file is not a photo. Please upload a JPEG, PNG, WebP, BMP, GIF or "
            "TIFF image.",
        ) from error
    except _DECODE_ERRORS as error:
        raise PhotoRejected(
            "사진 파일이 손상되었거나 끝까지 전송되지 않았습니다. 원본 사진을 다시 "
            "올려 주세요.",
            "The photo file is damaged or incomplete. Please upload the original "
            "photo again.",
            reason=str(error),
        ) from error
    return image, source_format, stored_size, orientation


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(size)
    if min(width, height) < MIN_SIDE:
        raise PhotoRejected(
            f"사진이 너무 작습니다 ({width} x {height}). 가로와 세로가 모두 "
            f"{MIN_SIDE}픽셀 이상인 사진을 올려 주세요.",
            f"The photo is too small ({width} x {height} pixels). Please upload a "
            f"photo at least {MIN_SIDE} pixels wide and tall.",
            size=size,
        )


def _draft(image: Image.Image, max_side: int) -> None:
    """Let the JPEG decoder scale down by 1/2, 1/4 or 1/8, staying >= max_side."""
    width, height = image.size
    longer = max(width, height)
    if longer <= max_side:
        return
    wanted = (
        max(1, math.ceil(width * max_side / longer)),
        max(1, math.ceil(height * max_side / longer)),
    )
    image.draft(None, wanted)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8); 1 when absent or unreadable."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS as error:
        logger.warning("Unreadable EXIF data, orientation left as stored: %s", error)
        return 1
    return orientation if orientation in _UPRIGHT else 1


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    if method is None:
        return image
    upright = image.transpose(method)
    upright.info = dict(image.info)
    return upright


def _to_eight_bit(image: Image.Image, source_format: str) -> Image.Image:
    """Any decoded mode -> one of L, LA, RGB, RGBA, CMYK at 8 bits per channel."""
    mode = image.mode
    if mode in ("L", "RGB", "P") and image.has_transparency_data:
        return image.convert("RGBA")
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode == "CMYK":
        return _plain_cmyk(image, source_format)
    if mode in _SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_eight(image)
    if mode in ("I", "F"):
        return _wide_to_eight(image)
    if mode == "1":
        return image.convert("L")
    if mode == "La":
        return image.convert("LA")
    if mode in ("PA", "RGBa"):
        return image.convert("RGBA")
    try:
        return image.convert("RGB")
    except ValueError as error:
        raise PhotoRejected(
            "이 사진의 색상 형식은 지원하지 않습니다. JPEG나 PNG로 저장한 뒤 다시 "
            "올려 주세요.",
            "This photo's colour format is not supported. Please save it as JPEG or "
            "PNG and upload it again.",
            mode=mode,
        ) from error


def _plain_cmyk(image: Image.Image, source_format: str) -> Image.Image:
    # Pillow reads every CMYK JPEG with Adobe's inverted convention. A CMYK JPEG
    # without Adobe's marker stores plain ink values, so undo that inversion.
    if source_format in _JPEG_FAMILY and "adobe" not in image.info:
        return ImageChops.invert(image)
    return image


def _sixteen_bit_to_eight(image: Image.Image) -> Image.Image:
    """Scale 0..65535 onto 0..255 (rounded), keeping a transparent grey value."""
    values = np.asarray(image).astype(np.uint32)
    gray = Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8), "L")
    transparent = image.info.get("transparency")
    if not isinstance(transparent, int):
        return gray
    alpha = np.where(values == transparent, 0, 255).astype(np.uint8)
    return Image.merge("LA", (gray, Image.fromarray(alpha, "L")))


def _wide_to_eight(image: Image.Image) -> Image.Image:
    """32-bit integer or float grey -> 8 bits, read by the range the values use.

    Integers within 0..255 are taken as they are and within 0..65535 as 16-bit;
    floats within 0..1 as fractions. Anything else is stretched from its own
    minimum to its maximum, since the file does not say what its values mean.
    """
    values = np.asarray(image).astype(np.float64)
    low, high = float(values.min()), float(values.max())
    if image.mode == "F" and low >= 0.0 and high <= 1.0:
        scaled = values * 255.0
    elif image.mode == "I" and low >= 0 and high <= 255:
        scaled = values
    elif image.mode == "I" and low >= 0 and high <= 65535:
        scaled = values * 255.0 / 65535.0
    elif high > low:
        scaled = (values - low) * 255.0 / (high - low)
    else:
        scaled = np.zeros_like(values)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L")


def _fit(
    image: Image.Image, original_size: tuple[int, int], max_side: int
) -> Image.Image:
    """Downscale so the longer side is max_side, keeping the full photo's shape."""
    width, height = original_size
    longer = max(width, height)
    if longer <= max_side:
        return image
    target = (
        max(1, round(width * max_side / longer)),
        max(1, round(height * max_side / longer)),
    )
    # Working at a smaller size is how every large photo is handled (the
    # result's size comes from its target), so this is news, not a warning.
    logger.info(
        "Photo downscaled from %dx%d to %dx%d to fit %d px",
        width,
        height,
        target[0],
        target[1],
        max_side,
    )
    if image.size == target:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """L, LA, RGB, RGBA or CMYK -> RGB or RGBA in sRGB, by the embedded profile."""
    target_mode = "RGBA" if image.mode in ("LA", "RGBA") else "RGB"
    if not icc_profile:
        return image.convert(target_mode)
    converted = _apply_profile(image, icc_profile)
    if converted is None:
        return image.convert(target_mode)
    return converted


def _apply_profile(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """Convert by the embedded profile; None when it is sRGB already or unusable."""
    try:
        from PIL import ImageCms
    except ImportError:
        logger.warning("Colour profile ignored: Pillow was built without LittleCMS")
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return None
        base, alpha = image, None
        if base.mode in ("LA", "RGBA"):
            alpha = base.getchannel("A")
            base = base.convert(base.mode[:-1])
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(base, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError) as error:
        logger.warning("Colour profile could not be applied, pixels kept: %s", error)
        return None
    if converted is not None and alpha is not None:
        converted.putalpha(alpha)
    return converted


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        return image.convert("RGB")
    return image


def _too_many_bytes() -> PhotoRejected:
    limit_mb = MAX_BYTES // (1024 * 1024)
    return PhotoRejected(
        f"파일이 너무 큽니다 ({limit_mb}MB 초과). {limit_mb}MB 이하의 사진을 올려 "
        "주세요.",
        f"The file is too large (over {limit_mb} MB). Please upload a photo of "
        f"{limit_mb} MB or less.",
    )


def _too_many_pixels(size: tuple[int, int] | None) -> PhotoRejected:
    limit_ko = f"{MAX_PIXELS // 10_000}만 화소"
    limit_en = f"{MAX_PIXELS / 1_000_000:g} megapixels"
    if size is None:
        shown_ko, shown_en = f"{limit_ko} 초과", f"over {limit_en}"
    else:
        width, height = size
        shown_ko = f"{width} x {height}, 약 {width * height // 10_000}만 화소"
        shown_en = (
            f"{width} x {height} pixels, {width * height / 1_000_000:.1f} megapixels"
        )
    return PhotoRejected(
        f"사진 해상도가 너무 높습니다 ({shown_ko}). {limit_ko} 이하로 줄여서 다시 "
        "올려 주세요.",
        f"The photo is too large ({shown_en}). Please resize it to {limit_en} or "
        "less and upload it again.",
        size=size,
    )
