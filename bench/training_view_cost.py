"""What the page's Training view costs a run: its epoch time with the view open vs with no page.

    .venv/bin/python bench/training_view_cost.py [--runs 3] [--epochs 11] [--chars 150k]
                                                 [--views poll page] [--corpus PATH] [--work DIR]

One `tempera serve --runs DIR` runs throughout. Each run (LSTM(128), the corpus's first
--chars characters, --epochs epochs) is watched every other epoch and left alone in between, the
parity turning from run to run, so that the epochs compared are neighbours that share the
machine's load of the moment (this machine is shared: whole runs a minute apart differ by more
than the 5 % looked for). Watching is one of:
- poll: a client doing what the Training view does (GET api/runs every 2 s with If-None-Match,
  and a run's samples whenever its epochs change), on in watched epochs only;
- page: a real Chromium showing the page, its Training view scrolled into sight in watched
  epochs and out of it in between (the view polls only while on screen); the page's own
  requests to api/runs in each kind of epoch are counted, so a page that does not poll, or polls
  out of sight, is reported rather than measured.
An epoch's time is its time in fit() as history.json records it, from epoch 2 (the first builds
the graph). Printed: the median epoch time watched and not, their ratio (at most 1.05 is the
goal), the median of each watched epoch's ratio to the mean of its two neighbours, the
requests, and per minute of each kind of epoch the CPU time of the server and of the watching
client (this process's poller, or Chromium and its driver): what watching takes from training.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness import free_port, launch_chromium, wait_for_http  # noqa: E402

DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpora", "nietzsche.txt")
POLL_SECONDS = 2.0  # the page's POLL_MS
UNITS = {"k": 1_000, "m": 1_000_000}
RUNS_REQUESTS = ("(since) => performance.getEntriesByType('resource')"
                 ".filter((e) => /api\\/runs/.test(e.name) && e.startTime >= since).length")
IN_SIGHT = "document.querySelector('[data-testid=training-view]')?.scrollIntoView()"
OUT_OF_SIGHT = ("(() => { const view = document.querySelector('[data-testid=training-view]');"
                " if (view) view.hidden = true; })()")
BACK_IN_SIGHT = ("(() => { const view = document.querySelector('[data-testid=training-view]');"
                 " if (view) { view.hidden = false; view.scrollIntoView(); } })()")


def size_of(text: str) -> int:
    return int(float(text[:-1]) * UNITS[text[-1].lower()]) if text[-1].lower() in UNITS else int(text)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` so far (Linux's /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list:
    """The process ids below `root` (Linux's /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def watching_cpu(server_pid: int, trainer_pid: int) -> float:
    """CPU time so far of this process and the processes it started, but for the server and
    the trainer (and theirs): the watching client, a Chromium and its driver."""
    excluded = {server_pid, trainer_pid, *descendants(server_pid), *descendants(trainer_pid)}
    total = sum(os.times()[:2])
    for pid in descendants(os.getpid()):
        if pid not in excluded:
            try:
                total += cpu_seconds(pid)
            except (OSError, ValueError):
                continue
    return total


class Poller(threading.Thread):
    """What the Training view asks of the server, from this process, while `on` is set."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.on, self.stop = url, threading.Event(), threading.Event()
        self.requests, self.not_modified, self.samples = 0, 0, 0
        self.etag, self.epochs_seen = None, {}

    def get(self, path: str, headers=None):
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("ETag"), response.read()
        except urllib.error.HTTPError as error:
            return error.code, None, b""

    def poll(self):
        status, etag, body = self.get("api/runs", {"If-None-Match": self.etag} if self.etag else {})
        self.requests += 1
        if status == 304:
            self.not_modified += 1
        elif status == 200:
            self.etag = etag
            for run in json.loads(body)["runs"]:
                if run["epochs"] > self.epochs_seen.get(run["name"], 0):
                    self.get(f"api/runs/{run['name']}/samples")
                    self.samples += 1
                    self.epochs_seen[run["name"]] = run["epochs"]

    def run(self):
        while not self.stop.is_set():
            if self.on.is_set():
                self.poll()
            self.stop.wait(POLL_SECONDS)


class PageWatcher:
    """A Chromium page of the server whose Training view is brought into sight and out."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page()
        self.page.goto(url)
        self.page.wait_for_function("() => window.tempera !== undefined")
        self.page.evaluate("window.tempera.ready.then(() => true, () => false)")
        self.page.evaluate("performance.setResourceTimingBufferSize(100000)")
        self.has_view = self.page.evaluate("!!document.querySelector('[data-testid=training-view]')")
        self.page.evaluate(OUT_OF_SIGHT)
        self.since, self.watching, self.requests = None, False, {True: 0, False: 0}

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def watch(self, on: bool) -> None:
        if self.since is not None:
            self.requests[self.watching] += self.page.evaluate(RUNS_REQUESTS, self.since)
        self.page.evaluate(BACK_IN_SIGHT if on else OUT_OF_SIGHT)
        self.since, self.watching = self.now(), on

    def idle(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)

    def close(self) -> None:
        self.watch(False)
        self.page.close()


class ThreadWatcher:
    def __init__(self, url: str):
        self.poller = Poller(url)
        self.poller.start()
        self.has_view = True

    def watch(self, on: bool) -> None:
        (self.poller.on.set if on else self.poller.on.clear)()

    def idle(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        self.poller.stop.set()
        self.poller.join()

    @property
    def requests(self) -> dict:
        return {"all": self.poller.requests, "304": self.poller.not_modified, "samples": self.poller.samples}


def epochs_done(run: str) -> int:
    try:
        with open(os.path.join(run, "history.json"), encoding="utf-8") as handle:
            return len(json.load(handle))
    except (OSError, ValueError):
        return 0


def watched_run(watcher, server_pid: int, corpus: str, run: str, epochs: int, parity: int) -> dict:
    """Train `run`, watching the epochs whose number has `parity`; each epoch's fit time, and
    the server's CPU time and wall time spent in watched and unwatched epochs."""
    command = [sys.executable, "-m", "tempera", "train", "--corpus", corpus, "--run", run,
               "--recipe", "default", "--units", "128", "--layers", "1", "--epochs", str(epochs),
               "--verbose", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    cpu = {True: 0.0, False: 0.0}
    client = {True: 0.0, False: 0.0}
    wall = {True: 0.0, False: 0.0}
    current = None

    def marks():
        return cpu_seconds(server_pid), watching_cpu(server_pid, process.pid), time.monotonic()

    def add(kind, since):
        now = marks()
        cpu[kind] += now[0] - since[0]
        client[kind] += now[1] - since[1]
        wall[kind] += now[2] - since[2]

    since = marks()
    try:
        while process.poll() is None:
            on = (epochs_done(run) + 1) % 2 == parity
            if on != current:
                if current is not None:
                    add(current, since)
                since = marks()
                watcher.watch(on)
                current = on
            watcher.idle(0.2)
    finally:
        if process.poll() is None:  # the bench was stopped: so is its training
            process.send_signal(signal.SIGINT)
            process.wait()
    add(current, since)
    watcher.watch(False)
    if process.returncode != 0:
        raise SystemExit(f"training failed: {process.stderr.read()[-2000:]}")
    with open(os.path.join(run, "history.json"), encoding="utf-8") as handle:
        history = json.load(handle)
    return {"seconds": {row["epoch"]: row["seconds"] for row in history}, "parity": parity,
            "cpu": cpu, "client": client, "wall": wall}


def neighbour_ratios(seconds: dict, parity: int) -> list:
    """Each watched epoch's time over the mean of the unwatched epochs either side of it."""
    ratios = []
    for epoch, value in seconds.items():
        if epoch >= 3 and epoch % 2 == parity and epoch - 1 in seconds and epoch + 1 in seconds:
            ratios.append(value / ((seconds[epoch - 1] + seconds[epoch + 1]) / 2))
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="training runs per way of watching")
    parser.add_argument("--epochs", type=int, default=11)
    parser.add_argument("--chars", default="150k")
    parser.add_argument("--views", nargs="+", default=["poll", "page"], choices=["poll", "page"])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--work", help="folder for the runs (default: a temporary one)")
    args = parser.parse_args()
    if not os.path.isfile(args.corpus):
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH")
    work = args.work or tempfile.mkdtemp(prefix="training-view-cost-")
    runs = os.path.join(work, "runs")
    os.makedirs(runs, exist_ok=True)
    corpus = os.path.join(work, "corpus.txt")
    with open(args.corpus, encoding="utf-8") as source, open(corpus, "w", encoding="utf-8") as out:
        out.write(source.read(size_of(args.chars)))

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--port", str(port),
                               "--runs", runs], cwd=ROOT, stdout=subprocess.DEVNULL)
    playwright = browser = None
    try:
        wait_for_http(url + "api/runs")
        if "page" in args.views:
            from playwright.sync_api import sync_playwright

            playwright = sync_playwright().start()
            browser = launch_chromium(playwright)
        for way in args.views:
            watcher = PageWatcher(browser, url) if way == "page" else ThreadWatcher(url)
            if not watcher.has_view:
                print(f"{way}: the page has no Training view ([data-testid=training-view]): not measured")
                watcher.close()
                continue
            results = []
            for index in range(args.runs):
                run = os.path.join(runs, f"{way}-{index + 1}")
                results.append(watched_run(watcher, server.pid, corpus, run, args.epochs, index % 2))
                print(f"{way} run {index + 1}: epochs {json.dumps(results[-1]['seconds'])}, "
                      f"watched the {'even' if index % 2 == 0 else 'odd'} ones", flush=True)
            watcher.close()
            report(way, results, watcher.requests)
    finally:
        if browser is not None:
            browser.close()
            playwright.stop()
        server.terminate()
        server.wait(timeout=10)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


