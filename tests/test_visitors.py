"""Visitor ids: signed with the server secret, refused when forged or altered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from lite_app import visitors
from lite_app.errors import LiteError
from lite_app.visitors import VisitorRefused


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LITE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LITE_SECRET", raising=False)
    return tmp_path


def _flip(text: str, index: int) -> str:
    swapped = "A" if text[index] != "A" else "B"
    return text[:index] + swapped + text[index + 1 :]


def test_new_visitor_token_verifies_to_its_id() -> None:
    token = visitors.new_visitor()
    visitor_id = visitors.verify(token)
    assert token.split(".")[1] == visitor_id
    assert len(visitor_id) == 22
    assert visitors.is_visitor_id(visitor_id)


def test_two_new_visitors_get_different_ids() -> None:
    ids = {visitors.verify(visitors.new_visitor()) for _ in range(50)}
    assert len(ids) == 50


def test_secret_is_generated_once_with_owner_only_permissions(data_dir: Path) -> None:
    first = visitors.new_visitor()
    secret_file = data_dir / visitors.SECRET_FILE_NAME
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    content = secret_file.read_bytes()
    assert len(content) >= visitors.MIN_SECRET_CHARS
    visitors.new_visitor()
    assert secret_file.read_bytes() == content
    assert visitors.verify(first)


def test_loose_secret_file_permissions_are_tightened(data_dir: Path) -> None:
    token = visitors.new_visitor()
    secret_file = data_dir / visitors.SECRET_FILE_NAME
    secret_file.chmod(0o644)
    assert visitors.verify(token)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_token_survives_a_restart_because_the_secret_is_on_disk(
    data_dir: Path,
) -> None:
    token = visitors.new_visitor()
    # A new process reads the same file; nothing is cached in memory.
    assert visitors.server_secret(data_dir) == visitors.server_secret()
    assert visitors.verify(token, data_dir)


@pytest.mark.parametrize(
    "part, index",
    [("id", 0), ("id", 10), ("signature", 0), ("signature", -1)],
    ids=["id-first", "id-middle", "signature-first", "signature-last"],
)
def test_altered_token_is_refused(part: str, index: int) -> None:
    version, visitor_id, signature = visitors.new_visitor().split(".")
    if part == "id":
        visitor_id = _flip(visitor_id, index % len(visitor_id))
    else:
        signature = _flip(signature, index % len(signature))
    with pytest.raises(VisitorRefused, match="could not be confirmed"):
        visitors.verify(f"{version}.{visitor_id}.{signature}")


def test_token_signed_with_another_secret_is_refused() -> None:
    visitor_id = "A" * 22
    message = f"sporky-lite visitor v1 {visitor_id}".encode()
    forged = hmac.new(b"guessed secret" * 4, message, hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(VisitorRefused):
        visitors.verify(f"v1.{visitor_id}.{signature}")


def test_token_from_another_server_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other-server"
    token = visitors.new_visitor(other)
    assert visitors.verify(token, other)
    with pytest.raises(VisitorRefused):
        visitors.verify(token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1..",
        "v2.AAAAAAAAAAAAAAAAAAAAAA.x",
        "hf:alice",
        "x" * 500,
        "v1.a.b.c",
    ],
    ids=["empty", "version-only", "empty-parts", "v2", "hf-id", "long", "four-parts"],
)
def test_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(VisitorRefused):
        visitors.verify(token)


def test_refusal_is_a_lite_error_with_korean_and_english() -> None:
    with pytest.raises(LiteError) as caught:
        visitors.verify("v1.nope.nope")
    message = caught.value.user_message()
    assert "방문자" in message and "visitor" in message
    assert "signature" not in message


def test_lite_secret_from_the_environment_signs_tokens(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setenv("LITE_SECRET", "s" * 40)
    token = visitors.new_visitor()
    assert not (data_dir / visitors.SECRET_FILE_NAME).exists()
    assert visitors.verify(token)
    monkeypatch.setenv("LITE_SECRET", "t" * 40)
    with pytest.raises(VisitorRefused):
        visitors.verify(token)


def test_short_lite_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITE_SECRET", "short")
    with pytest.raises(ValueError, match="at least 32"):
        visitors.new_visitor()


def test_hugging_face_user_maps_to_hf_visitor() -> None:
    assert visitors.hf_visitor("alice-shop") == "hf:alice-shop"
    assert visitors.is_visitor_id("hf:alice-shop")
    visitor = visitors.identify(visitors.new_visitor(), hf_username="alice-shop")
    assert visitor.visitor_id == "hf:alice-shop"
    assert visitor.token == ""


@pytest.mark.parametrize("name", ["", "a b", "x:y", "<b>", "-lead"], ids=str)
def test_malformed_hugging_face_name_is_refused(name: str) -> None:
    with pytest.raises(VisitorRefused):
        visitors.hf_visitor(name)


def test_identify_issues_a_token_on_first_visit_and_keeps_it_after() -> None:
    first = visitors.identify(None)
    assert first.is_new and not first.refused
    again = visitors.identify(first.token)
    assert again.visitor_id == first.visitor_id
    assert not again.is_new


def test_identify_replaces_a_forged_token_with_a_fresh_visitor() -> None:
    honest = visitors.identify(None)
    forged = _flip(honest.token, 5)
    visitor = visitors.identify(forged)
    assert visitor.refused and visitor.is_new
    assert visitor.visitor_id != honest.visitor_id
    assert visitor.visitor_id != forged.split(".")[1]
    assert visitors.verify(visitor.token) == visitor.visitor_id


def test_operator_may_give_a_token_or_an_id() -> None:
    token = visitors.new_visitor()
    visitor_id = visitors.verify(token)
    assert visitors.visitor_id_from(token) == visitor_id
    assert visitors.visitor_id_from(visitor_id) == visitor_id
    assert visitors.visitor_id_from("hf:bob") == "hf:bob"
    with pytest.raises(VisitorRefused):
        visitors.visitor_id_from("x'); DROP TABLE visitors; --")
