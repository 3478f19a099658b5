"""Credits: trial, charges, plans, promo codes, the ledger and the usage report."""

from __future__ import annotations

import csv
import io
import multiprocessing
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lite_app import credits, store, visitors
from lite_app.errors import NotEnoughCredits, RateLimited
from lite_app.look import Look

NOW = datetime(2025, 7, 10, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LITE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "5")
    monkeypatch.setenv("LITE_PLAN_IMAGES", "2000")
    monkeypatch.delenv("LITE_SECRET", raising=False)
    return tmp_path


@pytest.fixture
def visitor() -> str:
    return visitors.verify(visitors.new_visitor())


def _no_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "0")


def _rows(query: str, *parameters: Any) -> list[sqlite3.Row]:
    connection = store.connect()
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()


def _charge_rows(visitor_id: str) -> list[credits.LedgerRow]:
    return [row for row in credits.ledger_rows(visitor_id) if row.kind == "charge"]


# --- trial ----------------------------------------------------------------------


def test_first_sight_grants_the_trial_once(visitor: str) -> None:
    first = credits.balance(visitor, now=NOW)
    again = credits.balance(visitor, now=NOW + timedelta(days=3))
    assert first.images_left == again.images_left == 5
    assert first.free_images == 5
    trial_rows = [row for row in credits.ledger_rows(visitor) if row.kind == "trial"]
    assert [(row.images, row.krw, row.pool) for row in trial_rows] == [(5, 0, "free")]


def test_trial_size_follows_the_setting(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "2")
    assert credits.balance(visitor, now=NOW).images_left == 2


def test_malformed_visitor_id_is_refused() -> None:
    with pytest.raises(visitors.VisitorRefused):
        credits.balance("x'); DROP TABLE visitors; --", now=NOW)
    assert _rows("SELECT COUNT(*) FROM visitors")[0][0] == 0


# --- charging -------------------------------------------------------------------


def test_charge_spends_one_image_and_writes_a_ledger_row(visitor: str) -> None:
    charge = credits.charge(visitor, "result-1", now=NOW)
    assert charge.charged and charge.pool == "free" and charge.krw == 15
    assert credits.balance(visitor, now=NOW).images_left == 4
    rows = _charge_rows(visitor)
    assert [(r.images, r.krw, r.result_key, r.pool) for r in rows] == [
        (1, 15, "result-1", "free")
    ]
    assert rows[0].at == NOW


def test_same_result_downloaded_again_is_free(visitor: str) -> None:
    credits.charge(visitor, "result-1", now=NOW)
    again = credits.charge(visitor, "result-1", now=NOW + timedelta(hours=1))
    assert not again.charged and again.krw == 0
    assert credits.balance(visitor, now=NOW).images_left == 4
    assert len(_charge_rows(visitor)) == 1


