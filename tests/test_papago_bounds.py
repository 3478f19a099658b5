"""A Papago answer far longer than any translation of the text is refused, the
built-in dictionary is used and says so, and nothing that large is cached.
Against the local server that speaks Papago."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from papago_server import PapagoServer, Reply

from lite_app.words.glossary import glossary_translate
from lite_app.words.papago import (
    MAX_ANSWER_BYTES,
    PapagoClient,
    PapagoError,
    answer_limit,
)
from lite_app.words.translation import translate

CLIENT_ID = "id-bounds-R4tY7u"
CLIENT_SECRET = "secret-bounds-P2qW9e"
PERFUME = "향수"
LONG_PROMPT = "대리석 위 향수 " * 6  # 54 characters
HUGE = "perfume " * 625_000  # 5 MB


pytestmark = pytest.mark.usefixtures("no_outside_papago_keys")


def _server(phrasebook: dict[str, str]) -> PapagoServer:
    return PapagoServer(CLIENT_ID, CLIENT_SECRET, phrasebook)


@pytest.fixture
def huge_server() -> Iterator[PapagoServer]:
    with _server({PERFUME: HUGE}) as running:
        yield running


def _client(server: PapagoServer) -> PapagoClient:
    return PapagoClient(CLIENT_ID, CLIENT_SECRET, url=server.url, timeout=5.0)


def _cached_rows(data_dir: Path) -> list[tuple[str, str]]:
    database = data_dir / "lite.sqlite3"
    if not database.exists():
        return []
    with sqlite3.connect(database) as db:
        return db.execute("SELECT text, translated FROM translation_cache").fetchall()


def test_the_answer_limit_is_ten_times_the_text_and_at_least_200():
    assert answer_limit(PERFUME) == 200
    assert answer_limit("가" * 20) == 200
    assert answer_limit(LONG_PROMPT) == 10 * len(LONG_PROMPT) == 540


@pytest.mark.parametrize(
    ("text", "answer_chars", "refused"),
    [
        (PERFUME, 200, False),
        (PERFUME, 201, True),
        (LONG_PROMPT, 540, False),
        (LONG_PROMPT, 541, True),
    ],
    ids=["short-at-200", "short-over-200", "long-at-10x", "long-over-10x"],
)
def test_an_answer_over_the_limit_is_refused(text, answer_chars, refused):
    answer = ("sunlight " * 70)[:answer_chars]
    with _server({text: answer}) as server, _client(server) as client:
        if not refused:
            assert client.translate(text) == answer
            return
        with pytest.raises(PapagoError) as caught:
            client.translate(text)
    assert caught.value.kind == "overlong"
    assert caught.value.message_ko and caught.value.message_en
    assert server.request_count == 1, "a refused answer is not asked for again"


def test_a_five_megabyte_answer_is_refused(huge_server):
    with _client(huge_server) as client, pytest.raises(PapagoError) as caught:
        client.translate(PERFUME)
    assert caught.value.kind == "overlong"


def test_a_body_over_the_byte_cap_is_refused_even_with_a_short_translation():
    padding = "x" * (MAX_ANSWER_BYTES + 10)
    body = {"message": {"result": {"translatedText": "perfume", "padding": padding}}}
    with _server({}) as server, _client(server) as client:
        server.plan(Reply(status=200, raw_body=json.dumps(body).encode()))
        with pytest.raises(PapagoError) as caught:
            client.translate(PERFUME)
    assert caught.value.kind == "overlong"


def test_an_overlong_answer_falls_back_to_the_dictionary_and_says_so(
    huge_server, tmp_path
):
    with _client(huge_server) as client:
        result = translate(PERFUME, data_dir=tmp_path, client=client)
    assert result.source == "glossary"
    assert result.english == glossary_translate(PERFUME).english
    assert len(result.english) < 100
    assert "Papago failed" in result.note_en and "Papago 번역에 실패" in result.note_ko
    assert "far longer than the text" in result.note_en
    assert "지나치게 깁니다" in result.note_ko


def test_an_overlong_answer_is_never_cached_or_reused(huge_server, tmp_path):
    with _client(huge_server) as client:
        translate(PERFUME, data_dir=tmp_path, client=client)
        again = translate(PERFUME, data_dir=tmp_path, client=client)
    assert again.source == "glossary"
    assert huge_server.request_count == 2
    assert _cached_rows(tmp_path) == []


def test_with_keys_in_the_environment_a_huge_answer_is_not_used(
    huge_server, monkeypatch, tmp_path
):
    monkeypatch.setenv("PAPAGO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PAPAGO_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("PAPAGO_URL", huge_server.base_url)
    result = translate(PERFUME, data_dir=tmp_path)
    assert result.source == "glossary"
    assert huge_server.request_count == 1
    assert _cached_rows(tmp_path) == []


def test_a_fitting_answer_is_still_used_and_cached(tmp_path):
    with _server({PERFUME: "perfume"}) as server, _client(server) as client:
        result = translate(PERFUME, data_dir=tmp_path, client=client)
    assert (result.source, result.english) == ("papago", "perfume")
    assert _cached_rows(tmp_path) == [(PERFUME, "perfume")]
