"""The Papago client and translation, against a local server speaking Papago."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import free_port
from papago_server import DOCUMENTED_ERRORS, PapagoServer, Reply

from lite_app.config import PROJECT_ROOT
from lite_app.errors import TranslationFailed
from lite_app.words.glossary import glossary_translate
from lite_app.words.papago import (
    DEFAULT_URL,
    PapagoClient,
    PapagoError,
    endpoint,
    papago_keys,
    read_env_file,
)
from lite_app.words.translation import translate

CLIENT_ID = "id-Q7vX2kLm9wT"
CLIENT_SECRET = "secret-Zp4Rt8Wn1yB"
PHRASEBOOK = {
    "대리석 테이블 위, 아침 햇살": "On a marble table, morning sunlight",
    "구름 위에 떠 있는 느낌": "The feeling of floating on clouds",
    "운동화를": "sneakers",
    "대리석 위에": "on marble",
    "향수": "perfume",
}
BRAND_PROMPT = 'Nike 운동화를 "봄날" 대리석 위에'


pytestmark = pytest.mark.usefixtures("no_outside_papago_keys")


@pytest.fixture
def server() -> Iterator[PapagoServer]:
    with PapagoServer(CLIENT_ID, CLIENT_SECRET, PHRASEBOOK) as running:
        yield running


@pytest.fixture
def client(server: PapagoServer) -> Iterator[PapagoClient]:
    with PapagoClient(
        CLIENT_ID, CLIENT_SECRET, url=server.url, timeout=2.0, backoff_seconds=0.01
    ) as papago:
        yield papago


def _error_id(case: tuple[int, str, str]) -> str:
    return f"{case[0]}-{case[1]}"


# The client on the wire


def test_translation_is_sent_as_a_form_with_both_key_headers(client, server):
    assert client.translate("향수") == "perfume"
    (received,) = server.received
    assert received.content_type.startswith("application/x-www-form-urlencoded")
    assert received.fields == {"source": "ko", "target": "en", "text": "향수"}
    assert received.authorized


def test_translation_can_be_sent_as_json(server):
    with PapagoClient(
        CLIENT_ID, CLIENT_SECRET, url=server.url, json_body=True
    ) as papago:
        assert papago.translate("향수") == "perfume"
    assert server.received[0].content_type.startswith("application/json")
    assert server.received[0].fields["text"] == "향수"


def test_wrong_keys_are_refused_without_a_retry(server):
    with PapagoClient(CLIENT_ID, "not-the-secret", url=server.url) as papago:
        with pytest.raises(PapagoError) as caught:
            papago.translate("향수")
    assert (caught.value.status, caught.value.code) == (401, "200")
    assert caught.value.kind == "auth"
    assert server.request_count == 1


def test_papago_error_is_a_translation_failure_with_both_messages():
    error = PapagoError("quota", status=429, code="400")
    assert isinstance(error, TranslationFailed)
    assert error.context == {"status": 429, "code": "400", "kind": "quota"}
    assert "한도" in error.user_message() and "quota" in error.user_message("en")


@pytest.mark.parametrize("shape", ["nested", "flat"])
@pytest.mark.parametrize("case", DOCUMENTED_ERRORS, ids=_error_id)
def test_every_documented_error_becomes_a_typed_error(client, server, case, shape):
    status, code, _ = case
    server.plan(*[Reply(status, code, shape)] * 3)
    with pytest.raises(PapagoError) as caught:
        client.translate("향수")
    assert (caught.value.status, caught.value.code) == (status, code)
    retried = status >= 500 or (status == 429 and code in ("410", "420"))
    assert server.request_count == (3 if retried else 1)


@pytest.mark.parametrize(
    "first",
    [
        Reply(429, "410"),
        Reply(429, "420", "flat"),
        Reply(503, "500"),
        Reply(500, "N2MT99"),
    ],
    ids=["throttle-limited", "rate-limited", "endpoint-error", "n2mt99"],
)
def test_a_passing_failure_is_retried_then_succeeds(client, server, first):
    server.plan(first)
    assert client.translate("향수") == "perfume"
    assert server.request_count == 2


def test_an_html_gateway_page_is_a_retried_failure_without_a_code(client, server):
    server.plan(*[Reply(502, raw_body=b"<html>Bad Gateway</html>")] * 3)
    with pytest.raises(PapagoError) as caught:
        client.translate("향수")
    assert (caught.value.status, caught.value.code, caught.value.kind) == (
        502,
        "",
        "busy",
    )
    assert server.request_count == 3


def test_an_unreadable_success_is_an_error(client, server):
    server.plan(Reply(200, raw_body=b"<html>ok</html>"))
    with pytest.raises(PapagoError, match="could not be read"):
        client.translate("향수")


def test_a_slow_answer_times_out(server):
    server.plan(Reply(delay=1.5))
    with PapagoClient(CLIENT_ID, CLIENT_SECRET, url=server.url, timeout=0.2) as papago:
        started = time.monotonic()
        with pytest.raises(PapagoError) as caught:
            papago.translate("향수")
        elapsed = time.monotonic() - started
    assert (caught.value.kind, caught.value.status) == ("timeout", None)
    assert elapsed < 1.0
    assert server.request_count == 1


def test_a_retry_after_past_the_time_budget_is_not_waited_for(client, server):
    server.plan(Reply(429, "410", retry_after="30"))
    started = time.monotonic()
    with pytest.raises(PapagoError, match="busy"):
        client.translate("향수")
    assert time.monotonic() - started < 1.0
    assert server.request_count == 1


def test_retries_stop_when_the_total_time_is_spent(server):
    server.plan(*[Reply(503, "500", delay=0.3)] * 3)
    with PapagoClient(
        CLIENT_ID,
        CLIENT_SECRET,
        url=server.url,
        timeout=2.0,
        total_seconds=0.5,
        backoff_seconds=0.1,
    ) as papago:
        started = time.monotonic()
        with pytest.raises(PapagoError):
            papago.translate("향수")
        elapsed = time.monotonic() - started
    assert server.request_count == 2
    assert elapsed < 0.9


def test_text_over_the_limit_is_refused_before_sending(client, server):
    with pytest.raises(PapagoError) as caught:
        client.translate("가" * 5001)
    assert caught.value.kind == "too_long"
    assert server.request_count == 0
    assert client.translate("가" * 5000) == "translated"
    assert server.request_count == 1


def test_one_session_keeps_one_connection(client, server):
    client.translate("향수")
    client.translate("운동화를")
    ports = {received.client_port for received in server.received}
    assert len(ports) == 1


def test_an_unreachable_service_is_a_typed_error():
    port = free_port()
    url = f"http://127.0.0.1:{port}/nmt/v1/translation"
    with PapagoClient(CLIENT_ID, CLIENT_SECRET, url=url, timeout=1.0) as papago:
        with pytest.raises(PapagoError) as caught:
            papago.translate("향수")
    assert (caught.value.kind, caught.value.status) == ("unreachable", None)


# Translating a seller's prompt


def test_text_without_hangul_passes_through_unsent(client, server, tmp_path):
    result = translate("white marble, 3 pieces", data_dir=tmp_path, client=client)
    assert (result.english, result.source) == ("white marble, 3 pieces", "passthrough")
    assert server.request_count == 0


def test_a_translation_is_cached_and_not_bought_twice(client, server, tmp_path):
    first = translate("대리석 테이블 위, 아침 햇살", data_dir=tmp_path, client=client)
    second = translate("대리석 테이블 위, 아침 햇살", data_dir=tmp_path, client=client)
    assert (first.source, second.source) == ("papago", "cache")
    assert first.english == second.english == "On a marble table, morning sunlight"
    assert server.request_count == 1
    with sqlite3.connect(tmp_path / "lite.sqlite3") as db:
        rows = db.execute(
            "SELECT text, source, target, translated FROM translation_cache"
        ).fetchall()
    assert rows == [
        (
            "대리석 테이블 위, 아침 햇살",
            "ko",
            "en",
            "On a marble table, morning sunlight",
        )
    ]


def test_brand_names_and_quotes_survive_verbatim(client, server, tmp_path):
    result = translate(BRAND_PROMPT, data_dir=tmp_path, client=client)
    assert result.english == 'Nike sneakers "봄날" on marble'
    sent = server.received[0].fields["text"]
    assert "Nike" not in sent and "봄날" not in sent


@pytest.mark.parametrize(
    "quoted",
    ["'봄날'", "“봄날”", "‘봄날’", '"봄날"'],
    ids=["single", "curly", "curly-single", "double"],
)
def test_every_quote_style_is_kept(client, server, tmp_path, quoted):
    result = translate(f"{quoted} 향수", data_dir=tmp_path, client=client)
    assert result.english == f"{quoted} perfume"


def test_a_mangled_placeholder_falls_back_to_piece_by_piece(client, server, tmp_path):
    server.plan(Reply(drop_tokens=True))
    result = translate(BRAND_PROMPT, data_dir=tmp_path, client=client)
    assert result.source == "papago"
    assert result.english == 'Nike sneakers "봄날" on marble'
    assert [r.fields["text"] for r in server.received[1:]] == [
        "운동화를",
        "대리석 위에",
    ]


def test_a_papago_failure_falls_back_to_the_glossary(client, server, tmp_path):
    server.plan(*[Reply(503, "500")] * 3)
    text = "대리석 테이블 위, 아침 햇살"
    result = translate(text, data_dir=tmp_path, client=client)
    assert result.source == "glossary"
    assert result.english == glossary_translate(text).english
    assert "Papago failed" in result.note_en and "Papago 번역에 실패" in result.note_ko
    assert "busy" in result.note_en
    # A failure is not cached: once Papago is back, it answers.
    again = translate(text, data_dir=tmp_path, client=client)
    assert again.source == "papago"


def test_without_keys_the_glossary_says_so(tmp_path):
    result = translate("구름 위에 떠 있는 느낌 고양이", data_dir=tmp_path)
    assert result.source == "glossary"
    assert "No Papago keys" in result.note_en and "키가 없어" in result.note_ko
    assert result.unknown_words == ("고양이",)
    assert "고양이" in result.note_ko


def test_keys_from_the_environment_reach_the_server(server, monkeypatch, tmp_path):
    monkeypatch.setenv("PAPAGO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PAPAGO_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("PAPAGO_URL", server.base_url)
    result = translate("향수", data_dir=tmp_path)
    assert (result.english, result.source) == ("perfume", "papago")
    assert server.received[0].authorized


def test_a_bad_papago_url_means_no_papago_not_a_crash(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("PAPAGO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PAPAGO_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("PAPAGO_URL", "ftp://example")
    result = translate("향수", data_dir=tmp_path)
    assert result.source == "glossary"
    assert "PAPAGO_URL" in caplog.text


# Keys from a .env file


def test_env_file_reading(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "# Papago keys\n"
        "export PAPAGO_CLIENT_ID=abc123\n"
        "PAPAGO_CLIENT_SECRET = 'quoted # not a comment'\n"
        'PAPAGO_URL="http://127.0.0.1:9/base"\n'
        "OTHER=plain value # a comment\n"
        "not a pair\n\n",
        encoding="utf-8",
    )
    assert read_env_file(env) == {
        "PAPAGO_CLIENT_ID": "abc123",
        "PAPAGO_CLIENT_SECRET": "quoted # not a comment",
        "PAPAGO_URL": "http://127.0.0.1:9/base",
        "OTHER": "plain value",
    }


def test_keys_come_from_env_file_and_the_environment_wins(tmp_path, monkeypatch):
    env = tmp_path / "keys.env"
    env.write_text(
        f"PAPAGO_CLIENT_ID={CLIENT_ID}\nPAPAGO_CLIENT_SECRET={CLIENT_SECRET}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LITE_ENV_FILE", str(env))
    keys = papago_keys()
    assert keys is not None
    assert (keys.client_id, keys.client_secret, keys.url) == (
        CLIENT_ID,
        CLIENT_SECRET,
        DEFAULT_URL,
    )
    monkeypatch.setenv("PAPAGO_CLIENT_SECRET", "")
    assert papago_keys() is None


def test_the_project_env_file_is_git_ignored():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT, check=False
    )
    assert ignored.returncode == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", DEFAULT_URL),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/nmt/v1/translation"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/nmt/v1/translation"),
        (
            "https://host.test/nmt/v1/translation",
            "https://host.test/nmt/v1/translation",
        ),
    ],
    ids=["default", "base", "base-slash", "full"],
)
def test_papago_url_may_be_a_base_or_the_full_endpoint(given, expected):
    assert endpoint(given) == expected


# Keys stay secret


FAILURES = {
    "auth": [Reply(401, "200")],
    "endpoint-error": [Reply(503, "500", "flat")] * 3,
    "quota": [Reply(429, "400")],
    "n2mt05": [Reply(400, "N2MT05", "flat")],
    "timeout": [Reply(delay=1.0)],
    "mangled-then-down": [Reply(drop_tokens=True), Reply(500, "N2MT99")]
    + [Reply(503, "500")] * 2,
}


@pytest.mark.parametrize("scenario", FAILURES)
def test_keys_never_appear_in_logs_or_errors(server, tmp_path, caplog, scenario):
    caplog.set_level(logging.DEBUG)
    papago = PapagoClient(
        CLIENT_ID, CLIENT_SECRET, url=server.url, timeout=0.3, backoff_seconds=0.01
    )
    server.plan(*FAILURES[scenario])
    with papago:
        result = translate(BRAND_PROMPT, data_dir=tmp_path, client=papago)
    assert result.source == "glossary"
    seen = [caplog.text, repr(result), repr(papago), repr(papago_keys())]

    server.clear_plan()
    server.plan(*FAILURES[scenario])
    try:
        papago.translate("대리석 위에")
    except PapagoError as error:
        seen += [str(error), repr(error), str(error.context), error.user_message()]
    seen_text = "\n".join(seen)
    assert CLIENT_ID not in seen_text and CLIENT_SECRET not in seen_text


# The command line


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("PAPAGO_")
    } | {
        "LITE_ENV_FILE": str(tmp_path / "absent.env"),
        "LITE_DATA_DIR": str(tmp_path / "data"),
        "PYTHONIOENCODING": "utf-8",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "lite_app", "-v", "translate", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_cli_without_keys_uses_the_glossary(tmp_path):
    done = _cli(["대리석 테이블 위, 아침 햇살"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["on marble table, morning sunlight", "source: glossary"]


def test_cli_with_keys_uses_papago_then_the_cache(server, tmp_path):
    keys = {
        "PAPAGO_CLIENT_ID": CLIENT_ID,
        "PAPAGO_CLIENT_SECRET": CLIENT_SECRET,
        "PAPAGO_URL": server.url,
    }
    first = _cli(["구름 위에 떠 있는 느낌", "--scene"], tmp_path, **keys)
    second = _cli(["구름 위에 떠 있는 느낌"], tmp_path, **keys)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:2] == [
        "The feeling of floating on clouds",
        "source: papago",
    ]
    assert "scene: cloud-sky" in first.stdout
    assert second.stdout.splitlines()[1] == "source: cache"
    assert server.request_count == 1
    for done in (first, second):
        output = done.stdout + done.stderr
        assert CLIENT_ID not in output and CLIENT_SECRET not in output


def test_cli_refuses_empty_text(tmp_path):
    done = _cli(["  "], tmp_path)
    assert done.returncode == 2
