"""Training itself, once training.train has checked the options, the run folder and the corpus:
the cluster, the model, and the epochs, each recorded in the run folder."""

import shutil
import signal
import time

import numpy as np
import tf_keras as keras

from tempera.baselines import measure_baselines, read_baselines, verdict
from tempera.errors import TemperaError
from tempera.held_out import split_held_out

from .dataset import every_step_batches, ids_tensor, last_step_batches, shard_in_memory
from .distribute import Cluster, cluster_lost, restart_to_rejoin
from .evaluate import HeldOut
from .model import build_model
from .recipes import Recipe
from .run_folder import BACKUP_FOLDER, EpochResult, RunFolder
from .samples import epoch_samples


BACKUP_EVERY = 100  # multi-worker: batches between backups of the training state


class StopFlags(keras.callbacks.Callback):
    """Ends an epoch early, after the current batch, on Ctrl-C or when time is up. With several
    workers the chief's clock decides, and every worker stops at the same batch: they agree
    after each batch."""

    def __init__(self, deadline: float | None, cluster: Cluster):
        super().__init__()
        self.deadline = deadline
        self.cluster = cluster
        self.interrupted = False
        self.out_of_time = False

    def on_sigint(self, signum, frame):
        self.interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C quits at once
        print("\nCtrl-C: finishing this batch, then saving (Ctrl-C again to quit now)", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        if self.cluster.is_chief and self.deadline is not None and time.monotonic() > self.deadline:
            self.out_of_time = True
        if self.cluster.workers > 1:
            # Ctrl-C on any worker (2), or the chief's time budget (1), stops them all here.
            level = self.cluster.agreed(2 if self.interrupted else 1 if self.out_of_time else 0)
            self.interrupted, self.out_of_time = level == 2, level == 1
        if self.interrupted or self.out_of_time:
            self.model.stop_training = True


def compile_model(recipe: Recipe, vocab_size: int):
    model = build_model(vocab_size, recipe.units, recipe.layers,
                        window=None if recipe.every_step else recipe.seq_len,
                        every_step=recipe.every_step, dropout=recipe.dropout)
    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}
    optimizer = optimizers[recipe.optimizer](learning_rate=recipe.learning_rate,
                                             clipnorm=recipe.clipnorm)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def training_batches(recipe: Recipe, ids, vocab_size: int, rng):
    if recipe.every_step:
        return every_step_batches(ids, recipe.seq_len, recipe.batch, vocab_size, rng)
    return last_step_batches(ids, recipe.seq_len, recipe.window_step, recipe.batch, vocab_size, rng)


def train(run: RunFolder, config: dict, resuming: bool, corpus, vocab, args) -> int:
    # The strategy comes first: a multi-worker one must exist before any other TensorFlow op.
    cluster = Cluster(getattr(args, "strategy", None) or "one")
    try:
        return train_on(cluster, run, config, resuming, corpus, vocab, args)
    except Exception as error:  # tf.errors.* from inside fit, when another worker went away
        if cluster.workers > 1 and cluster_lost(error):
            restart_to_rejoin(error)
        raise


def train_on(cluster: Cluster, run: RunFolder, config, resuming, corpus, vocab, args) -> int:
    """Trains on this process's part of the cluster. Only the chief writes the run folder; every
    other worker reads it and writes what it must (TensorFlow makes every worker save) into a
    temporary folder of its own, removed at the end."""
    scratch = cluster.scratch_folder()
    try:
        writes = run if cluster.is_chief else RunFolder(scratch)
        if not cluster.is_chief:
            writes.prepare()
        return train_into(cluster, run, writes, config, resuming, corpus, vocab, args)
    finally:
        if not cluster.is_chief:
            writes.lock.release()
        cluster.remove_scratch(scratch)


