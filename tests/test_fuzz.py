"""Every door fed random and hostile input: only LiteError comes out.

Doors: photo bytes (intake), a look as JSON or as a dict (recipe links, API
calls), recipe files, prompt text, promo codes, the target string, and the
page's ``?promo=`` and ``?recipe=`` links with any visitor token. For each
example the test asserts that nothing but a :class:`LiteError` is raised and
that no file is written outside the test's data folder (watched through
Python's audit events: file opens for writing, SQLite connections, renames,
removals and new folders). Example counts are bounded so the file runs in
well under a minute.
"""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from lite_app import credits, recipes, visitors
from lite_app.errors import LiteError, LookInvalid
from lite_app.export import parse_target
from lite_app.intake import load_photo
from lite_app.look import MAX_PROMPT_CHARS, Look

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOOK_KEYS = tuple(Look().to_dict())

# --- watching writes ----------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {
    "os.remove": (0,),
    "os.rename": (0, 1),
    "os.replace": (0, 1),
    "os.mkdir": (0,),
    "os.rmdir": (0,),
    "os.chmod": (0,),
    "os.truncate": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.move": (1,),
    "sqlite3.connect": (0,),
}


class WriteWatch:
    """Collects the paths written while ``active`` is set (this thread only)."""

    def __init__(self) -> None:
        self.active = threading.local()
        self.written: list[str] = []

    def __call__(self, event: str, args: tuple) -> None:
        if not getattr(self.active, "on", False):
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            if _opens_for_writing(mode, flags):
                self._note(path)
        elif event in _PATH_EVENTS:
            for index in _PATH_EVENTS[event]:
                if index < len(args):
                    self._note(args[index])

    def _note(self, path: object) -> None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str | os.PathLike) and str(path) not in ("", ":memory:"):
            self.written.append(os.path.abspath(os.fspath(path)))

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        self.written = []
        self.active.on = True
        try:
            yield self.written
        finally:
            self.active.on = False


def _opens_for_writing(mode: object, flags: object) -> bool:
    if isinstance(mode, str):
        return any(letter in mode for letter in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


_WATCH = WriteWatch()
_INSTALLED: list[bool] = []


@pytest.fixture
def data_dir(fresh_data_dir, monkeypatch) -> Path:
    """The test's data folder; Papago is off so prompts stay on this machine."""
    if not _INSTALLED:
        sys.addaudithook(_WATCH)
        _INSTALLED.append(True)
    fresh_data_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("LITE_ENV_FILE", str(fresh_data_dir / "no.env"))
    for name in ("PAPAGO_CLIENT_ID", "PAPAGO_CLIENT_SECRET", "PAPAGO_URL"):
        monkeypatch.delenv(name, raising=False)
    return fresh_data_dir


@pytest.fixture
def visitor(data_dir) -> str:
    return visitors.new_visitor(data_dir)


def through_door(data_dir: Path, call, /, *args, **kwargs) -> object:
    """Call one door: a LiteError is fine, anything else fails; writes stay home."""
    home = str(data_dir.resolve())
    with _WATCH.watching() as written:
        try:
            outcome = call(*args, **kwargs)
        except LiteError as error:
            assert error.message_ko and error.message_en
            assert "Traceback" not in error.user_message("ko")
            outcome = error
    outside = [
        path for path in written if not (path == home or path.startswith(home + os.sep))
    ]
    assert not outside, f"wrote outside the data folder: {outside[:3]}"
    return outcome


# --- strategies -----------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
look_like = st.fixed_dictionaries(
    {}, optional={key: json_values for key in LOOK_KEYS}
) | st.dictionaries(
    st.sampled_from(LOOK_KEYS) | st.text(max_size=12), json_values, max_size=8
)
hostile_texts = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "[" * 50_000 + "]" * 50_000,
        '{"a":' * 20_000 + "1" + "}" * 20_000,
        "1" * 5_000,
        "NaN",
        "-Infinity",
        '{"scale": NaN}',
        '{"seed": 1e999}',
        '{"scene": "../../etc/passwd"}',
        '{"__class__": 1, "__init__": 2}',
        '{"scene_params": {"color": "' + "F" * 70_000 + '"}}',
        '"\\ud800"',
        "\ufeff{}",
        "{'scene': 'marble'}",
        "null",
        "[]",
        '{"box": [0, 0, 1e308, 1]}',
        '{"box": [true, 0, 1, 1]}',
        '{"version": 99}',
    ]
)


def _ihdr_png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    crc = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + crc


