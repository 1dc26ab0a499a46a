"""What one prediction looked back at: the gradient of its log-probability with respect to each
earlier character's one-hot input, by backpropagation through time in float64.

The character at `position` is the target, predicted from the text before it. Stateful: the last
`context` characters before it get an influence, and the state reached before them is held
fixed (a constant). Window: the window of the last maxlen characters, from a zero state. A
character's influence is the L2 norm, over the vocabulary, of d log p(target) / d x_i.

Why the gradient: it is exact, takes one backward pass and is defined for every character;
occlusion would need a replacement character and a forward pass per position.
"""

import numpy as np

from .activations import bundle_of, read_text
from .errors import TemperaError
from .generate import check_mode
from .lstm import ACTIVATIONS

METHOD = ("gradient: the L2 norm of d log p(target) / d one-hot input, over the vocabulary, for "
          "each character of the context (exact, one backward pass; occlusion would need a "
          "replacement character and a forward pass per position)")
DEFAULT_CONTEXT = 100

# Each activation's derivative, from its input z and its output a.
DERIVATIVES = {"sigmoid": lambda z, a: a * (1.0 - a),
               "hard_sigmoid": lambda z, a: np.where(np.abs(z) < 2.5, 0.2, 0.0),
               "tanh": lambda z, a: 1.0 - a * a,
               "linear": lambda z, a: np.ones_like(z)}


def check_position(position, length: int) -> int:
    if length < 2:
        raise TemperaError("the text needs at least two characters the model knows: the "
                           "predicted one and one before it")
    if isinstance(position, bool) or not isinstance(position, (int, np.integer)) \
            or not 1 <= position <= length - 1:
        raise TemperaError(f"position must be a whole number from 1 to {length - 1} (the "
                           "character predicted, counted from 0 in the text as the model reads "
                           f"it), got {position}")
    return int(position)


def check_context(context) -> int:
    if isinstance(context, bool) or not isinstance(context, (int, np.integer)) or context < 1:
        raise TemperaError(f"context must be a whole number of characters, 1 or more, got {context}")
    return int(context)


def forward(layer, x, h, c) -> list:
    """The layer over inputs x (time, inputs @ kernel done) from (h, c): what each step's
    backward pass needs, as (c before, z, i, f, g, o, c, act(c))."""
    u, gate, act = layer.units, ACTIVATIONS[layer.recurrent_activation], ACTIVATIONS[layer.activation]
    steps = []
    for x_t in x:
        z = x_t + h @ layer.recurrent_kernel + layer.bias
        i, f, g, o = gate(z[:u]), gate(z[u:2 * u]), act(z[2 * u:3 * u]), gate(z[3 * u:])
        c_before, c = c, f * c + i * g
        h = o * act(c)
        steps.append((c_before, z, i, f, g, o, c, act(c)))
    return steps


def backward(layer, steps, dh_from_above) -> np.ndarray:
    """Through the layer's steps, last first, given d/dh of each step from above (time,
    units): d/dz of each step (time, 4 units). Nothing flows into the state it started from."""
    u = layer.units
    d_gate, d_act = DERIVATIVES[layer.recurrent_activation], DERIVATIVES[layer.activation]
    dz_all = np.empty((len(steps), 4 * u))
    dh_next, dc_next = np.zeros(u), np.zeros(u)
    for t in range(len(steps) - 1, -1, -1):
        c_before, z, i, f, g, o, c, act_c = steps[t]
        dh = dh_from_above[t] + dh_next
        dc = dc_next + dh * o * d_act(c, act_c)  # h = o * act(c)
        dz = np.concatenate([dc * g * d_gate(z[:u], i), dc * c_before * d_gate(z[u:2 * u], f),
                             dc * i * d_act(z[2 * u:3 * u], g), dh * act_c * d_gate(z[3 * u:], o)])
        dz_all[t] = dz
        dh_next, dc_next = layer.recurrent_kernel @ dz, dc * f
    return dz_all


def gradient(model, ids: np.ndarray, target: int, state) -> tuple[float, np.ndarray]:
    """log p(target) after ids fed from `state` (held fixed), and d log p / d each one-hot
    input (time, vocabulary)."""
    x, traced = model.layers[0].kernel[ids], []
    for index, (layer, (h, c)) in enumerate(zip(model.layers, state)):
        if index:
            x = x @ layer.kernel
        steps = forward(layer, x, h.reshape(-1), c.reshape(-1))
        traced.append(steps)
        x = np.array([s[5] * s[7] for s in steps])  # each step's h = o * act(c)
    logits = x[-1] @ model.dense_kernel + model.dense_bias
    log_probabilities = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
    p, log_p = np.exp(log_probabilities), float(log_probabilities[target])
    dh = np.zeros_like(x)
    dh[-1] = model.dense_kernel[:, target] - model.dense_kernel @ p  # d log softmax / d h
    for layer, steps in zip(reversed(model.layers), reversed(traced)):
        dz = backward(layer, steps, dh)
        dh = dz @ layer.kernel.T  # d/d this layer's inputs: the layer below's h, or the one-hots
    return log_p, dh


def saliency(model_bundle, text, position, context=DEFAULT_CONTEXT, mode: str = "stateful") -> dict:
    """What `tempera saliency --json` prints: how much each earlier character moved
    log p(text[position] | text[:position])."""
    check_mode(mode)
    context = check_context(context)
    bundle = bundle_of(model_bundle)
    read, ids = read_text(bundle, text)
    position = check_position(position, len(ids))
    used = bundle.maxlen if mode == "window" else context
    start = max(0, position - used)
    state = bundle.model.zero_state(1)
    if mode == "stateful" and start:
        state = bundle.model.sequence(ids[:start], state)[1]
    log_p, grads = gradient(bundle.model, ids[start:position], int(ids[position]), state)
    norms = np.linalg.norm(grads, axis=1)
    return {"mode": mode, "position": position, "target": read[position], "log_probability": log_p,
            "context": used, "context_start": start, "method": METHOD,
            "influence": [{"index": start + k, "char": read[start + k], "influence": float(n)}
                          for k, n in enumerate(norms)]}


def summary(document: dict, top: int = 8) -> str:
    """The readable form `tempera saliency` prints without --json: the context, and the
    characters that moved the prediction most."""
    influence = document["influence"]
    context = "".join(entry["char"] for entry in influence)
    lines = [f"position {document['position']}: {document['target']!r} after {context!r} "
             f"({document['mode']}, {len(influence)} characters of context)",
             f"log p = {document['log_probability']:.4f} (p = {np.exp(document['log_probability']):.4f})",
             "most influential (gradient norm):"]
    for entry in sorted(influence, key=lambda e: -e["influence"])[:top]:
        back = document["position"] - entry["index"]
        lines.append(f"  {entry['char']!r} at {entry['index']} ({back} back): {entry['influence']:.4g}")
    return "\n".join(lines)
