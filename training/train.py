"""`tempera train`: train a char-LSTM into a run folder, resuming where it stopped."""

import datetime
import math
import signal
import time

import numpy as np
import tf_keras as keras

from tempera.errors import TemperaError
from tempera.vocab import Vocabulary

from .corpus import load_corpus
from .dataset import every_step_batches, ids_tensor, last_step_batches, split_held_out
from .evaluate import HeldOut, bits
from .model import build_model
from .recipes import RECIPES, Recipe
from .run_folder import RunFolder
from .samples import epoch_samples


class StopFlags(keras.callbacks.Callback):
    """Ends an epoch early, after the current batch, on Ctrl-C or when time is up."""

    def __init__(self, deadline: float | None):
        super().__init__()
        self.deadline = deadline
        self.interrupted = False
        self.out_of_time = False

    def on_sigint(self, signum, frame):
        self.interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C quits at once
        print("\nCtrl-C: finishing this batch, then saving (Ctrl-C again to quit now)", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.out_of_time = True
        if self.interrupted or self.out_of_time:
            self.model.stop_training = True


def minimum_corpus_chars(recipe: Recipe, val_fraction: float) -> int:
    """Enough text for one training sequence and one held-out window."""
    held_out = recipe.maxlen + 1
    return max(math.ceil(held_out / val_fraction), recipe.seq_len + 1 + held_out)


def new_config(args) -> dict:
    recipe = RECIPES[args.recipe]
    overrides = {k: getattr(args, k) for k in ("units", "layers", "batch", "learning_rate",
                                                "seq_len") if getattr(args, k) is not None}
    recipe = Recipe.from_dict({**recipe.to_dict(), **overrides})
    if not 0 < args.val_fraction < 1:
        raise TemperaError(f"--val-fraction must be between 0 and 1, got {args.val_fraction}")
    return {"corpus": args.corpus, "lowercase": args.lowercase, "val_fraction": args.val_fraction,
            "seed": args.seed, "recipe": recipe.to_dict(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def compile_model(recipe: Recipe, vocab_size: int):
    model = build_model(vocab_size, recipe.units, recipe.layers,
                        window=None if recipe.every_step else recipe.seq_len,
                        every_step=recipe.every_step)
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}
    optimizer = optimizers[recipe.optimizer](learning_rate=recipe.learning_rate,
                                             clipnorm=recipe.clipnorm)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def training_batches(recipe: Recipe, ids, vocab_size: int, rng):
    if recipe.every_step:
        return every_step_batches(ids, recipe.seq_len, recipe.batch, vocab_size, rng)
    return last_step_batches(ids, recipe.seq_len, recipe.window_step, recipe.batch, vocab_size, rng)


def train(args) -> int:
    run = RunFolder(args.run)
    run.prepare()
    resuming = run.exists()
    if not resuming and args.corpus is None:
        raise TemperaError("a new run needs a corpus: --corpus PATH (or --corpus nietzsche)")
    config = run.config() if resuming else new_config(args)
    if resuming and args.corpus not in (None, config["corpus"]):
        raise TemperaError(f"run folder {run.path} was trained on {config['corpus']}; "
                           "use a new --run folder for another corpus")
    recipe = Recipe.from_dict(config["recipe"])
    corpus = load_corpus(config["corpus"], config["lowercase"],
                         minimum_corpus_chars(recipe, config["val_fraction"]))
    vocab = Vocabulary(run.vocabulary() if resuming else corpus.chars, corpus.lowercase)
    unknown = set(corpus.chars) - set(vocab.chars)
    if unknown:
        raise TemperaError(f"the corpus changed since this run started ({len(unknown)} new "
                           "characters); use a new --run folder")
    corpus = corpus.reindexed(vocab.chars)
    if not resuming:
        config.update(corpus_name=corpus.name, corpus_path=corpus.source,
                      corpus_chars=len(corpus.ids))
        run.write_vocabulary(vocab.chars)
        run.write_config(config)

    train_ids, val_ids = split_held_out(corpus.ids, config["val_fraction"])
    state = run.state()
    keras.utils.set_random_seed(config["seed"] + state["epochs_done"])
    if state["checkpoint"]:
        model = keras.models.load_model(run.file(state["checkpoint"]))
        print(f"resuming {run.path} after epoch {state['epochs_done']} "
              f"from {state['checkpoint']}", flush=True)
    else:
        model = compile_model(recipe, len(vocab))
    print(f"corpus {corpus.name}: {len(corpus.ids):,} chars, {len(vocab)} distinct; "
          f"training on {len(train_ids):,}, holding out {len(val_ids):,}; recipe {recipe.name}: "
          f"{recipe.layers}x LSTM({recipe.units}), batch {recipe.batch}, "
          f"{recipe.optimizer} lr {recipe.learning_rate}", flush=True)

    held_out = HeldOut(val_ids, len(vocab), recipe.units, recipe.layers, recipe.maxlen)
    train_tensor = ids_tensor(train_ids)  # one copy for every epoch
    started = time.monotonic()
    deadline = started + args.time_budget * 60 if args.time_budget else None
    flags = StopFlags(deadline)
    previous_handler = signal.signal(signal.SIGINT, flags.on_sigint)
    try:
        for epoch in range(state["epochs_done"] + 1, args.epochs + 1):
            if flags.out_of_time or (deadline and time.monotonic() > deadline):
                print(f"time budget of {args.time_budget} min used up", flush=True)
                break
            rng = np.random.default_rng([config["seed"], epoch])
            keras.backend.set_value(model.optimizer.learning_rate,
                                    recipe.learning_rate * recipe.lr_decay ** (epoch - 1))
            epoch_start = time.monotonic()
            fitted = model.fit(training_batches(recipe, train_tensor, len(vocab), rng),
                               epochs=epoch, initial_epoch=epoch - 1, callbacks=[flags],
                               verbose=args.verbose)
            seconds = time.monotonic() - epoch_start
            if flags.interrupted:
                save_interrupted(run, model, state, seconds)
                return 130
            state = finish_epoch(run, model, state, epoch, fitted.history["loss"][-1],
                                 held_out, seconds, partial=flags.out_of_time)
            samples = epoch_samples(model, vocab, corpus.ids, recipe.maxlen,
                                    np.random.default_rng([config["seed"], epoch, 1]))
            print(samples, flush=True)
            run.append_samples(f"=== epoch {epoch}\n{samples}\n")
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    best = run.best_epoch() if run.history() else None
    if best:
        print(f"best held-out loss {best['val_loss']:.4f} nats/char at epoch {best['epoch']}; "
              f"run folder {run.path}", flush=True)
    return 0


def finish_epoch(run, model, state, epoch, train_loss, held_out, seconds, partial) -> dict:
    val_loss = held_out.loss(model)
    name = run.checkpoint_name(epoch)
    run.save_checkpoint(model, name)
    total = state["train_seconds"] + seconds
    run.append_history({"epoch": epoch, "train_loss": round(train_loss, 5),
                        "train_bits": round(bits(train_loss), 5), "val_loss": round(val_loss, 5),
                        "val_bits": round(bits(val_loss), 5), "seconds": round(seconds, 1),
                        "train_seconds": round(total, 1), "partial": partial,
                        "checkpoint": name})
    state = {"epochs_done": epoch, "checkpoint": name, "train_seconds": total}
    run.write_state(state)
    print(f"epoch {epoch}: train {train_loss:.4f} nats/char ({bits(train_loss):.4f} bits/char), "
          f"held-out {val_loss:.4f} nats/char ({bits(val_loss):.4f} bits/char), "
          f"{seconds:.0f} s{' (stopped early: time budget)' if partial else ''}", flush=True)
    return state


def save_interrupted(run, model, state, seconds) -> None:
    name = "checkpoints/interrupted.h5"
    run.save_checkpoint(model, name)
    run.write_state({**state, "checkpoint": name, "train_seconds": state["train_seconds"] + seconds})
    print(f"saved {name}; run the same command again to resume", flush=True)
