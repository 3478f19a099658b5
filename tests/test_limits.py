"""Rate limits: token buckets per visitor and per address, and the app's doors."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from conftest import free_port, jpeg_bytes, synthetic_product

from lite_app import limits
from lite_app.errors import RateLimited


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_limits():
    limits.reset()
    yield
    limits.reset()


def test_a_bucket_allows_a_burst_then_refuses_with_the_wait():
    clock = Clock()
    bucket = limits.TokenBucket(6, clock=clock)
    assert all(bucket.take("a").allowed for _ in range(6))
    refused = bucket.take("a")
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(10.0)
    assert bucket.take("b").allowed


def test_a_bucket_refills_at_its_rate():
    clock = Clock()
    bucket = limits.TokenBucket(6, clock=clock)
    for _ in range(6):
        bucket.take("a")
    clock.now += 9.9
    assert not bucket.take("a").allowed
    clock.now += 0.2
    assert bucket.take("a").allowed
    assert not bucket.take("a").allowed
    clock.now += 600
    assert sum(bucket.take("a").allowed for _ in range(10)) == 6


def test_a_bucket_is_exact_under_threads():
    bucket = limits.TokenBucket(50, clock=Clock())
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            decision = bucket.take("shared")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 800
    assert sum(allowed) == 50


def test_a_bucket_forgets_keys_beyond_its_bound():
    clock = Clock()
    bucket = limits.TokenBucket(3, max_keys=100, clock=clock)
    for number in range(1000):
        bucket.take(f"address-{number}")
        clock.now += 0.5
    assert len(bucket) <= 101


def test_zero_switches_a_limit_off():
    bucket = limits.TokenBucket(0, clock=Clock())
    assert all(bucket.take("a").allowed for _ in range(1000))
    assert len(bucket) == 0


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LITE_EDITS_PER_MINUTE", "2")
    monkeypatch.setenv("LITE_EDITS_PER_MINUTE_PER_ADDRESS", "0")
    limits.check_edit("10.0.0.1", "visitor-a")
    limits.check_edit("10.0.0.1", "visitor-a")
    with pytest.raises(RateLimited) as caught:
        limits.check_edit("10.0.0.1", "visitor-a")
    assert caught.value.context["retry_after_s"] == 30
    limits.check_edit("10.0.0.1", "visitor-b")


@pytest.mark.parametrize("value", ["many", "-1", "1.5"])
def test_a_bad_setting_is_named(monkeypatch, value):
    monkeypatch.setenv("LITE_PROMO_TRIES_PER_MINUTE", value)
    with pytest.raises(ValueError, match="LITE_PROMO_TRIES_PER_MINUTE"):
        limits.check_promo("10.0.0.1", "visitor-a")


def test_an_address_shared_by_many_visitors_is_limited(monkeypatch):
    monkeypatch.setenv("LITE_PROMO_TRIES_PER_MINUTE", "5")
    monkeypatch.setenv("LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS", "8")
    for number in range(8):
        limits.check_promo("10.0.0.9", f"fresh-visitor-{number}")
    with pytest.raises(RateLimited):
        limits.check_promo("10.0.0.9", "yet-another-visitor")
    limits.check_promo("10.0.0.10", "yet-another-visitor")


def test_a_limited_visitor_does_not_wear_down_the_shared_address(monkeypatch):
    monkeypatch.setenv("LITE_PROMO_TRIES_PER_MINUTE", "2")
    monkeypatch.setenv("LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS", "10")
    refused = 0
    for _ in range(20):
        try:
            limits.check_promo("10.0.0.9", "greedy")
        except RateLimited:
            refused += 1
    assert refused == 18
    for number in range(8):
        limits.check_promo("10.0.0.9", f"neighbour-{number}")
    with pytest.raises(RateLimited):
        limits.check_promo("10.0.0.9", "one-too-many")


def test_the_message_is_plain_korean_and_english(monkeypatch):
    monkeypatch.setenv("LITE_EDITS_PER_MINUTE_PER_ADDRESS", "1")
    limits.check_edit("10.0.0.1")
    with pytest.raises(RateLimited) as caught:
        limits.check_edit("10.0.0.1")
    message = caught.value.user_message("ko")
    assert "요청이 너무 잦습니다" in message
    assert "60초 뒤에" in message
    assert "try again in 60 s" in caught.value.user_message("en")
    assert "10.0.0.1" not in message


def test_the_address_comes_from_the_connection_unless_a_proxy_is_trusted(
    monkeypatch,
):
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("LITE_TRUST_FORWARDED", raising=False)
    request = SimpleNamespace(
        client=SimpleNamespace(host="10.1.2.3"),
        headers={"x-forwarded-for": "1.1.1.1, 203.0.113.7"},
    )
    assert limits.client_address(request) == "10.1.2.3"
    monkeypatch.setenv("LITE_TRUST_FORWARDED", "1")
    assert limits.client_address(request) == "203.0.113.7"
    assert limits.client_address(None) == limits.UNKNOWN_ADDRESS


def test_the_app_refuses_a_flood_from_one_address(monkeypatch, tmp_path):
    gradio_client = pytest.importorskip("gradio_client")
    from lite_app.cutout import warm_up
    from lite_app.ui import build_demo

    monkeypatch.setenv("LITE_EDITS_PER_MINUTE_PER_ADDRESS", "2")
    warm_up(download=True)
    demo = build_demo()
    port = free_port()
    demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True
    )
    try:
        client = gradio_client.Client(f"http://127.0.0.1:{port}/", verbose=False)
        photo = tmp_path / "bottle.jpg"
        photo.write_bytes(jpeg_bytes(synthetic_product((320, 240))[0]))
        handle = gradio_client.handle_file(str(photo))
        for _ in range(2):
            client.predict(photo=handle, look_json="{}", api_name="/preview")
        with pytest.raises(gradio_client.exceptions.AppError) as caught:
            client.predict(
                photo=handle, look_json="{}", visitor_token="", api_name="/edit"
            )
        assert "요청이 너무 잦습니다" in str(caught.value)
        assert "Traceback" not in str(caught.value)
    finally:
        demo.close()
