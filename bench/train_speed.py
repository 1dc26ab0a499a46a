"""How close does a training step come to this CPU's peak floating-point rate, and does what
TensorFlow offers (XLA, batch size, unrolling, thread settings) bring it closer?

    .venv/bin/python bench/train_speed.py [--rounds 3] [--seconds 4] [--thread-rounds 2]

The model is the default recipe's (2 × LSTM(256), dropout 0.3, Adam with clipping, 100-character
sequences, 64 a batch, a vocabulary of 60), built by the product's own build_model and trained by
Keras's fit on random characters. One process builds every variant that can live in one process
(XLA's jit_compile, an unrolled LSTM, other batch sizes) and the peak, warms each up (the first
fit builds the step's graph), then times them in turn, `--rounds` rounds of at least `--seconds`
each: their ratios are measured under the same load. Thread settings take only before TensorFlow
starts, so each runs in a process of its own, interleaved with a process of TensorFlow's defaults.
The peak is the rate of a 2048 × 2048 float32 matrix product (tf.matmul in a tf.function).

FLOPs of a step: each LSTM layer does 4·units·(inputs + units) multiply-adds a character, the
softmax Dense units·vocabulary; a multiply-add is 2 FLOPs and a training step (forward and
backward) about 3 times the forward pass. Prints the medians as Markdown tables.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCAB = 60
IN_PROCESS = {
    "default": {},
    "jit_compile": {"jit_compile": True},
    "unroll": {"unroll": True},
    "batch 32": {"batch": 32},
    "batch 128": {"batch": 128},
    "batch 256": {"batch": 256},
}
THREADS = {"TensorFlow's default": None, "intra 2, inter 1": (2, 1), "intra 1, inter 1": (1, 1)}
PEAK = "peak matmul"


def step_flops(units: int, layers: int, batch: int, seq_len: int, vocab: int = VOCAB) -> float:
    """FLOPs of one training step (forward and backward) of the LSTM and Dense matmuls."""
    macs = 0
    inputs = vocab
    for _ in range(layers):
        macs += 4 * units * (inputs + units)
        inputs = units
    macs += units * vocab
    return 3 * 2 * macs * batch * seq_len


def peak_timer():
    import tensorflow as tf

    n = 2048
    a, b = tf.random.uniform((n, n)), tf.random.uniform((n, n))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    product().numpy()

    def timed(seconds):
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            product().numpy()
            count += 1
        return 2 * n ** 3 * count / (time.perf_counter() - started), None
    return timed


def training_timer(settings: dict):
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    sys.path.insert(0, ROOT)
    from tempera.training.model import build_model
    from tempera.training.recipes import RECIPES

    recipe = RECIPES["default"]
    batch, seq_len = settings.get("batch", recipe.batch), recipe.seq_len
    unroll = settings.get("unroll", False)
    model = build_model(VOCAB, recipe.units, recipe.layers, every_step=True, dropout=recipe.dropout,
                        window=seq_len if unroll else None)
    if unroll:
        config = model.get_config()
        for layer in config["layers"]:
            if layer["class_name"] == "LSTM":
                layer["config"]["unroll"] = True
        model = keras.Model.from_config(config)
    optimizer = keras.optimizers.Adam(learning_rate=recipe.learning_rate, clipnorm=recipe.clipnorm)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  jit_compile=settings.get("jit_compile", False))
    ids = np.random.default_rng(0).integers(0, VOCAB, size=(16 * batch, seq_len + 1))
    data = tf.data.Dataset.from_tensor_slices(ids).batch(batch, drop_remainder=True).map(
        lambda w: (tf.one_hot(w[:, :-1], VOCAB), w[:, 1:])).repeat().prefetch(4)
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)  # builds the step's graph
    flops = step_flops(recipe.units, recipe.layers, batch, seq_len)
    steps_per_fit = max(1, 512 // batch)

    def timed(seconds):
        steps, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            model.fit(data, steps_per_epoch=steps_per_fit, epochs=1, verbose=0)
            steps += steps_per_fit
        elapsed = time.perf_counter() - started
        return flops * steps / elapsed, batch * seq_len * steps / elapsed
    return timed


def child(names: list, threads, rounds: int, seconds: float) -> dict:
    """In this process: each named variant's rates, `rounds` times, in turn."""
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads[0])
        tf.config.threading.set_inter_op_parallelism_threads(threads[1])
    timers = {name: peak_timer() if name == PEAK else training_timer(IN_PROCESS[name]) for name in names}
    rates = {name: [] for name in names}
    for _ in range(rounds):
        for name, timed in timers.items():
            rates[name].append(timed(seconds))
    return rates


def run_child(names: list, threads, rounds: int, seconds: float) -> dict:
    command = [sys.executable, __file__, "--child", json.dumps({"names": names, "threads": threads}),
               "--rounds", str(rounds), "--seconds", str(seconds)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{names} {threads} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_of(pairs: list, index: int):
    values = [pair[index] for pair in pairs if pair[index] is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--thread-rounds", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(IN_PROCESS), choices=list(IN_PROCESS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(child(spec["names"], spec["threads"], args.rounds, args.seconds)))
        return

    loads = [os.getloadavg()[0]]
    rates = run_child([*args.variants, PEAK], None, args.rounds, args.seconds)
    loads.append(os.getloadavg()[0])
    peak = median_of(rates[PEAK], 0)
    base = median_of(rates["default"], 0) if "default" in rates else None
    print(f"One process, {args.rounds} rounds of {args.seconds:g} s each; load average (1 min) "
          f"{min(loads):.1f} to {max(loads):.1f}")
    print()
    print("| variant | GFLOP/s (median) | characters/s | of the matmul peak | against the default |")
    print("|---|---|---|---|---|")
    for name in [*args.variants, PEAK]:
        rate, chars = median_of(rates[name], 0), median_of(rates[name], 1)
        print(f"| {name} | {rate / 1e9:.2f} | {f'{chars:,.0f}' if chars else ''} | "
              f"{100 * rate / peak:.0f} % | {f'{rate / base:.2f}' if base and name != PEAK else ''} |")
    print(flush=True)

    if not args.thread_rounds:
        return
    by_threads = {name: [] for name in THREADS}
    for _ in range(args.thread_rounds):
        for name, threads in THREADS.items():
            result = run_child(["default", PEAK], threads, 1, args.seconds)
            by_threads[name].append((result["default"][0][0], result[PEAK][0][0]))
            print(f"{name}: {result['default'][0][0] / 1e9:.2f} GFLOP/s", file=sys.stderr, flush=True)
            loads.append(os.getloadavg()[0])
    base = statistics.median(r[0] for r in by_threads["TensorFlow's default"])
    print(f"Thread settings, a process each, {args.thread_rounds} rounds in turn; load average (1 min) "
          f"{min(loads):.1f} to {max(loads):.1f}")
    print()
    print("| threads | training GFLOP/s (median) | matmul peak GFLOP/s | training against TensorFlow's default |")
    print("|---|---|---|---|")
    for name, pairs in by_threads.items():
        train = statistics.median(p[0] for p in pairs)
        print(f"| {name} | {train / 1e9:.2f} | {statistics.median(p[1] for p in pairs) / 1e9:.2f} | "
              f"{train / base:.2f} |")


if __name__ == "__main__":
    main()