def _encoded(format_name: str, size: tuple[int, int] = (80, 72)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 30))
    image.paste((20, 120, 220), (10, 10, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format_name)
    return buffer.getvalue()


SAMPLES = {name: _encoded(name) for name in ("JPEG", "PNG", "GIF", "WEBP", "BMP")}
SAMPLES["TIFF"] = _encoded("TIFF")


@st.composite
def damaged_photos(draw) -> bytes:
    data = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    cut = draw(st.integers(1, len(data)))
    return bytes(data[:cut]) + draw(st.binary(max_size=64))


# --- the doors --------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2048) | damaged_photos())
@example(b"")
@example(_ihdr_png(100_000, 100_000))
@example(_ihdr_png(0, 0))
@example(_ihdr_png(2**31 - 1, 1))
@example(b"GIF89a" + b"\xff" * 10)
@example(b"BM" + b"\xff" * 60)
def test_intake_refuses_bad_bytes_cleanly(data_dir, data):
    outcome = through_door(data_dir, load_photo, data, max_side=256)
    if not isinstance(outcome, LiteError):
        assert max(outcome.image.size) <= 256
        assert outcome.image.mode in ("RGB", "RGBA")


@FUZZ
@given(st.text(max_size=300) | hostile_texts | json_values.map(json.dumps))
@example(b"\xff\xfe{}")
@example(b"\x80abc")
def test_look_json_refuses_bad_text_cleanly(data_dir, text):
    outcome = through_door(data_dir, Look.from_json, text)
    if isinstance(outcome, Look):
        assert Look.from_json(outcome.to_json()) == outcome


@FUZZ
@given(look_like | json_values)
def test_look_dict_refuses_bad_values_cleanly(data_dir, data):
    outcome = through_door(data_dir, Look.from_dict, data)
    if isinstance(outcome, Look):
        assert Look.from_dict(outcome.to_dict()) == outcome


@FUZZ
@given(
    st.one_of(
        hostile_texts,
        st.text(max_size=200),
        json_values.map(json.dumps),
        st.fixed_dictionaries(
            {"look": look_like}, optional={"name": json_values, "extra": json_values}
        ).map(json.dumps),
        st.binary(max_size=200),
    )
)
def test_recipe_files_refuse_bad_content_cleanly(data_dir, text):
    through_door(data_dir, recipes.read_file, text, "imported")
    through_door(data_dir, recipes.import_json, text, data_dir=data_dir)


@FUZZ
@given((st.text(max_size=200) | hostile_texts).map(lambda t: t[:MAX_PROMPT_CHARS]))
@example("대리석 테이블 위, 아침 햇살")
@example("\u200b\u202e흰 배경\x00")
@example("가" * MAX_PROMPT_CHARS)
def test_prompt_text_is_matched_or_refused_cleanly(data_dir, text):
    """Prompts reach the words only through a look, so at most 1000 characters."""
    words = pytest.importorskip("lite_app.words")
    through_door(data_dir, words.translate, text, data_dir=data_dir)
    through_door(data_dir, words.match_scene, text, data_dir=data_dir)


@FUZZ
@given(st.text(max_size=80) | hostile_texts)
@example("' OR 1=1 --")
@example("%00")
@example("A" * 10_000)
def test_promo_codes_are_refused_cleanly(data_dir, visitor, code):
    outcome = through_door(
        data_dir, credits.redeem_promo, visitor, code, now=NOW, data_dir=data_dir
    )
    assert isinstance(outcome, LiteError)


@FUZZ
@given(st.text(max_size=40) | hostile_texts)
@example("99999x99999")
@example("1000x1000\n")
@example("０１０００x1000")
def test_targets_are_parsed_or_refused_cleanly(data_dir, name):
    outcome = through_door(data_dir, parse_target, name)
    if not isinstance(outcome, LiteError) and outcome.size is not None:
        assert all(64 <= side <= 5000 for side in outcome.size)


def test_the_watch_sees_a_write_outside(data_dir, tmp_path):
    outside = tmp_path / "elsewhere.txt"
    with pytest.raises(AssertionError, match="wrote outside"):
        through_door(data_dir, outside.write_text, "x")


def page_request(query: bytes) -> object:
    """A real ``gr.Request`` for ``GET /?<query>`` from a loopback browser."""
    import gradio as gr
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query,
        "headers": [],
        "client": ("127.0.0.1", 50000),
    }
    return gr.Request(request=Request(scope))


query_values = st.text(max_size=80) | hostile_texts.map(lambda t: t[:2000])


@settings(FUZZ, max_examples=30)
@given(
    st.one_of(
        st.fixed_dictionaries(
            {}, optional={"promo": query_values, "recipe": query_values}
        ).map(lambda q: urlencode(q).encode()),
        st.binary(max_size=200),
    ),
    st.text(max_size=120) | hostile_texts.map(lambda t: t[:500]),
)
@example(b"promo=%00&recipe=..%2F..%2Fetc%2Fpasswd", "")
@example(b"promo=" + b"A" * 5000 + b"&recipe=" + b"%ff" * 300, "v1.x.y")
def test_page_links_and_tokens_are_handled_cleanly(data_dir, query, token):
    """``/?promo=...&recipe=...`` with any visitor token: a page, never a crash."""
    from lite_app import limits, ui

    limits.reset()
    outcome = through_door(data_dir, ui.load_page, token, page_request(query))
    assert not isinstance(outcome, LiteError)
    new_token, images_left, notice = outcome[:3]
    assert visitors.verify(new_token)
    assert "남은 이미지" in images_left
    assert "Traceback" not in notice


@pytest.mark.parametrize(
    "text",
    [
        '{"scene_params":' + '{"a":' * 500 + "1" + "}" * 500 + "}",
        '{"mask_edits":' + "[" * 600 + "]" * 600 + "}",
    ],
    ids=["objects", "lists"],
)
def test_a_deeply_nested_look_is_refused_plainly(text):
    with pytest.raises(LookInvalid) as refused:
        Look.from_json(text)
    assert "nested too deeply" in refused.value.message_en
    assert "깊게" in refused.value.message_ko
