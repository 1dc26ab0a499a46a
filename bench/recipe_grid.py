"""Which recipe holds out best for a text of a given size and a given time budget?

    .venv/bin/python bench/recipe_grid.py [--sizes 30k 300k 1m] [--minutes 3 10]
        [--recipes 1x128-d0.1 1x256-d0.2 2x256-d0.3 2x512-d0.3] [--parallel 2] [--work /tmp/grid]
    .venv/bin/python bench/recipe_grid.py --table-only [--work /tmp/grid]

For each cell (text size × budget) runs `tempera train --corpus TEXT --time-budget M
--epochs 100000 --verbose 0` once per recipe, the recipes of one cell side by side (at most
--parallel at a time) so that they share the same contention, and reads the best held-out loss
the run recorded (nats/char, the whole held-out set when the run measured it). A recipe is
`LAYERSxUNITS-dDROPOUT`, optionally with `-bBATCH`, `-sSEQ_LEN`, `-lrRATE` and `-from-MODEL`
(e.g. `2x512-d0.3-b128`, `2x256-d0.3-lr0.002-from-nietzsche`; without `-from-` a run starts from
random weights); `auto` gives no recipe option, so the run uses the recipe `tempera train`
chooses itself, and `auto-from-none` the same but from random weights.

The texts are made in --work, never in the checkout: 30k is the GPL-3 text of
/usr/share/common-licenses (35,149 characters), 300k the first 300,000 characters of
../shared/corpora/nietzsche.txt, 1m the first 1,000,000 characters of the King James Bible
(Debian's bible-kjv package) without verse references. --text NAME=PATH uses another text
(its size read from the name: `kjv-30k`).

Results are appended to WORK/results.jsonl (one line a run, with the load average before and
after); a run folder that already has a result is not run again, so a stopped grid resumes.
Prints a Markdown table: cell × recipe → best held-out, the best of each cell in bold.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NIETZSCHE = os.path.join(ROOT, "..", "shared", "corpora", "nietzsche.txt")
RECIPE_SPEC = re.compile(r"^(\d+)x(\d+)-d([0-9.]+)(?:-b(\d+))?(?:-s(\d+))?(?:-lr([0-9.]+))?"
                         r"(?:-from-([a-z]+))?$")
# Where a run starts: `auto` lets `tempera train` choose; `auto-from-none` chooses the recipe
# but starts from random weights, `auto-from-nietzsche` from the shipped model.
AUTO_SPEC = re.compile(r"^auto(?:-from-([a-z]+))?$")


def recipe_options(spec: str) -> list:
    """The `tempera train` options of a recipe spec ('auto': none)."""
    automatic = AUTO_SPEC.match(spec)
    if automatic:
        return ["--start-from", automatic.group(1)] if automatic.group(1) else []
    match = RECIPE_SPEC.match(spec)
    if not match:
        raise SystemExit(f"recipe {spec!r} is not LAYERSxUNITS-dDROPOUT[-bBATCH][-sSEQ_LEN][-lrRATE]"
                         "[-from-MODEL] or auto[-from-MODEL]")
    layers, units, dropout, batch, seq_len, rate, start = match.groups()
    options = ["--layers", layers, "--units", units, "--dropout", dropout,
               "--batch", batch or "64", "--seq-len", seq_len or "100",
               "--start-from", start or "none"]
    return options + (["--learning-rate", rate] if rate else [])


def make_text(size: str, work: str, given: dict) -> str:
    if size in given:
        return given[size]
    path = os.path.join(work, f"text-{size}.txt")
    if os.path.isfile(path):
        return path
    if size == "30k":
        shutil.copyfile("/usr/share/common-licenses/GPL-3", path)
    elif size == "300k":
        with open(NIETZSCHE, encoding="utf-8") as handle:
            text = handle.read()[:300_000]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    elif size == "1m":
        bible = subprocess.run(["bible", "-f", "Genesis 1:1-Revelation 22:21"], capture_output=True,
                               text=True, check=True).stdout
        text = "\n".join(re.sub(r"^[^ ]+ ", "", line) for line in bible.splitlines())[:1_000_000]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        raise SystemExit(f"no text for size {size!r}: give one with --text {size}=PATH")
    return path


def read_result(run: str) -> dict:
    """The best epoch of a finished run, and how its wall time went."""
    from tempera.training.run_folder import RunFolder

    folder = RunFolder(run)
    best = folder.best_epoch()
    config = folder.config()
    history = folder.history()
    return {"best_val_loss": best["val_loss"], "best_epoch": best["epoch"],
            "val_windows": best.get("val_windows"), "epochs": len(history),
            "recipe": config["recipe"], "recipe_reason": config.get("recipe_reason"),
            "timing": config.get("timing", {})}


def run_cell(size: str, text: str, minutes: float, specs: list, work: str, parallel: int,
             keep_case: bool = False) -> list:
    results = []
    pending = [spec for spec in specs if not os.path.isfile(result_file(work, size, minutes, spec))]
    for start in range(0, len(pending), parallel):
        group = pending[start:start + parallel]
        load_before = os.getloadavg()
        processes = []
        for spec in group:
            run = run_folder(work, size, minutes, spec)
            shutil.rmtree(run, ignore_errors=True)
            command = [sys.executable, "-m", "tempera.cli", "train", "--corpus", text, "--run", run,
                       "--epochs", "100000", "--time-budget", str(minutes), "--verbose", "0",
                       *recipe_options(spec), *(["--keep-case"] if keep_case else [])]
            log = open(run + ".log", "w", encoding="utf-8")
            processes.append((spec, run, log, time.monotonic(),
                              subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)))
        for spec, run, log, started, process in processes:
            status = process.wait()
            wall = time.monotonic() - started
            log.close()
            if status != 0:
                print(f"{size} {minutes} min {spec}: exit {status}, see {run}.log", file=sys.stderr)
                continue
            result = {"size": size, "minutes": minutes, "spec": spec, "run": run, "wall": round(wall, 1),
                      "load_before": [round(x, 2) for x in load_before],
                      "load_after": [round(x, 2) for x in os.getloadavg()],
                      "side_by_side": len(group), **read_result(run)}
            with open(result_file(work, size, minutes, spec), "w", encoding="utf-8") as handle:
                json.dump(result, handle)
            with open(os.path.join(work, "results.jsonl"), "a", encoding="utf-8") as handle:
                handle.write(json.dumps(result) + "\n")
            print(f"{size} {minutes} min {spec}: best held-out {result['best_val_loss']:.4f} at epoch "
                  f"{result['best_epoch']} of {result['epochs']}, wall {wall:.0f} s, load "
                  f"{load_before[0]:.1f} → {result['load_after'][0]:.1f}", flush=True)
            results.append(result)
    return results


def run_folder(work: str, size: str, minutes: float, spec: str) -> str:
    return os.path.join(work, "runs", f"{size}-{minutes:g}m-{spec}")


def result_file(work: str, size: str, minutes: float, spec: str) -> str:
    return run_folder(work, size, minutes, spec) + ".result.json"


def table(work: str) -> str:
    """cell × recipe → best held-out, from every result in WORK (the latest of each)."""
    path = os.path.join(work, "results.jsonl")
    latest = {}
    if os.path.isfile(path):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            row.setdefault("run", run_folder(work, row["size"], float(row["minutes"]), row["spec"]))
            latest[(row["size"], float(row["minutes"]), row["spec"])] = row
    specs = list(dict.fromkeys(spec for _, _, spec in latest))
    cells = sorted({(size, minutes) for size, minutes, _ in latest},
                   key=lambda cell: (size_chars(cell[0]), cell[1]))
    lines = ["| text | budget (min) | " + " | ".join(specs) + " | load average (1 min) |",
             "|---|---|" + "---|" * len(specs) + "---|"]
    for size, minutes in cells:
        rows = {spec: latest.get((size, minutes, spec)) for spec in specs}
        best = min(r["best_val_loss"] for r in rows.values() if r)
        cells_text = []
        for spec in specs:
            row = rows[spec]
            if row is None:
                cells_text.append("")
                continue
            part = "" if row["val_windows"] >= whole_windows(row["run"]) else "†"
            figure = f"{row['best_val_loss']:.4f}{part} ({row['epochs']} ep)"
            cells_text.append(f"**{figure}**" if row["best_val_loss"] == best else figure)
        loads = [x for r in rows.values() if r for x in (r["load_before"][0], r["load_after"][0])]
        lines.append(f"| {size} | {minutes:g} | " + " | ".join(cells_text)
                     + f" | {min(loads):.1f}–{max(loads):.1f} |")
    lines.append("")
    lines.append("(N ep): epochs run. †: measured on part of the held-out windows (the whole set did "
                 "not fit in the budget).")
    return "\n".join(lines)


def whole_windows(run: str) -> int:
    """How many held-out windows the run's whole held-out set has."""
    from tempera.held_out import held_out_step

    with open(os.path.join(run, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    held_out = int(round(config["corpus_chars"] * config["val_fraction"]))
    return len(range(0, held_out - config["recipe"]["maxlen"], held_out_step(held_out)))


def size_chars(size: str) -> float:
    """'30k' → 30,000; a text named otherwise ('kjv-30k') by the size in its name."""
    found = re.findall(r"(\d+(?:\.\d+)?)([km]?)", size)
    if not found:
        return 0.0
    number, unit = found[-1]
    return float(number) * {"k": 1e3, "m": 1e6, "": 1.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["30k", "300k", "1m"])
    parser.add_argument("--minutes", nargs="+", type=float, default=[3, 10])
    parser.add_argument("--recipes", nargs="+",
                        default=["1x128-d0.1", "1x256-d0.2", "2x256-d0.3", "2x512-d0.3"])
    parser.add_argument("--parallel", type=int, default=2, help="runs of one cell at a time")
    parser.add_argument("--text", action="append", default=[], metavar="SIZE=PATH")
    parser.add_argument("--work", default="/tmp/grid")
    parser.add_argument("--keep-case", action="store_true",
                        help="train with --keep-case (use another --work for such runs)")
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    os.makedirs(os.path.join(args.work, "runs"), exist_ok=True)
    if not args.table_only:
        given = dict(item.split("=", 1) for item in args.text)
        for minutes in args.minutes:
            for size in args.sizes:
                run_cell(size, make_text(size, args.work, given), minutes, args.recipes, args.work,
                         args.parallel, args.keep_case)
    print(table(args.work))


if __name__ == "__main__":
    main()
