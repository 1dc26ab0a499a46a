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
from tempera.vocab import show_chars

from .dataset import every_step_batches, ids_tensor, last_step_batches, shard_in_memory
from .distribute import Cluster, cluster_lost, restart_to_rejoin
from .evaluate import MIN_SUBSET_WINDOWS, HeldOut
from .model import build_model
from .recipes import Recipe
from .run_folder import BACKUP_FOLDER, EpochResult, RunFolder
from .clock import WallClock, running_timing
from .samples import epoch_samples, expected_seconds
from .schedule import TimeSchedule, describe as describe_schedule
from .start_model import SHIPPED, mapped_weights, read_start_model
from .stopped import ctrl_c_before_training


BACKUP_EVERY = 100  # multi-worker: batches between backups of the training state
# With a time budget an epoch is a slice of time (passes over the text, each shuffled anew, or
# part of one on a big text): about this share of the budget, and long enough that measuring
# the held-out part after it costs at most EVAL_SHARE of its training.
EPOCH_BUDGET_SHARE = 1 / 8
MIN_EPOCH_SECONDS, MAX_EPOCH_SECONDS = 5.0, 300.0
EPOCH_CHARS = 4_000_000  # the most characters one time-sliced epoch can reach
EVAL_SHARE = 0.05  # of an epoch's training time, for the held-out part measured after it
WHOLE_EVAL_SHARE = 0.03  # of the budget, for the whole held-out set measured at the end
SAMPLE_SHARE = 0.02  # of the wall time, for the samples printed between epochs
GO_ON, EPOCH_FULL, OUT_OF_TIME, INTERRUPTED = range(4)  # what the workers agree on after a batch


class StopFlags(keras.callbacks.Callback):
    """Ends an epoch early, after the current batch: on Ctrl-C, when the time budget is used up
    (but for what must follow), or when a time-sliced epoch is long enough. With several
    workers the chief's clock decides, and every worker stops at the same batch: they agree
    after each batch."""

    def __init__(self, clock: WallClock, cluster: Cluster):
        super().__init__()
        self.clock, self.cluster = clock, cluster
        self.interrupted = False
        self.out_of_time = False
        self.epoch_ends_at = None  # time.monotonic() at which this epoch is long enough
        self.batch_started = None

    def on_sigint(self, signum, frame):
        self.interrupted = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C quits at once
        print("\nCtrl-C: finishing this batch, then saving (Ctrl-C again to quit now)", flush=True)

    def on_train_batch_begin(self, batch, logs=None):
        self.batch_started = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if batch > 0:  # the first batch of a fit includes making its graph
            self.clock.batch_seconds = now - self.batch_started
        level = GO_ON
        if self.cluster.is_chief:
            if self.clock.out_of_time():
                level = OUT_OF_TIME
            elif self.epoch_ends_at is not None and now > self.epoch_ends_at:
                level = EPOCH_FULL
        if self.interrupted:
            level = INTERRUPTED
        if self.cluster.workers > 1:
            # Ctrl-C on any worker, or the chief's clock, stops them all here.
            level = self.cluster.agreed(level)
        # A Ctrl-C that came while the workers agreed is kept for the next batch, not lost.
        self.interrupted = self.interrupted or level == INTERRUPTED
        self.out_of_time = level == OUT_OF_TIME
        if level != GO_ON:
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


