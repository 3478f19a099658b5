"""Every server setting is checked at start: a bad one stops the server with one
clear line in Korean and English, never a traceback or a server that fails each
request later."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browser import free_port, running_app

from lite_app import config, ui
from lite_app.config import SettingInvalid

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHORT_SECRET = "tiny-secret-Vb7Q"
SERVER_SETTINGS = (
    "PORT",
    "LITE_LOG_LEVEL",
    "LITE_CACHE_SECONDS",
    "LITE_MALLOC_ARENAS",
    "LITE_MALLOC_TRIM",
    "LITE_EDITS_PER_MINUTE",
    "LITE_EDITS_PER_MINUTE_PER_ADDRESS",
    "LITE_PROMO_TRIES_PER_MINUTE",
    "LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS",
    "LITE_TRUST_FORWARDED",
    "LITE_TRIAL_IMAGES",
    "LITE_PLAN_IMAGES",
    "LITE_SECRET",
)

# (setting, bad value, words the refusal must carry)
BAD_VALUES = [
    ("PORT", "abc", "1~65535"),
    ("PORT", "0", "from 1 to 65535"),
    ("PORT", "99999", "from 1 to 65535"),
    ("LITE_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LITE_CACHE_SECONDS", "abc", "60 or more"),
    ("LITE_CACHE_SECONDS", "0", "60 이상"),
    ("LITE_CACHE_SECONDS", "59", "60 or more"),
    ("LITE_MALLOC_ARENAS", "abc", "0 or more"),
    ("LITE_MALLOC_ARENAS", "-1", "0 or more"),
    ("LITE_MALLOC_TRIM", "yes", "one of 0, 1"),
    ("LITE_EDITS_PER_MINUTE", "-1", "0 or more"),
    ("LITE_EDITS_PER_MINUTE_PER_ADDRESS", "many", "0 or more"),
    ("LITE_PROMO_TRIES_PER_MINUTE", "2.5", "0 or more"),
    ("LITE_PROMO_TRIES_PER_MINUTE_PER_ADDRESS", "-3", "0 이상"),
    ("LITE_TRUST_FORWARDED", "maybe", "one of 1, true, yes, 0, false, no"),
    ("LITE_TRIAL_IMAGES", "five", "0 or more"),
    ("LITE_PLAN_IMAGES", "-1", "0 or more"),
    ("LITE_SECRET", SHORT_SECRET, "at least 32 characters"),
]


def _case_id(case: tuple[str, str, str]) -> str:
    return f"{case[0]}={case[1][:8]}"


@pytest.fixture
def clean_settings(monkeypatch):
    for name in (*SERVER_SETTINGS, "PAPAGO_CLIENT_ID", "PAPAGO_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PAPAGO_URL", raising=False)
    monkeypatch.setenv("LITE_ENV_FILE", os.devnull)
    return monkeypatch


# In this process: what is checked and what the refusal says


@pytest.mark.parametrize("case", BAD_VALUES, ids=_case_id)
def test_a_bad_setting_is_refused_naming_it_and_what_it_takes(clean_settings, case):
    name, value, allowed = case
    clean_settings.setenv(name, value)
    with pytest.raises(SettingInvalid) as caught:
        ui.check_server_settings()
    line = caught.value.one_line()
    assert name in caught.value.message_ko and name in caught.value.message_en
    assert allowed in line
    assert "설정" in caught.value.message_ko
    assert "\n" not in line


def test_the_defaults_pass_the_check(clean_settings):
    ui.check_server_settings()


def test_a_secret_of_spaces_is_refused(clean_settings, monkeypatch):
    monkeypatch.setenv("LITE_SECRET", " " * 40)
    with pytest.raises(SettingInvalid) as refused:
        ui.check_server_settings()
    assert "LITE_SECRET" in refused.value.message_en


def test_a_short_secret_is_never_shown(clean_settings):
    clean_settings.setenv("LITE_SECRET", SHORT_SECRET)
    with pytest.raises(SettingInvalid) as caught:
        ui.check_server_settings()
    assert SHORT_SECRET not in str(caught.value)
    assert f"{len(SHORT_SECRET)}" in caught.value.one_line()


def test_a_bad_papago_address_with_keys_is_refused(clean_settings):
    clean_settings.setenv("PAPAGO_CLIENT_ID", "id-for-the-check")
    clean_settings.setenv("PAPAGO_CLIENT_SECRET", "secret-for-the-check")
    clean_settings.setenv("PAPAGO_URL", "ftp://translator.invalid")
    with pytest.raises(SettingInvalid, match="PAPAGO_URL"):
        ui.check_server_settings()


@pytest.mark.parametrize(("value", "seconds"), [("", 3600), ("60", 60), ("900", 900)])
def test_the_cache_time_takes_60_seconds_or_more(clean_settings, value, seconds):
    clean_settings.setenv("LITE_CACHE_SECONDS", value)
    assert config.cache_seconds() == ui.cache_seconds() == seconds


def test_building_the_app_refuses_a_bad_setting(clean_settings):
    clean_settings.setenv("LITE_EDITS_PER_MINUTE", "-1")
    with pytest.raises(SettingInvalid, match="LITE_EDITS_PER_MINUTE"):
        ui.build_demo()


# The real server: `python app.py` and `lite_app.ui.launch`

# One of each way a start used to go wrong: a server that failed every request
# later, a traceback from Gradio, from building the page, from the log set-up.
# Each process pays for importing Gradio, so the other values are checked in
# this process above, through the same check.
START_CASES = [
    ("LITE_EDITS_PER_MINUTE", "-1"),
    ("PORT", "99999"),
    ("LITE_SECRET", SHORT_SECRET),
    ("LITE_LOG_LEVEL", "LOUD"),
]
LAUNCH_ONLY = "from lite_app.ui import launch; launch()"


def _start(command: list[str], data_dir: Path, **env: str) -> subprocess.Popen:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in SERVER_SETTINGS and not key.startswith("PAPAGO_")
    }
    environment |= {
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "LITE_DATA_DIR": str(data_dir),
        "LITE_ENV_FILE": os.devnull,
        "GRADIO_ANALYTICS_ENABLED": "False",
        **env,
    }
    environment.pop("SPACE_ID", None)
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _finish(process: subprocess.Popen) -> tuple[int | None, str]:
    """Exit code and output, or None if it was still running (then stopped)."""
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        return None, out + err
    return process.returncode, out + err


@pytest.fixture(scope="module")
def refused_starts(tmp_path_factory) -> dict[tuple[str, str], tuple[int | None, str]]:
    """Every bad start at once, so the imports are paid for side by side."""
    data_dir = tmp_path_factory.mktemp("refused-data")
    python = [sys.executable, "app.py"]
    processes = {
        case: _start(python, data_dir, **{case[0]: case[1]}) for case in START_CASES
    }
    launch = [sys.executable, "-c", LAUNCH_ONLY]
    processes["launch"] = _start(launch, data_dir, LITE_EDITS_PER_MINUTE="-1")
    return {case: _finish(process) for case, process in processes.items()}


@pytest.mark.parametrize("case", START_CASES, ids=lambda case: f"{case[0]}")
def test_python_app_py_stops_on_a_bad_setting_in_one_line(refused_starts, case):
    code, output = refused_starts[case]
    assert code not in (None, 0), output
    assert "Traceback" not in output
    (line,) = output.strip().splitlines()
    assert case[0] in line and "설정" in line and "The setting" in line


def test_launch_alone_stops_on_a_bad_setting_in_one_line(refused_starts):
    code, output = refused_starts["launch"]
    assert code not in (None, 0), output
    assert "Traceback" not in output
    (line,) = output.strip().splitlines()
    assert "LITE_EDITS_PER_MINUTE" in line and "0 이상" in line


def test_a_port_in_use_stops_the_server_in_one_line(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        started = _start([sys.executable, "app.py"], tmp_path / "data", PORT=port)
        code, output = _finish(started)
    assert code not in (None, 0), output
    assert "Traceback" not in output
    line = output.strip().splitlines()[-1]
    assert f"127.0.0.1:{port}" in line and "PORT" in line
    assert "서버를 열 수 없습니다" in line and "cannot listen" in line


def test_a_good_configuration_still_starts_and_serves(tmp_path):
    settings = {
        "LITE_CACHE_SECONDS": "60",
        "LITE_EDITS_PER_MINUTE": "0",
        "LITE_MALLOC_ARENAS": "0",
        "LITE_MALLOC_TRIM": "1",
        "LITE_TRUST_FORWARDED": "no",
        "LITE_LOG_LEVEL": "warning",
        "LITE_SECRET": "a-secret-of-forty-characters-or-so-Zk81",
    }
    with running_app(tmp_path / "data", settings) as app:
        with urllib.request.urlopen(app.url, timeout=30) as page:
            assert page.status == 200
            assert "Sporky Lite" in page.read().decode("utf-8")
        assert "Traceback" not in app.log()


def _readme_settings_table() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


@pytest.mark.parametrize("name", [*SERVER_SETTINGS, "HOST"])
def test_every_server_setting_is_in_the_readme_table(name):
    assert f"`{name}`" in _readme_settings_table()


def test_the_readme_gives_the_cache_time_minimum():
    (row,) = [
        line
        for line in _readme_settings_table().splitlines()
        if "`LITE_CACHE_SECONDS`" in line
    ]
    assert f"{config.MIN_CACHE_SECONDS} or more" in row