def test_re_download_is_free_even_with_no_images_left(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "1")
    credits.charge(visitor, "only-one", now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 0
    assert not credits.charge(visitor, "only-one", now=NOW).charged
    with pytest.raises(NotEnoughCredits):
        credits.charge(visitor, "another", now=NOW)


def test_same_result_for_another_visitor_is_charged(visitor: str) -> None:
    other = visitors.verify(visitors.new_visitor())
    assert credits.charge(visitor, "same-photo-and-look", now=NOW).charged
    assert credits.charge(other, "same-photo-and-look", now=NOW).charged


def test_result_key_depends_on_photo_and_look() -> None:
    look = Look()
    key = credits.result_key(b"photo bytes", look)
    assert key == credits.result_key(b"photo bytes", Look())
    assert key != credits.result_key(b"other bytes", look)
    assert key != credits.result_key(b"photo bytes", look.with_changes(seed=7))
    assert len(key) == 64


def test_failed_edit_costs_nothing(visitor: str) -> None:
    with pytest.raises(RuntimeError, match="model crashed"):
        with credits.charge_on_success(visitor, "result-1", now=NOW):
            raise RuntimeError("model crashed")
    assert credits.balance(visitor, now=NOW).images_left == 5
    assert _charge_rows(visitor) == []
    assert _rows("SELECT COUNT(*) FROM holds")[0][0] == 0


def test_successful_edit_is_charged_after_the_work(visitor: str) -> None:
    with credits.charge_on_success(visitor, "result-1", now=NOW) as pending:
        # While the work runs the image is set aside, not yet charged.
        assert credits.balance(visitor, now=NOW).images_left == 4
        assert _charge_rows(visitor) == []
        assert pending.charge is None
    assert pending.charge is not None and pending.charge.charged
    assert credits.balance(visitor, now=NOW).images_left == 4
    assert len(_charge_rows(visitor)) == 1


def test_reserve_then_release_gives_the_image_back(visitor: str) -> None:
    hold = credits.reserve(visitor, "result-1", now=NOW)
    assert hold.pool == "free"
    assert credits.balance(visitor, now=NOW).images_left == 4
    credits.release(hold)
    credits.release(hold)  # twice is harmless
    assert credits.balance(visitor, now=NOW).images_left == 5
    assert _charge_rows(visitor) == []


def test_reserve_refuses_before_any_work_when_nothing_is_left(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "1")
    held = credits.reserve(visitor, "first", now=NOW)
    with pytest.raises(NotEnoughCredits):
        credits.reserve(visitor, "second", now=NOW)
    credits.commit(held, now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 0


def test_two_requests_for_one_result_are_charged_once(visitor: str) -> None:
    first = credits.reserve(visitor, "double-click", now=NOW)
    second = credits.reserve(visitor, "double-click", now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 3
    assert credits.commit(first, now=NOW).charged
    assert not credits.commit(second, now=NOW).charged
    assert credits.balance(visitor, now=NOW).images_left == 4
    assert len(_charge_rows(visitor)) == 1


def test_hold_left_by_a_dead_process_goes_back(visitor: str) -> None:
    credits.reserve(visitor, "never-finished", now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 4
    later = NOW + timedelta(minutes=credits.HOLD_MINUTES + 1)
    assert credits.balance(visitor, now=later).images_left == 5
    assert _charge_rows(visitor) == []


def test_no_images_left_says_how_to_get_more(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    with pytest.raises(NotEnoughCredits) as caught:
        credits.charge(visitor, "result-1", now=NOW)
    message = caught.value.user_message()
    assert "월 요금제" in message and "프로모션 링크" in message
    assert "monthly plan" in message and "promo link" in message
    assert message.index("월 요금제") < message.index("monthly plan")
    assert _charge_rows(visitor) == []


def test_refund_returns_the_image_and_is_recorded(visitor: str) -> None:
    credits.charge(visitor, "bad-result", now=NOW)
    assert credits.refund(visitor, "bad-result", reason="blurry", now=NOW)
    assert not credits.refund(visitor, "bad-result", now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 5
    refunds = [row for row in credits.ledger_rows(visitor) if row.kind == "refund"]
    assert [(r.images, r.krw, r.pool, r.note) for r in refunds] == [
        (1, 15, "free", "blurry")
    ]
    # After a refund the same result costs again.
    assert credits.charge(visitor, "bad-result", now=NOW).charged


def test_refund_of_an_uncharged_result_changes_nothing(visitor: str) -> None:
    credits.balance(visitor, now=NOW)
    assert not credits.refund(visitor, "never-charged", now=NOW)
    assert credits.balance(visitor, now=NOW).images_left == 5


def test_balance_columns_cannot_go_below_zero(visitor: str) -> None:
    credits.balance(visitor, now=NOW)
    connection = store.connect()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                "UPDATE visitors SET free_images = -1 WHERE visitor_id = ?", (visitor,)
            )
    finally:
        connection.close()


def test_request_text_in_a_result_key_is_only_a_parameter(visitor: str) -> None:
    key = "x'); DROP TABLE ledger; --"
    credits.charge(visitor, key, now=NOW)
    assert _charge_rows(visitor)[0].result_key == key
    assert _rows("SELECT COUNT(*) FROM ledger")[0][0] == 2


# --- paid images and plans ------------------------------------------------------


def test_paid_images_are_priced_at_15_krw(visitor: str) -> None:
    balance = credits.add_paid_images(visitor, 100, now=NOW)
    assert balance.paid_images == 100 and balance.images_left == 105
    purchase = [row for row in credits.ledger_rows(visitor) if row.kind == "purchase"]
    assert [(r.images, r.krw, r.pool) for r in purchase] == [(100, 1500, "paid")]


def test_spend_order_is_plan_then_paid_then_trial(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "1")
    monkeypatch.setenv("LITE_PLAN_IMAGES", "2")
    credits.add_paid_images(visitor, 2, now=NOW)
    credits.grant_plan(visitor, 1, now=NOW)
    pools = [credits.charge(visitor, f"r{i}", now=NOW).pool for i in range(5)]
    assert pools == ["plan", "plan", "paid", "paid", "free"]
    with pytest.raises(NotEnoughCredits):
        credits.charge(visitor, "r5", now=NOW)


def test_plan_allowance_lasts_30_days(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    balance = credits.grant_plan(visitor, 1, now=NOW)
    assert balance.plan_images_left == 2000 and balance.images_left == 2000
    assert balance.plan_until == NOW + timedelta(days=30)
    credits.charge(visitor, "in-plan", now=NOW + timedelta(days=29))
    just_before = credits.balance(visitor, now=NOW + timedelta(days=30, seconds=-1))
    assert just_before.plan_images_left == 1999
    lapsed = credits.balance(visitor, now=NOW + timedelta(days=30))
    assert lapsed.images_left == 0 and lapsed.plan_until is None
    with pytest.raises(NotEnoughCredits):
        credits.charge(visitor, "after-plan", now=NOW + timedelta(days=31))


def test_plan_grant_is_recorded_at_the_monthly_price(visitor: str) -> None:
    credits.grant_plan(visitor, 1, now=NOW)
    plans = [row for row in credits.ledger_rows(visitor) if row.kind == "plan"]
    assert [(r.images, r.krw, r.pool) for r in plans] == [(2000, 19_000, "plan")]


def test_months_follow_each_other_with_a_fresh_allowance(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    monkeypatch.setenv("LITE_PLAN_IMAGES", "3")
    balance = credits.grant_plan(visitor, 2, now=NOW)
    assert balance.plan_images_left == 3 and balance.plan_periods_ahead == 1
    for i in range(3):
        credits.charge(visitor, f"month-1-{i}", now=NOW)
    with pytest.raises(NotEnoughCredits):
        credits.charge(visitor, "month-1-extra", now=NOW)
    second = credits.balance(visitor, now=NOW + timedelta(days=31))
    assert second.plan_images_left == 3 and second.plan_periods_ahead == 0
    assert second.plan_until == NOW + timedelta(days=60)
    assert credits.balance(visitor, now=NOW + timedelta(days=61)).images_left == 0


def test_renewing_a_running_plan_starts_when_it_ends(visitor: str) -> None:
    credits.grant_plan(visitor, 1, now=NOW)
    balance = credits.grant_plan(visitor, 1, now=NOW + timedelta(days=10))
    assert balance.plan_until == NOW + timedelta(days=30)
    assert balance.plan_periods_ahead == 1
    starts = _rows("SELECT starts_at FROM plan_periods ORDER BY id")
    assert [row[0][:10] for row in starts] == ["2025-07-10", "2025-08-09"]


def test_refund_after_the_plan_lapsed_goes_to_free_images(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    credits.grant_plan(visitor, 1, now=NOW)
    credits.charge(visitor, "late-complaint", now=NOW)
    later = NOW + timedelta(days=40)
    assert credits.refund(visitor, "late-complaint", now=later)
    assert credits.balance(visitor, now=later).free_images == 1


# --- promo codes ----------------------------------------------------------------


def _promo(images: int = 30, max_uses: int = 100, **kwargs: Any) -> credits.Promo:
    return credits.create_promo(
        images, max_uses, kwargs.pop("expires", date(2025, 12, 31)), now=NOW, **kwargs
    )


def test_promo_codes_are_random_long_and_url_safe() -> None:
    codes = {_promo().code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) >= 10
        assert set(code) <= set(credits.PROMO_ALPHABET)
    code = codes.pop()
    assert credits.promo_link(code) == f"/?promo={code}"
    assert credits.promo_link(code, "https://x.example/") == (
        f"https://x.example/?promo={code}"
    )


def test_promo_grants_its_images_once_per_visitor(visitor: str) -> None:
    promo = _promo(images=30)
    first = credits.redeem_promo(visitor, promo.code, now=NOW)
    assert first.granted and first.images == 30
    again = credits.redeem_promo(visitor, promo.code, now=NOW)
    assert not again.granted
    assert credits.balance(visitor, now=NOW).images_left == 35
    grants = [row for row in credits.ledger_rows(visitor) if row.kind == "promo"]
    assert [(r.images, r.krw, r.pool) for r in grants] == [(30, 0, "free")]


def test_promo_code_is_read_without_case_or_spaces(visitor: str) -> None:
    promo = _promo()
    assert credits.redeem_promo(visitor, f"  {promo.code.lower()} ", now=NOW).granted


def test_promo_stops_at_its_max_uses() -> None:
    promo = _promo(images=3, max_uses=2)
    people = [visitors.verify(visitors.new_visitor()) for _ in range(3)]
    assert credits.redeem_promo(people[0], promo.code, now=NOW).granted
    assert credits.redeem_promo(people[1], promo.code, now=NOW).granted
    with pytest.raises(credits.PromoRefused, match="used up"):
        credits.redeem_promo(people[2], promo.code, now=NOW)
    assert credits.balance(people[2], now=NOW).images_left == 5
    uses = _rows("SELECT uses FROM promo_codes WHERE code = ?", promo.code)[0][0]
    assert uses == 2


def test_promo_is_valid_through_its_last_day_in_korean_time(visitor: str) -> None:
    promo = _promo(expires=date(2025, 7, 31))
    # 2025-07-31 23:59 KST is 14:59 UTC; midnight KST is 15:00 UTC.
    last_minute = datetime(2025, 7, 31, 14, 59, tzinfo=UTC)
    ended = datetime(2025, 7, 31, 15, 0, tzinfo=UTC)
    other = visitors.verify(visitors.new_visitor())
    with pytest.raises(credits.PromoRefused, match="expired"):
        credits.redeem_promo(other, promo.code, now=ended)
    assert credits.redeem_promo(visitor, promo.code, now=last_minute).granted


def test_promo_before_its_start_is_refused(visitor: str) -> None:
    promo = _promo(starts=date(2025, 8, 1))
    with pytest.raises(credits.PromoRefused, match="not valid yet"):
        credits.redeem_promo(visitor, promo.code, now=NOW)
    started = datetime(2025, 7, 31, 15, 0, tzinfo=UTC)
    assert credits.redeem_promo(visitor, promo.code, now=started).granted


def test_promo_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        _promo(expires=date(2025, 7, 1))


def test_wrong_promo_code_is_refused_plainly(visitor: str) -> None:
    with pytest.raises(credits.PromoRefused) as caught:
        credits.redeem_promo(visitor, "NOTAREALCODE", now=NOW)
    assert "프로모션 코드" in caught.value.user_message()


def test_repeated_wrong_codes_are_slowed_down(visitor: str) -> None:
    promo = _promo()
    for attempt in range(credits.FREE_PROMO_MISSES):
        with pytest.raises(credits.PromoRefused):
            credits.redeem_promo(visitor, f"WRONG{attempt}", now=NOW)
    # Blocked now, even for the right code.
    with pytest.raises(RateLimited) as caught:
        credits.redeem_promo(visitor, promo.code, now=NOW + timedelta(seconds=10))
    assert caught.value.context["retry_after"] == 21
    assert "초 뒤에" in caught.value.user_message()
    # After the wait, a sixth wrong code blocks twice as long.
    after_first = NOW + timedelta(seconds=31)
    with pytest.raises(credits.PromoRefused):
        credits.redeem_promo(visitor, "WRONG5", now=after_first)
    with pytest.raises(RateLimited) as caught:
        credits.redeem_promo(visitor, promo.code, now=after_first)
    assert caught.value.context["retry_after"] == 61
    assert credits.redeem_promo(
        visitor, promo.code, now=after_first + timedelta(seconds=61)
    ).granted


def test_wrong_code_slowdown_is_per_visitor_and_kept_in_the_database(
    visitor: str,
) -> None:
    for attempt in range(credits.FREE_PROMO_MISSES):
        with pytest.raises(credits.PromoRefused):
            credits.redeem_promo(visitor, f"WRONG{attempt}", now=NOW)
    rows = _rows("SELECT misses, blocked_until FROM promo_misses")
    assert [(row[0], row[1] is not None) for row in rows] == [(5, True)]
    other = visitors.verify(visitors.new_visitor())
    assert credits.redeem_promo(other, _promo().code, now=NOW).granted


def test_sql_in_a_promo_code_is_just_a_wrong_code(visitor: str) -> None:
    with pytest.raises(credits.PromoRefused):
        credits.redeem_promo(visitor, "x'); DROP TABLE promo_codes; --", now=NOW)
    assert credits.redeem_promo(visitor, _promo().code, now=NOW).granted


# --- ledger and report ------------------------------------------------------------


def _month_of_activity(visitor: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Trial 5, buy 10, promo 30, 4 charges (2 free, 2 refunded once), plan."""
    monkeypatch.setenv("LITE_PLAN_IMAGES", "100")
    credits.balance(visitor, now=NOW)
    credits.add_paid_images(visitor, 10, now=NOW)
    credits.redeem_promo(visitor, _promo().code, now=NOW)
    for i in range(3):
        credits.charge(visitor, f"paid-{i}", now=NOW)
    credits.refund(visitor, "paid-0", now=NOW)
    other = visitors.verify(visitors.new_visitor())
    credits.grant_plan(other, 1, now=NOW)
    credits.charge(other, "plan-0", now=NOW)
    return other


def test_ledger_totals_match_the_balance(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month_of_activity(visitor, monkeypatch)
    rows = credits.ledger_rows(visitor)
    granted = sum(r.images for r in rows if r.kind in credits.GRANT_KINDS)
    charged = sum(r.images for r in rows if r.kind == "charge")
    refunded = sum(r.images for r in rows if r.kind == "refund")
    assert (granted, charged, refunded) == (45, 3, 1)
    assert credits.balance(visitor, now=NOW).images_left == granted - charged + refunded
    money = sum(r.krw for r in rows if r.kind == "purchase")
    assert money == 150


def test_usage_report_totals_per_visitor_and_pool(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _month_of_activity(visitor, monkeypatch)
    lines = {
        (line.visitor_id, line.pool): line for line in credits.usage_report("2025-07")
    }
    assert set(lines) == {
        (visitor, "free"),
        (visitor, "paid"),
        (other, "free"),
        (other, "plan"),
    }
    paid = lines[(visitor, "paid")]
    assert (paid.granted_images, paid.paid_krw) == (10, 150)
    assert (paid.charged_images, paid.refunded_images, paid.used_images) == (3, 1, 2)
    assert paid.used_value_krw == 30
    free = lines[(visitor, "free")]
    assert (free.granted_images, free.paid_krw, free.used_images) == (35, 0, 0)
    plan = lines[(other, "plan")]
    assert (plan.granted_images, plan.paid_krw, plan.used_images) == (100, 19_000, 1)
    assert credits.usage_report("2025-06") == []


def test_report_month_follows_korean_time(visitor: str) -> None:
    # 2025-07-31 16:00 UTC is already 1 August in Korea.
    credits.charge(visitor, "late", now=datetime(2025, 7, 31, 16, 0, tzinfo=UTC))
    july = credits.usage_report("2025-07")
    august = credits.usage_report("2025-08")
    assert [line.granted_images for line in july] == []
    assert [(line.charged_images, line.granted_images) for line in august] == [(1, 5)]


def test_report_as_text_lines_up_with_a_total(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month_of_activity(visitor, monkeypatch)
    text = credits.format_report(credits.usage_report("2025-07"))
    lines = text.splitlines()
    assert lines[0].split() == list(credits.REPORT_COLUMNS)
    assert len(lines) == 1 + 4 + 1
    total = lines[-1].split()
    # granted, paid KRW, charged, refunded, used, used value
    assert total == ["total", "150", "19150", "4", "1", "3", "45"]
    assert len({len(line) for line in lines}) == 1  # right-aligned numbers
    paid_line = next(line for line in lines if visitor in line and " paid " in line)
    assert paid_line.split()[3:] == ["10", "150", "3", "1", "2", "30"]


def test_report_as_csv_parses_back(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month_of_activity(visitor, monkeypatch)
    text = credits.format_report(credits.usage_report("2025-07"), as_csv=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert sum(int(row["paid_krw"]) for row in rows) == 19_150
    mine = {row["pool"]: row for row in rows if row["visitor_id"] == visitor}
    assert mine["paid"]["used_images"] == "2" and mine["paid"]["month"] == "2025-07"


@pytest.mark.parametrize("month", ["2025-13", "2025-7", "July", "2025-00"], ids=str)
def test_report_refuses_a_malformed_month(month: str) -> None:
    with pytest.raises(ValueError, match="month"):
        credits.usage_report(month)


# --- concurrency ------------------------------------------------------------------


def test_twenty_threads_share_ten_images_exactly(
    visitor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    credits.add_paid_images(visitor, 10, now=NOW)
    start = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def spend(number: int) -> None:
        start.wait()
        try:
            credits.charge(visitor, f"thread-{number}", now=NOW)
            outcome = "charged"
        except NotEnoughCredits:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=spend, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["charged"] * 10 + ["refused"] * 10
    assert credits.balance(visitor, now=NOW).images_left == 0
    assert len(_charge_rows(visitor)) == 10


def test_twenty_threads_downloading_one_result_pay_once(visitor: str) -> None:
    start = threading.Barrier(20)
    charged: list[bool] = []

    def download() -> None:
        start.wait()
        charged.append(credits.charge(visitor, "one-result", now=NOW).charged)

    threads = [threading.Thread(target=download) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(charged) == [False] * 19 + [True]
    assert credits.balance(visitor, now=NOW).images_left == 4


def _spend_in_a_process(
    data_dir: str, visitor_id: str, keys: list[str], start: Any, outcomes: Any
) -> None:
    start.wait()
    for key in keys:
        try:
            with credits.charge_on_success(visitor_id, key, data_dir=Path(data_dir)):
                pass
            outcomes.put("charged")
        except NotEnoughCredits:
            outcomes.put("refused")


def _keys(process: int) -> list[str]:
    return [f"process-{process}-result-{number}" for number in range(4)]


def test_several_processes_share_ten_images_exactly(
    visitor: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_trial(monkeypatch)
    credits.add_paid_images(visitor, 10)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(5)
    outcomes = context.Queue()
    workers = [
        context.Process(
            target=_spend_in_a_process,
            args=(str(data_dir), visitor, _keys(p), start, outcomes),
        )
        for p in range(5)
    ]
    for worker in workers:
        worker.start()
    results = sorted(outcomes.get(timeout=120) for _ in range(20))
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert results == ["charged"] * 10 + ["refused"] * 10
    assert credits.balance(visitor).images_left == 0
    assert len(_charge_rows(visitor)) == 10
    assert _rows("SELECT COUNT(*) FROM holds")[0][0] == 0