def training_batches(recipe: Recipe, ids, vocab_size: int, rng, passes: int = 1):
    if recipe.every_step:
        return every_step_batches(ids, recipe.seq_len, recipe.batch, vocab_size, rng, passes)
    return last_step_batches(ids, recipe.seq_len, recipe.window_step, recipe.batch, vocab_size,
                             rng, passes=passes)


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
    # While this command trains: when it started and its budget, for `tempera serve --runs`.
    config["timing"] = running_timing(getattr(args, "started", None), args.time_budget)
    config["learning_rate_schedule"] = describe_schedule(
        args.time_budget if cluster.workers == 1 else None, recipe.lr_decay)
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
            if config.get("start_from"):
                start_from(model, config, vocab, train_ids)
    keras.utils.set_random_seed(config["seed"] + state["epochs_done"])  # the epoch resumed at
    print(f"corpus {corpus.name}: {len(corpus.ids):,} chars, {len(vocab)} distinct; "
          f"training on {len(train_ids):,}, holding out {len(val_ids):,}; recipe {recipe.name}: "
          f"{recipe.layers}x LSTM({recipe.units}), batch {recipe.batch}, "
          f"{recipe.optimizer} lr {recipe.learning_rate}, {config['learning_rate_schedule']}", flush=True)
    print(cluster.describe(recipe.batch), flush=True)

    held_out = HeldOut(val_ids, len(vocab), recipe.units, recipe.layers, recipe.maxlen)
    if resuming and not config.get("eval_windows") and run.history():
        # As its epochs were: older runs measured every window.
        last = run.history()[-1]
        config["eval_windows"] = last.get("val_subset_windows") or last.get("val_windows", held_out.windows)
    # The run's first evaluation tries the fewest windows, and chooses how many from its cost.
    held_out.use_subset(config.get("eval_windows") or MIN_SUBSET_WINDOWS)
    clock = WallClock(getattr(args, "started", None) or time.monotonic(), args.time_budget)
    epochs = EpochLoop(writes, config, recipe, model, vocab, corpus, held_out, args, cluster,
                       backup_dir=run.file(BACKUP_FOLDER), clock=clock)
    status = epochs.run(ids_tensor(train_ids), state)
    if cluster.is_chief:
        # What is left of the backups (other workers' empty temporary folders): training
        # stopped on purpose, so there is nothing mid-epoch to resume from.
        shutil.rmtree(run.file(BACKUP_FOLDER), ignore_errors=True)
    if not cluster.is_chief or status != 0 or not writes.history():
        return status
    best = epochs.measure_best_whole()
    if best:
        windows = best.get("val_windows", held_out.windows)
        whole = (f"all {windows:,} held-out windows" if windows >= held_out.windows else
                 f"{windows:,} of the {held_out.windows:,} held-out windows")
        print(f"best held-out loss {best['val_loss']:.4f} nats/char at epoch {best['epoch']} "
              f"({whole}); run folder {run.path}", flush=True)
        if read_baselines(config) and np.isfinite(best["val_loss"]):
            print(f"the best epoch is {verdict(best['val_loss'], config['baselines'])}", flush=True)
    config["timing"] = clock.summary()
    writes.write_config(config)
    print(clock.line(), flush=True)
    return status


