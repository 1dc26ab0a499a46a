"""`tempera train`: train a char-LSTM into a run folder, resuming where it stopped.

Everything that can be wrong is checked before TensorFlow loads (which takes seconds): the
options, the run folder and its lock, the corpus. Then training.fitting trains.
"""

import importlib.util
import math
import os
import sys
from collections import Counter
from contextlib import nullcontext

import numpy as np

from tempera.errors import TemperaError
from tempera.quiet import import_quietly
from tempera.vocab import Vocabulary

from .clock import command_started, is_fresh_process
from .corpus import load_corpus
from .options import (check_config, check_same_recipe, choose_for_text, is_chief,
                      join_timeout_minutes, new_config, read_tf_config)
from .recipes import Recipe
from .rendezvous import wait_for_workers
from .run_folder import RunFolder
from .stopped import StoppedWaiting, ctrl_c_noted

# Without the training extra nothing here can train: say so first, whatever else is wrong.
for _needed in ("tensorflow", "tf_keras"):
    if importlib.util.find_spec(_needed) is None:
        raise ImportError(f"No module named {_needed!r}", name=_needed)


def minimum_corpus_chars(recipe: Recipe, val_fraction: float) -> int:
    """Enough text for one training sequence and one held-out window."""
    held_out = recipe.maxlen + 1
    return max(math.ceil(held_out / val_fraction), recipe.seq_len + 1 + held_out)


def open_run(run: RunFolder, args) -> tuple:
    """The run's config, and whether it has trained before (resume) or starts now.

    A folder with a config but no finished or interrupted epoch has trained nothing: given a
    corpus, it starts over with the options given now, so a mistake is never locked in.
    """
    started = run.has_started()
    if started or (run.exists() and args.corpus is None):
        config = check_config(run.config(), run.path)
        if args.corpus not in (None, config["corpus"]):
            raise TemperaError(f"run folder {run.path} was trained on {config['corpus']}; "
                               "use a new --run folder for another corpus")
        check_same_recipe(args, config, run.path)
        run.state(), run.history()  # each of the right shape, or an error now
        return config, started
    if args.corpus is None:
        raise TemperaError("a new run needs a corpus: --corpus PATH (or --corpus nietzsche)")
    return new_config(args), False


def load_training_corpus(run: RunFolder, config: dict, resuming: bool):
    recipe = Recipe.from_dict(config["recipe"])
    corpus = load_corpus(config["corpus"], config["lowercase"],
                         minimum_corpus_chars(recipe, config["val_fraction"]))
    vocab = Vocabulary(run.vocabulary() if resuming else corpus.chars, corpus.lowercase)
    unknown = set(corpus.chars) - set(vocab.chars)
    if unknown:
        raise TemperaError(f"the corpus changed since this run started ({len(unknown)} new "
                           "characters); use a new --run folder")
    return corpus.reindexed(vocab.chars), vocab


def text_counts(corpus) -> Counter:
    """How often each of the text's characters occurs in it."""
    counts = np.bincount(corpus.ids, minlength=len(corpus.chars))
    return Counter({char: int(n) for char, n in zip(corpus.chars, counts)})


def train(args) -> int:
    # The time budget counts from the process's start, or from here when it is older.
    args.fresh_process = is_fresh_process()
    args.started = command_started()
    cluster = read_tf_config() if getattr(args, "strategy", None) == "multi-worker" else None
    run = RunFolder(args.run)
    with ctrl_c_noted():
        return train_in(run, cluster, args)


def train_in(run, cluster, args) -> int:
    try:
        # Only the chief of a cluster writes (and locks) the run folder; other workers read it.
        with run.claimed() if cluster is None or is_chief(cluster) else nullcontext():
            config, resuming = open_run(run, args)
            corpus, vocab = load_training_corpus(run, config, resuming)
            chosen = None if resuming else choose_for_text(config, args, len(corpus.ids),
                                                             text_counts(corpus))
            if cluster is not None:
                wait_for_workers(cluster, join_timeout_minutes(args))
            if chosen and (cluster is None or is_chief(cluster)):
                print(chosen, flush=True)
            fitting = import_quietly("tempera.training.fitting")
            status = fitting.train(run, config, resuming, corpus, vocab, args)
    except StoppedWaiting as stopped:  # the run folder is let go by now
        print(stopped.message, file=sys.stderr, flush=True)
        return stopped.status
    if cluster is None and is_this_command(args):
        leave_now(status)
    return status


def is_this_command(args) -> bool:
    """Is this process the `tempera train` command itself (not a caller of it, such as a test)?"""
    return sys.argv[1:2] == ["train"] and args.fresh_process


def leave_now(status: int) -> None:
    """End the process now that every file is written: TensorFlow's teardown at exit takes
    seconds on a busy machine, which the time budget would otherwise not cover."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
