"""Export: target sizes, byte caps, sRGB, no personal metadata."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from lite_app.errors import ExportFailed, LookInvalid
from lite_app.export import TARGETS, Target, encode, file_name, parse_target


def test_every_marketplace_in_the_design_is_a_target():
    names = {"smartstore", "coupang", "11st", "gmarket", "auction", "interpark"}
    names |= {"kakao", "kakao-tall", "instagram", "instagram-tall", "transparent"}
    assert names <= set(TARGETS)
    assert TARGETS["kakao-tall"].size == (750, 1000)
    assert TARGETS["interpark"].byte_cap == 1024 * 1024


@pytest.mark.parametrize(
    ("text", "size"),
    [("1200x800", (1200, 800)), (" 640 X 640 ", (640, 640)), ("500×500", (500, 500))],
    ids=["plain", "spaces-capital", "multiplication-sign"],
)
def test_custom_sizes_are_targets(text, size):
    assert parse_target(text).size == size


@pytest.mark.parametrize("text", ["10x10", "9000x100", "banana", "", "1000x"], ids=str)
def test_bad_targets_are_refused(text):
    with pytest.raises(LookInvalid, match="판매처|픽셀"):
        parse_target(text)


def noise(size: int) -> Image.Image:
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))


def test_jpeg_quality_is_lowered_only_as_far_as_the_cap_needs():
    cap = 400 * 1024
    data, quality = encode(noise(600), Target("t", "t", "t", (600, 600), cap))
    assert len(data) <= cap
    assert 40 <= quality < 95
    higher, _ = encode(noise(600), Target("t", "t", "t", (600, 600), 10**8))
    assert len(higher) > cap


def test_an_impossible_cap_is_refused_clearly():
    with pytest.raises(ExportFailed, match="MB"):
        encode(noise(400), Target("t", "t", "t", (400, 400), 2000))


def test_output_is_srgb_without_exif():
    data, _ = encode(noise(100), TARGETS["coupang"])
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert not image.getexif()
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_file_names_keep_the_photo_name_and_say_the_target():
    assert (
        file_name("내 상품 사진.JPG", TARGETS["coupang"]) == "내-상품-사진-coupang.jpg"
    )
    assert file_name(None, TARGETS["transparent"]) == "product-transparent.png"
    assert file_name("../../etc/passwd", TARGETS["11st"]) == "passwd-11st.jpg"