def start_from(model, config: dict, vocab, train_ids) -> None:
    """A new run's first weights from the trained model its config names, mapped by character."""
    recorded = config["start_from"]
    start = read_start_model(recorded["path"] if recorded["name"] != SHIPPED else SHIPPED)
    if recorded.get("weights_sha256") and start.weights_sha256 != recorded["weights_sha256"]:
        raise TemperaError(f"--start-from {recorded['name']}: its weights changed since this run "
                           "was made; use a new --run folder")
    counts = np.bincount(train_ids, minlength=len(vocab))
    model.set_weights(mapped_weights(start, vocab.chars, dict(zip(vocab.chars, counts.tolist())),
                                     model.get_weights()))
    chars = recorded.get("chars") or {}
    new = chars.get("new", [])
    print(f"starting from {recorded['name']} ({start.layers} × LSTM({start.units})): "
          f"{len(chars.get('kept', []))} characters keep its weights, "
          f"{len(chars.get('from_lowercase', []))} take their lower case's, {len(new)} new"
          + (f" ({show_chars(new)})" if new else ""), flush=True)


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
    """Fits one epoch at a time, then evaluates, checkpoints and (now and then) samples it. With
    several workers, each decision to stop is the chief's, agreed by all, so they stop together.
    """

    def __init__(self, run, config, recipe, model, vocab, corpus, held_out, args, cluster,
                 backup_dir, clock: WallClock):
        self.run_folder, self.config, self.recipe, self.model = run, config, recipe, model
        self.vocab, self.corpus, self.held_out = vocab, corpus, held_out
        self.last_epoch, self.verbose, self.time_budget = args.epochs, args.verbose, args.time_budget
        self.patience = getattr(args, "patience", None)
        self.cluster, self.backup_dir, self.clock = cluster, backup_dir, clock
        self.backup_every = getattr(args, "backup_every", None) or BACKUP_EVERY
        self.best = None  # (subset loss, epoch, weights) of the best epoch trained here

    def run(self, train_tensor, state) -> int:
        flags = StopFlags(self.clock, self.cluster)
        flags.interrupted = ctrl_c_before_training()
        previous_handler = signal.signal(signal.SIGINT, flags.on_sigint)
        try:
            first = state["epochs_done"] + 1
            for epoch in range(first, self.last_epoch + 1):
                # Each command trains at least one batch, so that it leaves a checkpoint.
                out_of_time = epoch > first and (flags.out_of_time or self.no_time_to_train())
                if self.cluster.agree(self.cluster.is_chief and out_of_time):
                    print(f"time budget of {self.time_budget} min used up", flush=True)
                    break
                train_loss, seconds = self.fit(epoch, train_tensor, flags)
                # A Ctrl-C after the epoch's last batch reached one worker alone: all decide.
                if self.cluster.agree(flags.interrupted):
                    save_interrupted(self.run_folder, self.model, state, seconds)
                    return 130
                state = self.finish(epoch, state, train_loss, seconds, partial=flags.out_of_time)
                if self.stalled(epoch):
                    break
        finally:
            signal.signal(signal.SIGINT, previous_handler)
        return 0

    def no_time_to_train(self) -> bool:
        """Too little of the budget left for an epoch worth its checkpoint."""
        if self.clock.budget is None:
            return False
        left = self.clock.budget - self.clock.elapsed() - self.clock.reserve()
        return left < max(1.0, 3 * self.clock.batch_seconds)

    def epoch_seconds(self) -> float | None:
        """How long an epoch trains: a pass over the text without a budget; with one, a slice
        of it, long enough that the evaluation after it is a small share of it."""
        if self.clock.budget is None:
            return None
        # At most a quarter of the budget: before the first evaluation is timed its cost is a
        # guess, which on a short budget would otherwise make one epoch of the whole of it.
        longest = min(MAX_EPOCH_SECONDS, max(MIN_EPOCH_SECONDS, self.clock.budget / 4))
        return min(longest, max(MIN_EPOCH_SECONDS, self.clock.budget * EPOCH_BUDGET_SHARE,
                                self.clock.last["eval"] / EVAL_SHARE))

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
        slice_seconds = self.epoch_seconds()
        flags.epoch_ends_at = started + slice_seconds if slice_seconds else None
        # A time slice may hold many passes over a short text, each shuffled anew.
        passes = max(1, EPOCH_CHARS // max(1, len(train_tensor))) if slice_seconds else 1
        callbacks = [flags]
        if self.clock.budget is not None and self.cluster.workers == 1:
            # One process: several workers would each read their own clock, and their copies
            # of the weights would part.
            callbacks.append(TimeSchedule(recipe.learning_rate, self.clock))
        if self.cluster.workers > 1:
            # A worker lost mid-epoch costs at most backup_every batches: the cluster, started
            # again, goes on from the backup, which fit() removes when the epoch ends.
            callbacks.append(keras.callbacks.BackupAndRestore(
                self.backup_dir, save_freq=self.backup_every))
        batches = shard_in_memory(training_batches(recipe, train_tensor, len(self.vocab), rng, passes))
        fitted = self.model.fit(batches, epochs=epoch, initial_epoch=epoch - 1,
                                callbacks=callbacks, verbose=self.verbose)
        seconds = time.monotonic() - started
        self.clock.record("train", seconds)
        return fitted.history["loss"][-1], seconds

    def measure(self, **kwargs) -> tuple:
        started = time.monotonic()
        loss = self.held_out.loss(**kwargs)
        seconds = time.monotonic() - started
        self.clock.record("eval", seconds)
        return loss, seconds

    def evaluate_epoch(self, train_seconds: float, partial: bool) -> tuple:
        """The held-out loss on the run's part of the windows. The run's first evaluation
        chooses that part: as many windows as cost EVAL_SHARE of the epoch's training (unless
        the budget has run out, when the fewest are measured, and kept)."""
        loss, seconds = self.measure(trained_model=self.model)
        if not self.config.get("eval_windows") and not partial:
            probe = self.held_out.subset_windows
            chosen = self.held_out.use_subset(EVAL_SHARE * train_seconds * probe / seconds)
            self.config["eval_windows"] = chosen
            if self.cluster.is_chief:
                self.run_folder.write_config(self.config)
            if chosen != probe:
                loss, more = self.measure(trained_model=self.model)
                seconds += more
        return loss, seconds

    def finish(self, epoch: int, state: dict, train_loss: float, seconds: float, partial: bool) -> dict:
        val_loss, eval_seconds = self.evaluate_epoch(seconds, partial)
        result = EpochResult(epoch, train_loss, val_loss, seconds, partial,
                             self.held_out.subset_windows, eval_seconds, self.clock.elapsed())
        started = time.monotonic()
        state = self.run_folder.record_epoch(self.model, result, state)
        self.clock.record("save", time.monotonic() - started)
        if self.cluster.is_chief and np.isfinite(val_loss) and (
                self.best is None or val_loss < self.best[0]):
            self.best = (val_loss, epoch, self.model.get_weights())
        self.plan_whole_evaluation()
        print(result.summary(), flush=True)
        if read_baselines(self.config) and np.isfinite(result.val_loss):
            print(f"  {verdict(result.val_loss, self.config['baselines'])}", flush=True)
        if self.cluster.is_chief and not partial and self.time_to_sample():
            self.sample(epoch)
        return state

    def whole_evaluation_seconds(self) -> float:
        """The whole held-out set's cost, from the last evaluation of a part of it."""
        return self.clock.last["eval"] * self.held_out.windows / max(1, self.held_out.subset_windows)

    def plan_whole_evaluation(self) -> None:
        """With a budget, the whole held-out set is measured at the end when it fits in
        WHOLE_EVAL_SHARE of the budget; the time for it is then kept free."""
        needed = self.held_out.subset_windows < self.held_out.windows and self.cluster.is_chief
        seconds = self.whole_evaluation_seconds() if needed else 0.0
        if self.clock.budget is not None and seconds > WHOLE_EVAL_SHARE * self.clock.budget:
            seconds = 0.0
        self.clock.final_eval_seconds = seconds

    def measure_best_whole(self) -> dict | None:
        """The best epoch's held-out loss on every window, recorded in its history row."""
        best = self.run_folder.best_epoch() if any(
            np.isfinite(r["val_loss"]) for r in self.run_folder.history()) else None
        if best is None or best.get("val_windows", self.held_out.windows) >= self.held_out.windows:
            return best
        if self.clock.budget is not None and self.clock.final_eval_seconds == 0.0:
            print(f"held-out loss measured on {best['val_windows']:,} of the "
                  f"{self.held_out.windows:,} windows: the whole set (about "
                  f"{self.whole_evaluation_seconds():.0f} s) does not fit in the time budget",
                  flush=True)
            return best
        if self.best is not None and self.best[1] == best["epoch"]:
            weights = self.best[2]
        else:
            try:
                weights = self.run_folder.load_checkpoint(best["checkpoint"], compile=False).get_weights()
            except TemperaError:
                return best
        loss, _ = self.measure(weights=weights, whole=True)
        started = time.monotonic()
        best = self.run_folder.record_whole_held_out(best["epoch"], loss, self.held_out.windows)
        self.clock.record("save", time.monotonic() - started)
        return best

    def time_to_sample(self) -> bool:
        """Samples now and then: while they have cost at most SAMPLE_SHARE of the wall time,
        and never after the budget stopped training."""
        expected = self.clock.last.get("samples") or expected_seconds(
            self.recipe.units, self.recipe.layers, len(self.vocab))
        if self.clock.budget is not None and self.clock.out_of_time(extra=expected):
            return False
        return self.clock.spent["samples"] + expected <= SAMPLE_SHARE * (self.clock.elapsed() + expected)

    def sample(self, epoch: int) -> None:
        started = time.monotonic()
        samples = epoch_samples(self.model, self.vocab, self.corpus.ids, self.recipe.maxlen,
                                np.random.default_rng([self.config["seed"], epoch, 1]))
        print(samples, flush=True)
        self.run_folder.append_samples(f"=== epoch {epoch}\n{samples}\n")
        self.clock.record("samples", time.monotonic() - started)


def save_interrupted(run, model, state, seconds) -> None:
    name = "checkpoints/interrupted.h5"
    run.save_checkpoint(model, name)
    run.write_state({**state, "checkpoint": name, "train_seconds": state["train_seconds"] + seconds})
    print(f"saved {name}; run the same command again to resume", flush=True)
