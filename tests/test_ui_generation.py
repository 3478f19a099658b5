"""Generated scenes in the web app: progress, cancel, their own queue, charging.

Tiny random-weight pipelines are saved to a temp folder and the app loads
them through its own loader (LITE_SCENE_MODEL / LITE_INPAINT_MODEL, hub
offline). The app runs on loopback in this process and is driven through
gradio_client. The real pipeline call is wrapped only to record when it runs
and, where a test needs time to act, to wait a moment after each step.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import free_port
from conftest import jpeg_bytes, png_bytes, real_photo, synthetic_product
from PIL import Image
from tiny_pipelines import build_scene_pipelines, use_tiny_pipelines

from lite_app import credits, ui, visitors
from lite_app.look import Look
from lite_app.scenes import generated

gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError
Status = gradio_client.utils.Status
PROMPT = "a perfume bottle on wet rocks by the sea at dawn"


# --- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_scene_pipelines(tmp_path_factory.mktemp("pipelines"), PROMPT)


@pytest.fixture(autouse=True)
def tiny_models(tiny, monkeypatch):
    use_tiny_pipelines(monkeypatch, tiny)


@pytest.fixture(scope="module")
def app_url():
    from lite_app.cutout import warm_up

    warm_up(download=True)
    demo = ui.build_demo()
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
    )
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def clients(app_url):
    """Three callers, each with its own session."""
    return [gradio_client.Client(app_url, verbose=False) for _ in range(3)]


@pytest.fixture(scope="module")
def bottle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "bottle.png"
    path.write_bytes(png_bytes(synthetic_product((256, 192))[0]))
    return path


@pytest.fixture(scope="module")
def coffee(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "coffee.jpg"
    path.write_bytes(jpeg_bytes(real_photo("coffee")))
    return path


@dataclass
class Span:
    start: float
    end: float | None = None
    steps: list[int] = field(default_factory=list)


@dataclass
class Recorder:
    """When pipeline calls and generation handlers ran; how long a step waits."""

    step_seconds: float = 0.0
    calls: list[Span] = field(default_factory=list)
    runs: list[Span] = field(default_factory=list)

    def wait(self, done, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.01)

    def runs_ended(self, count: int) -> bool:
        ended = [run for run in self.runs if run.end is not None]
        return len(ended) >= count


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    found = Recorder()
    call_pipeline = generated._call_pipeline
    run_generation = ui._run_generation

    def timed_call(loaded, prompts, *, on_step, **options):
        span = Span(time.monotonic())
        found.calls.append(span)

        def step(index: int, total: int) -> None:
            span.steps.append(index)
            time.sleep(found.step_seconds)
            on_step(index, total)

        try:
            return call_pipeline(loaded, prompts, on_step=step, **options)
        finally:
            span.end = time.monotonic()

    def timed_run(*args):
        span = Span(time.monotonic())
        found.runs.append(span)
        try:
            return run_generation(*args)
        finally:
            span.end = time.monotonic()

    monkeypatch.setattr(generated, "_call_pipeline", timed_call)
    monkeypatch.setattr(ui, "_run_generation", timed_run)
    return found


def new_visitor() -> tuple[str, str]:
    """A signed token and its id, with the trial already granted."""
    token = visitors.new_visitor()
    visitor_id = visitors.verify(token)
    credits.balance(visitor_id)
    return token, visitor_id


def look_json(**fields) -> str:
    fields = {"target": "64x64", "prompt": PROMPT, "generate": "backdrop", **fields}
    return Look(**fields).to_json()


def submit_generation(client, photo: Path, look: str, token: str):
    handle = gradio_client.handle_file(str(photo))
    return client.submit(handle, look, token, api_name="/generate")


def statuses_until_done(job, timeout: float = 30.0) -> list:
    seen = []
    deadline = time.monotonic() + timeout
    while not job.done():
        assert time.monotonic() < deadline, "the job did not finish"
        seen.append(job.status())
        time.sleep(0.02)
    return seen


# --- the handler itself -----------------------------------------------------------


class StepProgress:
    """Stands in for gr.Progress in a direct call: keeps every update."""

    def __init__(self) -> None:
        self.updates: list[tuple[tuple[int, int], str | None]] = []

    def __call__(self, progress, desc=None, total=None, unit="steps"):
        self.updates.append((progress, desc))


def test_the_handler_reports_every_step_and_charges_one_image(bottle):
    token, visitor_id = new_visitor()
    progress = StepProgress()
    image, download, receipt, same_token, left = asyncio.run(
        ui.generate_photo(
            str(bottle), look_json(seed=1), "ko", token, None, None, progress
        )
    )
    painting = "장면 그리는 중 / Painting the scene"
    assert progress.updates == [((1, 2), painting), ((2, 2), painting)]
    assert Image.open(image).size == (64, 64) and image == download
    assert "64x64" in receipt and same_token == token
    assert "남은 이미지 4장" in left
    charges = [row for row in credits.ledger_rows(visitor_id) if row.kind == "charge"]
    assert [(row.images, row.krw) for row in charges] == [(1, 15)]


def test_controls_carry_the_generation_choice_into_the_look():
    look = Look(prompt=PROMPT, generate="around", seed=4)
    shown = ui.show_look_in_controls(look.to_json())
    assert "around" in shown
    assert Look.from_json(ui.look_from_controls(look.to_json(), *shown)) == look
    off = list(shown)
    off[off.index("around")] = ui.GENERATE_OFF
    assert Look.from_json(ui.look_from_controls(look.to_json(), *off)).generate == ""
    final, generate, cancel = ui.show_generation_buttons("backdrop")
    assert (final["visible"], generate["visible"], cancel["visible"]) == (
        False,
        True,
        True,
    )
    assert ui.show_generation_buttons(ui.GENERATE_OFF)[0]["visible"] is True
    choice, generate, cancel = ui.switch_generation_language("English")
    assert choice["label"] == "Generate the scene"
    assert [mode for _label, mode in choice["choices"]] == ["off", "backdrop", "around"]
    assert (generate["value"], cancel["value"]) == (
        "Generate the full-size image",
        "Cancel",
    )


# --- through the app -------------------------------------------------------------


def test_the_generated_image_reaches_the_outputs_and_each_step_shows(
    clients, bottle, recorder
):
    recorder.step_seconds = 0.4
    token, visitor_id = new_visitor()
    look = look_json(target="96x64", generate="around", seed=2)
    job = submit_generation(clients[0], bottle, look, token)
    seen = statuses_until_done(job)
    image, download, receipt, _token, left = job.result()
    assert Image.open(image).size == (96, 64)
    assert Image.open(download).size == (96, 64)
    assert "남은 이미지 4장" in left
    shown = [
        (unit.index, unit.length, unit.desc)
        for status in seen
        for unit in status.progress_data or []
    ]
    assert (1, 2, "장면 그리는 중 / Painting the scene") in shown
    assert recorder.calls[0].steps == [1, 2]


def test_the_cancel_button_stops_the_model_and_charges_nothing(
    clients, bottle, recorder
):
    recorder.step_seconds = 1.0
    token, visitor_id = new_visitor()
    before = credits.ledger_rows(visitor_id)
    job = submit_generation(clients[0], bottle, look_json(seed=3), token)
    recorder.wait(lambda: recorder.calls and recorder.calls[0].steps)
    notice = clients[0].predict(api_name="/cancel_generation")
    assert "취소했습니다" in notice and "cancelled" in notice
    with pytest.raises(AppError, match="취소"):
        job.result(timeout=30)
    recorder.wait(lambda: recorder.runs_ended(1))
    assert recorder.calls[0].steps == [1]  # stopped before the second step
    assert credits.ledger_rows(visitor_id) == before
    assert credits.balance(visitor_id).images_left == 5


def test_cancelling_the_api_job_stops_the_model_too(clients, bottle, recorder):
    recorder.step_seconds = 1.0
    token, visitor_id = new_visitor()
    before = credits.ledger_rows(visitor_id)
    job = submit_generation(clients[1], bottle, look_json(seed=4), token)
    recorder.wait(lambda: recorder.calls and recorder.calls[0].steps)
    job.cancel()
    recorder.wait(lambda: recorder.runs_ended(1))
    assert recorder.calls[0].steps == [1]
    assert credits.ledger_rows(visitor_id) == before


def test_generations_run_one_at_a_time_while_a_cutout_completes(
    clients, bottle, coffee, recorder
):
    recorder.step_seconds = 0.8
    jobs = []
    for seed, client in ((5, clients[0]), (6, clients[1])):
        token, _visitor_id = new_visitor()
        jobs.append(submit_generation(client, bottle, look_json(seed=seed), token))
    recorder.wait(lambda: recorder.calls and recorder.calls[0].steps)
    # Whichever reached the server second waits, and knows its place.
    waiting = [job.status() for job in jobs if job.status().code == Status.IN_QUEUE]
    cutout = clients[2].submit(
        gradio_client.handle_file(str(coffee)), api_name="/cutout"
    )
    cut_path = cutout.result(timeout=60)
    cut_done = time.monotonic()
    for job in jobs:
        assert Image.open(job.result(timeout=60)[0]).size == (64, 64)

    first, second = sorted(recorder.runs, key=lambda run: run.start)
    assert second.start >= first.end  # the second waited in the queue
    calls = sorted(recorder.calls, key=lambda call: call.start)
    assert len(calls) == 2 and calls[1].start >= calls[0].end
    assert cut_done < calls[1].end  # the cutout did not wait for both
    assert Image.open(cut_path).mode == "RGBA"
    assert len(waiting) == 1 and waiting[0].rank == 0


def test_a_missing_model_falls_back_with_the_note_and_charges_nothing(
    clients, bottle, tmp_path, monkeypatch
):
    monkeypatch.setenv("LITE_SCENE_MODEL", str(tmp_path / "no-such-model"))
    token, visitor_id = new_visitor()
    before = credits.ledger_rows(visitor_id)
    handle = gradio_client.handle_file(str(bottle))
    look = look_json(target="coupang", prompt="대리석 테이블 위")
    image, download, receipt, _token, left = clients[0].predict(
        handle, look, token, api_name="/generate"
    )
    assert max(Image.open(image).size) == ui.PREVIEW_SIDE  # a free preview
    assert download is None
    assert "차감되지 않았습니다" in receipt and "기본 장면" in receipt
    assert "남은 이미지 5장" in left
    assert credits.ledger_rows(visitor_id) == before


def test_the_full_size_edit_sends_a_generated_look_to_its_own_queue(
    clients, bottle, recorder
):
    token, visitor_id = new_visitor()
    handle = gradio_client.handle_file(str(bottle))
    with pytest.raises(AppError, match="장면을 그려 고화질 만들기"):
        clients[0].predict(handle, look_json(), token, api_name="/edit")
    preview, notes = clients[0].predict(handle, look_json(), api_name="/preview")
    assert Image.open(preview).size == (64, 64)
    assert "미리보기는 기본 장면" in notes
    assert recorder.calls == []  # neither ran the model
    assert credits.ledger_rows(visitor_id)[-1].kind == "trial"
