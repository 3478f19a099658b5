"""What the operator sees: a seller's mistake is no traceback in the server's
log, and the admin command line answers a promo date mistake in Korean and
English."""

from __future__ import annotations

import pytest
from conftest import launched_app

from lite_app import cli

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with launched_app(tmp_path_factory.mktemp("app-data")) as url:
        yield gradio_client.Client(url, verbose=False)


@pytest.mark.parametrize(
    ("api_name", "inputs"),
    [
        ("/edit", (None, "{}", "")),
        ("/generate", (None, "{}", "")),
        ("/cutout", (None, "ko")),
        ("/preview", (None, "{}", "ko")),
    ],
    ids=["edit", "generate", "cutout", "preview"],
)
def test_a_call_without_a_photo_writes_no_traceback(client, capfd, api_name, inputs):
    capfd.readouterr()
    with pytest.raises(gradio_client.exceptions.AppError) as caught:
        client.predict(*inputs, api_name=api_name)
    assert "사진" in str(caught.value)
    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err


@pytest.mark.parametrize(
    ("dates", "shown"),
    [
        ("--expires 2020-01-01", "--expires 2020-01-01"),
        ("--expires 2099-01-01 --starts 2099-02-01", "2099-02-01"),
    ],
    ids=["already-ended", "ends-before-it-starts"],
)
def test_promo_dates_in_the_wrong_order_are_said_in_both_languages(
    capsys, dates, shown
):
    argv = ["promo", "create", "--images", "3", "--max-uses", "1", *dates.split()]
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert "코드가 시작하기 전에 끝납니다" in line
    assert "The code would end before it starts" in line
    assert shown in line