def train_into(cluster, run, writes, config, resuming, corpus, vocab, args) -> int:
    recipe = Recipe.from_dict(config["recipe"])
    if not resuming:
        config.update(corpus_name=corpus.name, corpus_path=corpus.source,
                      corpus_chars=len(corpus.ids), corpus_sha256=corpus.sha256)
        writes.write_vocabulary(vocab.chars)
    # Where this run trains now (a resumed run may move to another cluster).
    config.update(strategy=cluster.name, workers=cluster.workers, replicas=cluster.replicas)
    if read_baselines(config) is None:  # what the held-out loss is put beside, in words
        config["baselines"] = measure_baselines(corpus.ids, len(vocab), config["val_fraction"], recipe.maxlen)
    writes.write_config(config)

    train_ids, val_ids = split_held_out(corpus.ids, config["val_fraction"])
    state = run.state()
    if state["epochs_done"] >= args.epochs:
        print(f"run folder {run.path} has trained {state['epochs_done']} epochs already; "
              f"pass --epochs above {state['epochs_done']} to train on", flush=True)
        return 0
    # Seeded before the model is made, so a run's first weights follow from its seed too.
    keras.utils.set_random_seed(config["seed"] + state["epochs_done"])
    with cluster.scope():
        if state["checkpoint"]:
            model, state = resume(run, state)
        else:
            model = compile_model(recipe, len(vocab))
    keras.utils.set_random_seed(config["seed"] + state["epochs_done"])  # the epoch resumed at
    print(f"corpus {corpus.name}: {len(corpus.ids):,} chars, {len(vocab)} distinct; "
          f"training on {len(train_ids):,}, holding out {len(val_ids):,}; recipe {recipe.name}: "
          f"{recipe.layers}x LSTM({recipe.units}), batch {recipe.batch}, "
          f"{recipe.optimizer} lr {recipe.learning_rate}", flush=True)
    print(cluster.describe(recipe.batch), flush=True)

    held_out = HeldOut(val_ids, len(vocab), recipe.units, recipe.layers, recipe.maxlen)
    epochs = EpochLoop(writes, config, recipe, model, vocab, corpus, held_out, args, cluster,
                       backup_dir=run.file(BACKUP_FOLDER))
    status = epochs.run(ids_tensor(train_ids), state)
    if cluster.is_chief:
        # What is left of the backups (other workers' empty temporary folders): training
        # stopped on purpose, so there is nothing mid-epoch to resume from.
        shutil.rmtree(run.file(BACKUP_FOLDER), ignore_errors=True)
    best = writes.best_epoch() if cluster.is_chief and writes.history() else None
    if best:
        print(f"best held-out loss {best['val_loss']:.4f} nats/char at epoch {best['epoch']}; "
              f"run folder {run.path}", flush=True)
        if read_baselines(config) and best["val_loss"] is not None:
            print(f"the best epoch is {verdict(best['val_loss'], config['baselines'])}", flush=True)
    return status


def resume(run: RunFolder, state: dict) -> tuple:
    """The model to go on from: the state's checkpoint, or where that one is damaged, the
    newest earlier epoch that reads (its later epochs are trained again)."""
    try:
        model = run.load_checkpoint(state["checkpoint"])
    except TemperaError as damaged:
        for row in reversed([r for r in run.history() if r["epoch"] <= state["epochs_done"]]):
            if row["checkpoint"] == state["checkpoint"]:
                continue
            try:
                model = run.load_checkpoint(row["checkpoint"])
            except TemperaError:
                continue
            print(f"note: {damaged}; resuming from epoch {row['epoch']} instead", flush=True)
            state = {"epochs_done": row["epoch"], "checkpoint": row["checkpoint"],
                     "train_seconds": row["train_seconds"]}
            break
        else:
            raise
    print(f"resuming {run.path} after epoch {state['epochs_done']} "
          f"from {state['checkpoint']}", flush=True)
    return model, state


