"""The web app on loopback, driven through gradio_client like any API user."""

from __future__ import annotations

import json

import pytest
from conftest import jpeg_bytes, launched_app, real_photo
from PIL import Image

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    # The app keeps its visitor secret in the data folder; each test then
    # gets its own database through the autouse fixture.
    with launched_app(tmp_path_factory.mktemp("app-data")) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    return gradio_client.Client(app_url, verbose=False)


@pytest.fixture(scope="module")
def rocket_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("upload") / "rocket.jpg"
    path.write_bytes(jpeg_bytes(real_photo("rocket")))
    return path


def look_json(**fields) -> str:
    return json.dumps(fields)


def test_api_names_edit_and_cutout(client):
    names = set(
        client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    )
    assert {"/edit", "/cutout", "/preview"} <= names


def test_edit_returns_a_marketplace_file(client, rocket_path):
    handle = gradio_client.handle_file(str(rocket_path))
    look = look_json(target="coupang", scene="marble")
    # An empty visitor token: a new visitor, whose trial pays for the image.
    preview, download, receipt, _token, _left = client.predict(
        handle, look, "", api_name="/edit"
    )
    image = Image.open(download)
    assert (image.format, image.size) == ("JPEG", (1000, 1000))
    assert download.endswith("rocket-coupang.jpg")
    assert "1000x1000" in receipt


def test_preview_is_at_most_512_pixels(client, rocket_path):
    handle = gradio_client.handle_file(str(rocket_path))
    preview, _note = client.predict(
        handle, look_json(target="kakao-tall"), "ko", api_name="/preview"
    )
    assert Image.open(preview).size == (384, 512)


def test_cutout_returns_a_transparent_png(client, rocket_path):
    handle = gradio_client.handle_file(str(rocket_path))
    path = client.predict(handle, "ko", api_name="/cutout")
    image = Image.open(path)
    assert (image.format, image.mode) == ("PNG", "RGBA")


def test_a_broken_upload_gets_a_readable_korean_notice(client, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    handle = gradio_client.handle_file(str(broken))
    with pytest.raises(gradio_client.exceptions.AppError) as caught:
        client.predict(handle, look_json(), "", api_name="/edit")
    message = str(caught.value)
    assert "사진" in message
    assert "Traceback" not in message


def test_a_bad_look_is_refused_in_korean_and_english(client, rocket_path):
    handle = gradio_client.handle_file(str(rocket_path))
    with pytest.raises(gradio_client.exceptions.AppError) as caught:
        client.predict(handle, look_json(scale=99), "", api_name="/edit")
    assert "룩" in str(caught.value)
    assert "scale" in str(caught.value)
