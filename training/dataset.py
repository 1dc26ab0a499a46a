"""tf.data pipelines over integer character ids.

Only the ids of the corpus live in memory; one-hot windows are made a batch at a time,
so memory grows with the corpus, not with corpus x window x vocabulary.
"""

import numpy as np
import tensorflow as tf


def ids_tensor(ids) -> tf.Tensor:
    """The ids as a tensor of their own small dtype; make it once and reuse it every epoch."""
    return tf.convert_to_tensor(ids)


def _windows(ids: tf.Tensor, starts: np.ndarray, length: int, batch: int) -> tf.data.Dataset:
    """Batches of `length`-id int32 slices of `ids` beginning at `starts`, in the given order."""
    offsets = tf.range(length, dtype=tf.int64)
    dataset = tf.data.Dataset.from_tensor_slices(starts.astype(np.int64)).batch(batch)
    return dataset.map(lambda s: tf.cast(tf.gather(ids, s[:, None] + offsets[None, :]), tf.int32),
                       num_parallel_calls=tf.data.AUTOTUNE)


def every_step_batches(ids, seq_len, batch, vocab_size, rng: np.random.Generator, passes=1):
    """One epoch of (one-hot x, next ids y) sequences; every position is a target.

    Non-overlapping sequences of seq_len + 1 ids from a random first offset, shuffled; with
    passes > 1, that many such passes over the text one after another, each shuffled anew.
    """
    starts = []
    for _ in range(passes):
        offset = int(rng.integers(seq_len))
        starts.append(np.arange(offset, len(ids) - seq_len, seq_len))
        rng.shuffle(starts[-1])
    starts = np.concatenate(starts)
    return _windows(ids_tensor(ids), starts, seq_len + 1, batch).map(
        lambda w: (tf.one_hot(w[:, :-1], vocab_size), w[:, 1:])).prefetch(tf.data.AUTOTUNE)


def last_step_batches(ids, window, step, batch, vocab_size, rng: np.random.Generator | None,
                      cache=False, passes=1, starts=None):
    """(one-hot window, next id) pairs: windows of `window` chars taken every `step` chars.

    This is the notebook's data (window 60, step 3), and, unshuffled and cached, the held-out
    set (or `starts`, a chosen part of it). The cache holds the id windows: their one-hot
    batches are vocab_size times larger. With passes > 1, each pass is shuffled anew.
    """
    if starts is None:
        starts = np.arange(0, len(ids) - window, step)
    if rng is not None:
        starts = np.concatenate([rng.permutation(starts) for _ in range(passes)])
    windows = _windows(ids_tensor(ids), starts, window + 1, batch)
    if cache:
        windows = windows.cache()
    return windows.map(
        lambda w: (tf.one_hot(w[:, :-1], vocab_size), w[:, -1])).prefetch(tf.data.AUTOTUNE)


def shard_in_memory(batches: tf.data.Dataset) -> tf.data.Dataset:
    """Batches a distribution strategy may split among workers by element, as TensorFlow
    recommends for data held in memory (there are no files to split): each global batch is cut
    into the replicas' shares, so no worker trains on the same windows as another."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return batches.with_options(options)