class EpochLoop:
    """Fits one epoch at a time, then evaluates, checkpoints and samples it. With several
    workers, each decision to stop is the chief's, agreed by all, so they stop together."""

    def __init__(self, run, config, recipe, model, vocab, corpus, held_out, args, cluster,
                 backup_dir):
        self.run_folder, self.config, self.recipe, self.model = run, config, recipe, model
        self.vocab, self.corpus, self.held_out = vocab, corpus, held_out
        self.last_epoch, self.verbose, self.time_budget = args.epochs, args.verbose, args.time_budget
        self.patience = getattr(args, "patience", None)
        self.cluster, self.backup_dir = cluster, backup_dir
        self.backup_every = getattr(args, "backup_every", None) or BACKUP_EVERY

    def run(self, train_tensor, state) -> int:
        deadline = time.monotonic() + self.time_budget * 60 if self.time_budget else None
        flags = StopFlags(deadline, self.cluster)
        previous_handler = signal.signal(signal.SIGINT, flags.on_sigint)
        try:
            for epoch in range(state["epochs_done"] + 1, self.last_epoch + 1):
                out_of_time = flags.out_of_time or bool(deadline and time.monotonic() > deadline)
                if self.cluster.agree(self.cluster.is_chief and out_of_time):
                    print(f"time budget of {self.time_budget} min used up", flush=True)
                    break
                train_loss, seconds = self.fit(epoch, train_tensor, flags)
                if flags.interrupted:
                    save_interrupted(self.run_folder, self.model, state, seconds)
                    return 130
                state = self.finish(epoch, state, train_loss, seconds, partial=flags.out_of_time)
                if self.stalled(epoch):
                    break
        finally:
            signal.signal(signal.SIGINT, previous_handler)
        return 0

    def stalled(self, epoch: int) -> bool:
        """Early stopping: no better held-out loss for `patience` epochs (the chief's history)."""
        if not self.patience:
            return False
        if not self.cluster.is_chief:
            return self.cluster.agree(False)
        return self.cluster.agree(self.chief_stalled(epoch))

    def chief_stalled(self, epoch: int) -> bool:
        try:
            best = self.run_folder.best_epoch()["epoch"]
        except TemperaError:  # no epoch with a finite held-out loss yet
            best = 0
        if epoch - best < self.patience:
            return False
        print(f"held-out loss has not improved for {epoch - best} epochs (best: epoch {best}); "
              "stopping", flush=True)
        return True

    def fit(self, epoch: int, train_tensor, flags) -> tuple:
        recipe = self.recipe
        rng = np.random.default_rng([self.config["seed"], epoch])
        keras.backend.set_value(self.model.optimizer.learning_rate,
                                recipe.learning_rate * recipe.lr_decay ** (epoch - 1))
        started = time.monotonic()
        callbacks = [flags]
        if self.cluster.workers > 1:
            # A worker lost mid-epoch costs at most backup_every batches: the cluster, started
            # again, goes on from the backup, which fit() removes when the epoch ends.
            callbacks.append(keras.callbacks.BackupAndRestore(
                self.backup_dir, save_freq=self.backup_every))
        batches = shard_in_memory(training_batches(recipe, train_tensor, len(self.vocab), rng))
        fitted = self.model.fit(batches, epochs=epoch, initial_epoch=epoch - 1,
                                callbacks=callbacks, verbose=self.verbose)
        return fitted.history["loss"][-1], time.monotonic() - started

    def finish(self, epoch: int, state: dict, train_loss: float, seconds: float, partial: bool) -> dict:
        result = EpochResult(epoch, train_loss, self.held_out.loss(self.model), seconds, partial)
        state = self.run_folder.record_epoch(self.model, result, state)
        print(result.summary(), flush=True)
        if read_baselines(self.config) and np.isfinite(result.val_loss):
            print(f"  {verdict(result.val_loss, self.config['baselines'])}", flush=True)
        if not self.cluster.is_chief:
            return state
        samples = epoch_samples(self.model, self.vocab, self.corpus.ids, self.recipe.maxlen,
                                np.random.default_rng([self.config["seed"], epoch, 1]))
        print(samples, flush=True)
        self.run_folder.append_samples(f"=== epoch {epoch}\n{samples}\n")
        return state


def save_interrupted(run, model, state, seconds) -> None:
    name = "checkpoints/interrupted.h5"
    run.save_checkpoint(model, name)
    run.write_state({**state, "checkpoint": name, "train_seconds": state["train_seconds"] + seconds})
    print(f"saved {name}; run the same command again to resume", flush=True)
