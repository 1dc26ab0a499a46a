"""Training throughput on one process and on two workers, and what scaling out would give.

    .venv/bin/python bench/distributed.py [--corpus PATH] [--steps 40] [--warmup 8]

Measures examples (training sequences) per second of the real training step (the recipe's model,
optimizer and tf.data pipeline, as `tempera train` builds them) for: the default recipe in one
process; the default recipe on two `--strategy multi-worker` workers on loopback ports; and a
2 × LSTM(512) model in one process. Prints the bytes each step all-reduces (the gradients, float32)
and, from the measured step times, an estimate of the speed-up on N workers over a 10 Gbit/s
network (ring all-reduce), to show where communication starts to dominate.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SHARED_NIETZSCHE = os.path.join(ROOT, "..", "shared", "corpora", "nietzsche.txt")
NETWORK_BYTES_PER_S = 10e9 / 8  # 10 Gbit/s
LATENCY_S = 50e-6  # one message between two machines on such a network
WORKERS = [1, 2, 4, 8, 16, 32, 64]


def measure(corpus: str, units: int, steps: int, warmup: int, strategy: str) -> dict:
    """In this process: seconds per training step (median after the warm-up) and the model's
    trainable weights. With --strategy multi-worker, TF_CONFIG places this process."""
    import numpy as np
    import tf_keras as keras

    from training.distribute import Cluster

    cluster = Cluster(strategy)  # first: multi-worker needs it before any other op
    from tempera.vocab import Vocabulary
    from training.corpus import load_corpus
    from training.dataset import ids_tensor, shard_in_memory
    from training.recipes import RECIPES, Recipe
    from training.fitting import StopFlags, compile_model, training_batches

    recipe = Recipe.from_dict({**RECIPES["default"].to_dict(), "units": units})
    text = load_corpus(corpus, True, recipe.seq_len + 2)
    vocab = Vocabulary(text.chars, True)
    keras.utils.set_random_seed(1)
    with cluster.scope():
        model = compile_model(recipe, len(vocab))
    batches = training_batches(recipe, ids_tensor(text.reindexed(vocab.chars).ids), len(vocab),
                               np.random.default_rng(1))
    stamps = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            stamps.append(time.perf_counter())

    # StopFlags as training uses it: with several workers they agree after every batch.
    model.fit(shard_in_memory(batches.take(warmup + steps)), epochs=1, verbose=0,
              callbacks=[StopFlags(None, cluster), Clock()])
    times = [b - a for a, b in zip(stamps[warmup - 1:], stamps[warmup:])]
    weights = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return {"seconds_per_step": statistics.median(times), "batch": recipe.batch,
            "weights": weights, "replicas": cluster.replicas, "vocab": len(vocab)}


def run_measure(corpus, units, steps, warmup, strategy="one", env=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--measure", "--corpus", corpus, "--units", str(units),
         "--steps", str(steps), "--warmup", str(warmup), "--strategy", strategy],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})})


def result_of(process) -> dict:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a measurement failed (exit {process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def two_workers(corpus, steps, warmup) -> list:
    sockets = [socket.socket() for _ in range(2)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    cluster = {"worker": [f"localhost:{s.getsockname()[1]}" for s in sockets]}
    for s in sockets:
        s.close()
    processes = [run_measure(corpus, 256, steps, warmup, "multi-worker", {
        "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
        for i in range(2)]
    return [result_of(p) for p in processes]


def ring_allreduce_seconds(workers: int, gradient_bytes: float) -> float:
    """Each worker sends and receives 2 (N - 1) / N of the gradients, in 2 (N - 1) messages."""
    if workers == 1:
        return 0.0
    return (2 * (workers - 1) / workers * gradient_bytes / NETWORK_BYTES_PER_S
            + 2 * (workers - 1) * LATENCY_S)


def estimate(name: str, step_seconds: float, gradient_bytes: float) -> None:
    """The recipe's global batch split over N workers: each computes 1/N of the step, then all
    reduce the whole gradient."""
    print(f"\n{name}: one step {step_seconds * 1000:.0f} ms on one worker, "
          f"{gradient_bytes / 1e6:.2f} MB of gradients all-reduced per step\n")
    print("| workers | compute per step (ms) | all-reduce per step (ms) | speed-up | communication share |")
    print("|---|---|---|---|---|")
    for n in WORKERS:
        compute = step_seconds / n
        talk = ring_allreduce_seconds(n, gradient_bytes)
        print(f"| {n} | {compute * 1000:.1f} | {talk * 1000:.2f} | "
              f"{step_seconds / (compute + talk):.1f}x | {talk / (compute + talk):.0%} |")
    # Communication dominates once compute / N falls below the all-reduce time.
    crossing = next((n for n in range(1, 10_000)
                     if step_seconds / n < ring_allreduce_seconds(n, gradient_bytes)), None)
    print(f"\nCommunication takes more than half of each step from {crossing} workers on.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=SHARED_NIETZSCHE if os.path.exists(SHARED_NIETZSCHE) else "nietzsche")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=int, default=256, help=argparse.SUPPRESS)
    parser.add_argument("--strategy", default="one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        print(json.dumps(measure(args.corpus, args.units, args.steps, args.warmup, args.strategy)))
        return

    one = result_of(run_measure(args.corpus, 256, args.steps, args.warmup))
    pair = two_workers(args.corpus, args.steps, args.warmup)
    big = result_of(run_measure(args.corpus, 512, args.steps, args.warmup))
    batch = one["batch"]
    rate = lambda r: batch / r["seconds_per_step"]  # noqa: E731  examples (sequences) per second
    pair_step = max(r["seconds_per_step"] for r in pair)  # the cluster goes at its slower worker
    print(f"Default recipe (2 x LSTM(256), global batch {batch} sequences of 100 characters, "
          f"vocabulary {one['vocab']}), {args.steps} steps after {args.warmup} of warm-up, "
          "median step time:\n")
    print("| setting | step (ms) | examples/s | against one process |")
    print("|---|---|---|---|")
    print(f"| one process | {one['seconds_per_step'] * 1000:.0f} | {rate(one):.0f} | 1.00 |")
    print(f"| two workers, one machine (2 cores), loopback | {pair_step * 1000:.0f} | "
          f"{batch / pair_step:.0f} | {one['seconds_per_step'] / pair_step:.2f} |")
    print(f"| 2 x LSTM(512), one process | {big['seconds_per_step'] * 1000:.0f} | {rate(big):.0f} | "
          f"{one['seconds_per_step'] / big['seconds_per_step']:.2f} |")
    for name, result in (("Default recipe, 2 x LSTM(256)", one), ("2 x LSTM(512)", big)):
        print(f"\n{name}: {result['weights']:,} trainable weights")
        estimate(name, result["seconds_per_step"], 4 * result["weights"])


if __name__ == "__main__":
    main()
