"""The char-LSTM in tf_keras: one-hot characters in, next-character probabilities out."""

from tempera.quiet import quiet_tensorflow_environment

quiet_tensorflow_environment()  # before TensorFlow loads: its start-up chatter is not actionable

import tf_keras as keras  # noqa: E402  Keras 2: the config format TensorFlow.js can read


def build_model(vocab_size: int, units: int, layers: int, window: int | None = None,
                every_step: bool = True, dropout: float = 0.0) -> keras.Model:
    """A stack of `layers` LSTM(units) layers and a softmax over the vocabulary.

    `window` fixes the time dimension (None: any length). With `every_step` the model
    predicts after every character; otherwise only after the last one (the notebook's
    model). Both shapes hold the same weights, so either can be rebuilt from the other.
    `dropout` drops that share of each LSTM layer's outputs while training (it holds no
    weights, so a model for inference is built without it and takes the same weights).
    """
    inputs = keras.Input(shape=(window, vocab_size), name="chars")
    x = inputs
    for index in range(layers):
        last = index == layers - 1
        x = keras.layers.LSTM(units, return_sequences=every_step or not last,
                              name=f"lstm_{index + 1}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    outputs = keras.layers.Dense(vocab_size, activation="softmax", name="next_char")(x)
    return keras.Model(inputs, outputs, name="tempera_char_lstm")
