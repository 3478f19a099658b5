"""Many sellers at once: the real app on loopback under a crowd of API clients.

Starts ``python app.py`` on 127.0.0.1 with its own data and temp folders, then
runs N simulated sellers (default 20), each its own ``gradio_client`` session.
Every round a seller uploads a real photo (skimage coffee, rocket, chelsea,
astronaut as JPEG), asks for the free preview, then for the full-size image,
and downloads and opens both. Prints:

- throughput (requests per second), p50/p95 latency per endpoint, errors
  (must be 0);
- every 50 requests: the server's resident memory and the count of files
  under the temp folders the app writes (its result folder and Gradio's
  upload cache);
- memory after 500 requests against after the first 50 (target: within 10%).

All sellers share one address (loopback), so the per-address edit limit is
switched off for the run; ``--cache-seconds`` shortens how long Gradio keeps
cached files and results, so that a short run shows the count level off.

Run: ``python bench/load.py [--sellers 20] [--rounds 13]`` from the project root.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import running_app  # noqa: E402

PHOTOS = ("coffee", "rocket", "chelsea", "astronaut")
TARGETS = ("smartstore", "coupang", "kakao-tall", "11st")
SCENES = ("cloud-sky", "marble", "wood-table", "studio-white")
SAMPLE_EVERY = 50
LEAK_TOLERANCE = 0.10


@dataclass
class Tally:
    """Shared counters, and the gate that lets the server settle at checkpoints.

    Every ``SAMPLE_EVERY`` requests the sellers hold their next request until
    the requests in flight have finished; memory is read then, so samples
    compare the server at rest rather than mid-edit.
    """

    lock: threading.Condition = field(default_factory=threading.Condition)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    done: int = 0
    in_flight: int = 0
    paused: bool = False
    busy_rss: list[float] = field(default_factory=list)
    samples: list[tuple[int, float, int, int]] = field(default_factory=list)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def count_files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for path in folder.rglob("*") if path.is_file())


def write_photos(folder: Path) -> list[Path]:
    from skimage import data

    paths = []
    for name in PHOTOS:
        path = folder / f"{name}.jpg"
        buffer = io.BytesIO()
        Image.fromarray(getattr(data, name)()).convert("RGB").save(
            buffer, "JPEG", quality=90
        )
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths


class Seller(threading.Thread):
    def __init__(
        self,
        number: int,
        url: str,
        photos: list[Path],
        rounds: int,
        tally: Tally,
        watch: dict[str, object],
    ) -> None:
        super().__init__(name=f"seller-{number}", daemon=True)
        self.number = number
        self.url = url
        self.photos = photos
        self.rounds = rounds
        self.tally = tally
        self.watch = watch

    def run(self) -> None:
        from gradio_client import Client, handle_file

        downloads = Path(str(self.watch["downloads"])) / f"seller-{self.number}"
        client = Client(
            self.url,
            verbose=False,
            download_files=str(downloads),
            analytics_enabled=False,
        )
        parameters = client.view_api(print_info=False, return_format="dict")[
            "named_endpoints"
        ]["/edit"]["parameters"]
        takes_token = any(p["parameter_name"] == "visitor_token" for p in parameters)
        token = ""
        for round_number in range(self.rounds):
            step = self.number + round_number
            photo = handle_file(str(self.photos[step % len(self.photos)]))
            look = (
                f'{{"scene": "{SCENES[step % len(SCENES)]}", '
                f'"target": "{TARGETS[step % len(TARGETS)]}", "seed": {step % 7}}}'
            )
            self.call(client, "/preview", photo=photo, look_json=look)
            extra = {"visitor_token": token} if takes_token else {}
            outcome = self.call(client, "/edit", photo=photo, look_json=look, **extra)
            if takes_token and outcome is not None:
                token = outcome[3]

    def call(self, client, api_name: str, **inputs):
        with self.tally.lock:
            self.tally.lock.wait_for(lambda: not self.tally.paused)
            self.tally.in_flight += 1
        started = time.perf_counter()
        outcome = None
        try:
            outcome = client.predict(**inputs, api_name=api_name)
            check(api_name, outcome)
        except Exception as error:  # noqa: BLE001 - every failure is counted
            outcome = None
            with self.tally.lock:
                self.tally.errors.append(f"{api_name}: {type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        with self.tally.lock:
            self.tally.latencies.setdefault(api_name, []).append(elapsed)
            self.tally.done += 1
            self.tally.in_flight -= 1
            self.tally.lock.notify_all()
            if self.tally.done % SAMPLE_EVERY == 0:
                self.settle_and_sample()
        return outcome

    def settle_and_sample(self) -> None:
        """Called with the lock held: drain the requests in flight, then sample."""
        tally = self.tally
        tally.busy_rss.append(rss_mb(int(self.watch["pid"])))  # type: ignore[arg-type]
        tally.paused = True
        done = tally.done
        tally.lock.wait_for(lambda: tally.in_flight == 0)
        tally.samples.append(sample(done, self.watch, tally.busy_rss[-1]))
        tally.paused = False
        tally.lock.notify_all()


def check(api_name: str, outcome) -> None:
    """The downloaded files open as the images they claim to be."""
    if api_name == "/preview":
        image_path, _notes = outcome
        with Image.open(image_path) as image:
            assert max(image.size) <= 512, image.size
        return
    file_path, receipt = outcome[1], outcome[2]
    with Image.open(file_path) as image:
        assert image.format == "JPEG", image.format
        assert f"{image.width}x{image.height}" in receipt, receipt


def sample(
    done: int, watch: dict[str, object], busy: float = float("nan")
) -> tuple[int, float, int, int]:
    pid = int(watch["pid"])  # type: ignore[arg-type]
    results = count_files(Path(str(watch["results"])))
    cache = count_files(Path(str(watch["gradio"])))
    time.sleep(0.5)
    memory = rss_mb(pid)
    print(
        f"  {done:5d} requests  server RSS at rest {memory:7.1f} MB"
        f" (busy {busy:7.1f} MB)  result files {results:5d}"
        f"  Gradio cache files {cache:5d}",
        flush=True,
    )
    return done, memory, results, cache


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20)
    parser.add_argument(
        "--rounds",
        type=int,
        default=13,
        help="preview + full-size image per round (default 13)",
    )
    parser.add_argument(
        "--cache-seconds",
        type=int,
        default=60,
        help="how long cached files and results are kept",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sporky-load-") as scratch:
        scratch_dir = Path(scratch)
        temp_dir = scratch_dir / "tmp"
        temp_dir.mkdir()
        gradio_dir = scratch_dir / "gradio"
        env = {
            "TMPDIR": str(temp_dir),
            "GRADIO_TEMP_DIR": str(gradio_dir),
            "LITE_EDITS_PER_MINUTE_PER_ADDRESS": "0",
            "LITE_CACHE_SECONDS": str(options.cache_seconds),
            "LITE_LOG_LEVEL": "WARNING",
            "LITE_TRIAL_IMAGES": str(options.rounds + 10),
        }
        photos = write_photos(scratch_dir)
        print(
            f"starting the app ({options.sellers} sellers x {options.rounds} rounds"
            f" x 2 requests)...",
            flush=True,
        )
        with running_app(scratch_dir / "data", env) as app:
            watch: dict[str, object] = {
                "pid": app.process.pid,
                "results": temp_dir / "sporky-lite-results",
                "gradio": gradio_dir,
                "downloads": scratch_dir / "downloads",
            }
            print(f"  idle server RSS {rss_mb(app.process.pid):7.1f} MB", flush=True)
            tally = Tally()
            sellers = [
                Seller(n, app.url, photos, options.rounds, tally, watch)
                for n in range(options.sellers)
            ]
            started = time.perf_counter()
            for seller in sellers:
                seller.start()
            for seller in sellers:
                seller.join()
            wall = time.perf_counter() - started
            final = sample(tally.done, watch)
            if tally.errors:
                print_server_errors(app.log())
        report(tally, wall, final)
        return 0 if not tally.errors and leak_ok(tally) is not False else 1


def print_server_errors(log: str, limit: int = 80) -> None:
    """The server log from its first traceback on, to see what went wrong."""
    lines = log.splitlines()
    first = next((n for n, line in enumerate(lines) if "Traceback" in line), None)
    if first is None:
        return
    print("server log from the first traceback:")
    for line in lines[max(0, first - 2) : first + limit]:
        print(f"  | {line[:200]}")


def leak_ok(tally: Tally) -> bool | None:
    by_count = {done: memory for done, memory, _, _ in tally.samples}
    if SAMPLE_EVERY not in by_count or 500 not in by_count:
        return None
    return by_count[500] <= by_count[SAMPLE_EVERY] * (1 + LEAK_TOLERANCE)


def report(tally: Tally, wall: float, final: tuple[int, float, int, int]) -> None:
    every = [value for values in tally.latencies.values() for value in values]
    print()
    print(f"requests {len(every)} in {wall:.1f} s: {len(every) / wall:.2f} requests/s")
    for api_name, values in sorted(tally.latencies.items()):
        print(
            f"  {api_name:9s} n={len(values):4d}"
            f"  p50 {statistics.median(values):6.2f} s"
            f"  p95 {percentile(values, 0.95):6.2f} s"
            f"  max {max(values):6.2f} s"
        )
    print(f"errors {len(tally.errors)} (target 0)")
    for line in tally.errors[:10]:
        print(f"  {line[:200]}")
    by_count = {done: memory for done, memory, _, _ in tally.samples}
    if SAMPLE_EVERY in by_count and 500 in by_count:
        ratio = by_count[500] / by_count[SAMPLE_EVERY]
        verdict = "ok" if leak_ok(tally) else "GROWING"
        print(
            f"memory after 500 requests / after {SAMPLE_EVERY}: "
            f"{by_count[500]:.1f} / {by_count[SAMPLE_EVERY]:.1f} MB = {ratio:.3f} "
            f"(target <= {1 + LEAK_TOLERANCE:.2f}) {verdict}"
        )
    else:
        print("memory: fewer than 500 requests, no leak ratio (raise --rounds)")
    counts = [(results, cache) for _, _, results, cache in tally.samples]
    if counts:
        peak_results = max(results for results, _ in counts)
        peak_cache = max(cache for _, cache in counts)
        print(
            f"temp files: result files peak {peak_results}, now {final[2]}; "
            f"Gradio cache files peak {peak_cache}, now {final[3]}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
