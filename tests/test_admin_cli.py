"""Operator commands, run through the app's own command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from lite_app import cli, credits, recipes, visitors
from lite_app.look import Look

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LITE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "5")
    monkeypatch.setenv("LITE_PLAN_IMAGES", "2000")
    monkeypatch.delenv("LITE_SECRET", raising=False)
    return tmp_path


@pytest.fixture
def visitor() -> str:
    """A visitor who has opened the app once."""
    visitor_id = visitors.verify(visitors.new_visitor())
    credits.balance(visitor_id)
    return visitor_id


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_admin_commands_are_registered() -> None:
    assert "lite_app.admin_cli" in cli.COMMAND_MODULES
    help_text = cli.build_parser().format_help()
    for command in ("recipe", "plan", "credits", "promo", "usage"):
        assert command in help_text


# --- promo ------------------------------------------------------------------------


def test_promo_create_prints_the_code_and_its_link(
    capsys: pytest.CaptureFixture[str], visitor: str
) -> None:
    expires = (date.today() + timedelta(days=30)).isoformat()
    argv = "promo create --images 30 --max-uses 100 --expires".split()
    code, out, _ = run(capsys, *argv, expires)
    assert code == 0
    promo_code, link = out.split()
    assert len(promo_code) >= 10 and link == f"/?promo={promo_code}"
    granted = credits.redeem_promo(visitor, promo_code)
    assert granted.granted and granted.images == 30
    assert credits.balance(visitor).images_left == 35


def test_promo_create_with_a_base_url(capsys: pytest.CaptureFixture[str]) -> None:
    expires = (date.today() + timedelta(days=1)).isoformat()
    argv = "promo create --images 1 --max-uses 1 --base-url https://shop.example"
    code, out, _ = run(capsys, *argv.split(), "--expires", expires)
    promo_code, link = out.split()
    assert code == 0 and link == f"https://shop.example/?promo={promo_code}"


@pytest.mark.parametrize(
    "argv",
    [
        "--images 30 --max-uses 10",
        "--images 0 --max-uses 10 --expires 2099-01-01",
        "--images 3 --max-uses x --expires 2099-01-01",
        "--images 3 --max-uses 1 --expires 31/12/2099",
        "--images 3 --max-uses 1 --expires 2001-01-01",
    ],
    ids=["no-expiry", "zero-images", "uses-not-number", "bad-date", "already-ended"],
)
def test_promo_create_bad_usage_exits_2(
    capsys: pytest.CaptureFixture[str], argv: str
) -> None:
    code, out, _ = run(capsys, "promo", "create", *argv.split())
    assert code == 2 and out == ""


# --- plan and credits --------------------------------------------------------------


def test_plan_grant_gives_the_monthly_allowance(
    capsys: pytest.CaptureFixture[str], visitor: str
) -> None:
    code, out, _ = run(capsys, "plan", "grant", visitor, "--months", "2")
    assert code == 0
    assert "images left: 2005" in out
    balance = credits.balance(visitor)
    assert balance.plan_images_left == 2000 and balance.plan_periods_ahead == 1
    plans = [row for row in credits.ledger_rows(visitor) if row.kind == "plan"]
    assert [row.krw for row in plans] == [19_000, 19_000]


def test_credits_add_records_paid_images(
    capsys: pytest.CaptureFixture[str], visitor: str
) -> None:
    code, out, _ = run(capsys, "credits", "add", visitor, "100")
    assert code == 0 and "paid: 100" in out
    assert credits.balance(visitor).paid_images == 100
    purchase = [row for row in credits.ledger_rows(visitor) if row.kind == "purchase"]
    assert [(row.images, row.krw) for row in purchase] == [(100, 1500)]


def test_credits_add_accepts_the_visitors_whole_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = visitors.new_visitor()
    visitor_id = visitors.verify(token)
    credits.balance(visitor_id)
    code, _, _ = run(capsys, "credits", "add", token, "3", "--krw", "0")
    assert code == 0 and credits.balance(visitor_id).paid_images == 3


def test_hugging_face_user_may_be_granted_before_the_first_visit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, _ = run(capsys, "plan", "grant", "hf:new-shop", "--months", "1")
    assert code == 0 and credits.balance("hf:new-shop").plan_images_left == 2000


@pytest.mark.parametrize(
    "who",
    ["AAAAAAAAAAAAAAAAAAAAAA", "x'); DROP TABLE visitors; --", "v1.forged.token"],
    ids=["never-seen", "sql", "forged-token"],
)
def test_credits_for_an_unknown_or_bad_visitor_exit_1(
    capsys: pytest.CaptureFixture[str], who: str
) -> None:
    code, out, err = run(capsys, "credits", "add", who, "5")
    assert code == 1 and out == ""
    assert "방문자" in err and "visitor" in err
    assert credits.ledger_rows() == []


def test_credits_show_prints_the_balance(
    capsys: pytest.CaptureFixture[str], visitor: str
) -> None:
    code, out, _ = run(capsys, "credits", "show", visitor)
    assert code == 0 and "images left: 5" in out and "free: 5" in out


# --- usage report ---------------------------------------------------------------------


def _some_usage(visitor: str) -> str:
    credits.add_paid_images(visitor, 10)
    credits.charge(visitor, "result-1")
    credits.charge(visitor, "result-2")
    return date.today().strftime("%Y-%m")


def test_usage_report_as_text(capsys: pytest.CaptureFixture[str], visitor: str) -> None:
    month = _some_usage(visitor)
    code, out, _ = run(capsys, "usage", "report", "--month", month)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["month", "visitor_id", "pool"]
    paid = next(line for line in lines if " paid " in line).split()
    assert paid[:3] == [month, visitor, "paid"]
    assert paid[3:] == ["10", "150", "2", "0", "2", "30"]
    assert lines[-1].split()[0] == "total"


def test_usage_report_as_csv(capsys: pytest.CaptureFixture[str], visitor: str) -> None:
    month = _some_usage(visitor)
    code, out, _ = run(capsys, "usage", "report", "--month", month, "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {(row["pool"], row["used_images"]) for row in rows} == {
        ("free", "0"),
        ("paid", "2"),
    }


def test_usage_report_refuses_a_bad_month(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "usage", "report", "--month", "2025-13")
    assert code == 2


# --- recipes -----------------------------------------------------------------------


def test_recipe_list_show_export_import(
    capsys: pytest.CaptureFixture[str], visitor: str, tmp_path: Path
) -> None:
    look = Look(scene="marble", seed=3)
    saved = recipes.save(visitor, "<i>Marble</i>", look, public=True)

    code, out, _ = run(capsys, "recipe", "list")
    assert code == 0
    assert out.splitlines() == [f"{saved.id}\t0\tpublic\t<i>Marble</i>"]

    code, out, _ = run(capsys, "recipe", "show", saved.id)
    assert code == 0 and f"link: /?recipe={saved.id}" in out
    assert Look.from_json(out.split("look:\n", 1)[1]) == look

    exported = tmp_path / "marble.json"
    code, _, _ = run(capsys, "recipe", "export", saved.id, "-o", str(exported))
    assert code == 0
    assert json.loads(exported.read_text()) == {
        "name": "<i>Marble</i>",
        "look": look.to_dict(),
    }
    code, out, _ = run(capsys, "recipe", "export", saved.id)
    assert json.loads(out) == json.loads(exported.read_text())

    code, out, _ = run(capsys, "recipe", "import", str(exported))
    new_id, link = out.split()
    assert code == 0 and link == f"/?recipe={new_id}"
    copy = recipes.get(new_id)
    assert copy.look == look and copy.name == "<i>Marble</i>" and not copy.public


def test_recipe_import_names_a_bare_look_after_its_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "winter-sale.json"
    path.write_text(Look(scene="sunset").to_json())
    code, out, _ = run(capsys, "recipe", "import", str(path), "--public")
    assert code == 0
    imported = recipes.get(out.split()[0])
    assert imported.name == "winter-sale" and imported.public


@pytest.mark.parametrize(
    "argv",
    [["recipe", "show", "AAAAAAAAAAA"], ["recipe", "export", "nope"]],
    ids=["show-missing", "export-malformed"],
)
def test_recipe_missing_exits_1(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == "" and "레시피를 찾을 수 없습니다" in err


def test_recipe_import_of_a_missing_or_bad_file_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "recipe", "import", str(tmp_path / "missing.json"))
    assert code == 1 and "읽을 수 없습니다" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "look": {"scale": 7}}')
    code, _, err = run(capsys, "recipe", "import", str(bad))
    assert code == 1 and "룩" in err
    assert str(tmp_path) not in err
    assert recipes.all_recipes() == []


def test_recipe_without_an_action_is_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, _ = run(capsys, "recipe")
    assert code == 2


def test_admin_commands_do_not_load_heavy_libraries(data_dir: Path) -> None:
    script = (
        "import sys\n"
        "from lite_app.cli import main\n"
        "code = main(['usage', 'report', '--month', '2025-07'])\n"
        "heavy = [m for m in ('gradio', 'torch', 'diffusers') if m in sys.modules]\n"
        "sys.exit(10 + len(heavy) if heavy else code)\n"
    )
    environment = {**os.environ, "LITE_DATA_DIR": str(data_dir)}
    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("month")
