"""The command line as a first-time seller meets it: names, settings, notes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import jpeg_bytes, real_photo, run_cli

HANGUL = range(0xAC00, 0xD7A4)


def has_korean(text: str) -> bool:
    return any(ord(char) in HANGUL for char in text)


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    path = tmp_path / "coffee.jpg"
    path.write_bytes(jpeg_bytes(real_photo("coffee")))
    return path


def env_with(**values: str) -> dict[str, str]:
    return {**os.environ, **values}


@pytest.mark.parametrize(
    ("name", "value"),
    [("LITE_LOG_LEVEL", "LOUD"), ("LITE_TRIAL_IMAGES", "abc"), ("PORT", "abc")],
    ids=["log-level", "trial-images", "port"],
)
def test_a_bad_setting_stops_a_command_with_one_bilingual_message(
    coffee: Path, tmp_path: Path, name: str, value: str
) -> None:
    output = tmp_path / "out.jpg"
    done = run_cli(
        "edit", str(coffee), "-o", str(output), env=env_with(**{name: value})
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert name in done.stderr and has_korean(done.stderr)
    assert not output.exists()


def test_a_lower_case_log_level_is_accepted(coffee: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.jpg"
    done = run_cli(
        "edit", str(coffee), "-o", str(output), env=env_with(LITE_LOG_LEVEL="error")
    )
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:2] == b"\xff\xd8"