def report(way: str, results: list, requests: dict) -> None:
    watched, alone, ratios = [], [], []
    for result in results:
        for epoch, seconds in result["seconds"].items():
            if epoch >= 2:
                (watched if epoch % 2 == result["parity"] else alone).append(seconds)
        ratios += neighbour_ratios(result["seconds"], result["parity"])

    def per_minute(on, kind="cpu"):
        return 60 * sum(r[kind][on] for r in results) / max(1e-9, sum(r["wall"][on] for r in results))

    print(f"\n{way}: {len(results)} runs, requests {requests}")
    print("| epochs | count | median fit time (s) | ratio to unwatched | median ratio to neighbours "
          "| server CPU per minute (s) | client CPU per minute (s) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| unwatched | {len(alone)} | {np.median(alone):.2f} | 1 | - | {per_minute(False):.3f} "
          f"| {per_minute(False, 'client'):.3f} |")
    spread = f"{np.median(ratios):.3f} (n = {len(ratios)}, {min(ratios):.2f}–{max(ratios):.2f})" if ratios else "-"
    print(f"| watched ({way}) | {len(watched)} | {np.median(watched):.2f} | "
          f"{np.median(watched) / np.median(alone):.3f} | {spread} | {per_minute(True):.3f} "
          f"| {per_minute(True, 'client'):.3f} |", flush=True)


if __name__ == "__main__":
    main()
