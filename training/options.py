"""The train command's options: checked, and turned into a run's config, before TensorFlow loads.

A bad number is refused here, so it is never saved into a run folder where a corrected rerun
would find it again.
"""

import datetime
import json
import math
import os
from collections import Counter

from tempera.errors import TemperaError

from .recipes import CHOSEN, RECIPE_ALIASES, RECIPES, Recipe, StartOffer, choose_recipe, option
from .start_model import (NONE, SHIPPED, StartModel, char_sources, check_architecture, coverage,
                          read_start_model, start_path)

RECIPE_OPTIONS = ("units", "layers", "batch", "seq_len", "learning_rate", "dropout")
MAX_EPOCHS = 100_000
MAX_SEED = 2**31 - 1  # Keras seeds its generators with seed + epoch, which must stay below 2**32
# How long a multi-worker trainer waits for every worker of TF_CONFIG to start, by default.
JOIN_TIMEOUT_MINUTES = 10.0
MAX_JOIN_TIMEOUT_MINUTES = 7 * 24 * 60


def recipe_name(args) -> str:
    name = args.recipe or CHOSEN
    return RECIPE_ALIASES.get(name, name)


def named_recipe(args) -> Recipe:
    """The recipe --recipe names, with the numbers given on the command line. The chosen one
    starts from the default recipe's numbers until the text's size is known."""
    name = recipe_name(args)
    base = RECIPES[name].to_dict() if name in RECIPES else {**RECIPES["default"].to_dict(), "name": name}
    return Recipe.from_dict({**base, **recipe_overrides(args)})


def recipe_overrides(args) -> dict:
    """The recipe numbers given on the command line."""
    return {k: getattr(args, k) for k in RECIPE_OPTIONS if getattr(args, k) is not None}


STRATEGIES = ("one", "mirrored", "multi-worker")


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise TemperaError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")
    if name == "multi-worker":
        read_tf_config()
    devices = os.environ.get("TEMPERA_CPU_DEVICES")
    if name == "mirrored" and devices is not None and not (devices.isdigit() and 1 <= int(devices) <= 64):
        raise TemperaError(f"TEMPERA_CPU_DEVICES must be a number of logical CPU devices from 1 to 64, got {devices!r}")
    return name


CLUSTER_JOBS = ("chief", "worker")  # MultiWorkerMirroredStrategy's task types
TF_CONFIG_SHAPE = ('it needs {"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", '
                   '"index": N}}')


def read_tf_config() -> dict:
    """TF_CONFIG, checked enough to say in words what is wrong before TensorFlow tries it."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise TemperaError("--strategy multi-worker needs TF_CONFIG, the cluster and this worker's "
                           "place in it (see the README, 'Training on several GPUs or machines')")
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise TemperaError(f"TF_CONFIG is not a cluster description (not JSON: {error}): "
                           f"{TF_CONFIG_SHAPE}") from None
    problem = tf_config_problem(config)
    if problem:
        raise TemperaError(f"TF_CONFIG is not a cluster description ({problem}): {TF_CONFIG_SHAPE}")
    return config


def tf_config_problem(config) -> str:
    """What is wrong with a parsed TF_CONFIG, in words ('' when nothing is)."""
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        return "no \"cluster\" object"
    cluster, task = config["cluster"], config.get("task")
    for job, members in cluster.items():
        if job not in CLUSTER_JOBS:
            return f"job {job!r} is not one of {', '.join(CLUSTER_JOBS)}"
        if not isinstance(members, list) or not members:
            return f"cluster's {job} must be a list of \"host:port\" addresses, got {json.dumps(members)[:80]}"
        for address in members:
            if not is_address(address):
                return f"{json.dumps(address)[:80]} in the cluster's {job} list is not a \"host:port\" address"
    if len(cluster.get("chief", [])) > 1:
        return f"a cluster has at most one chief, this one names {len(cluster['chief'])}"
    addresses = [a for members in cluster.values() for a in members]
    repeated = next((a for a in addresses if addresses.count(a) > 1), None)
    if repeated:
        return f"{repeated} is named twice in the cluster"
    if not isinstance(task, dict) or task.get("type") not in cluster:
        return f"\"task\" must name a job of the cluster ({', '.join(cluster)}) as its \"type\""
    index, members = task.get("index"), cluster[task["type"]]
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(members):
        return f"task index {json.dumps(index)[:20]} is not in the cluster's {task['type']} list"
    return ""


def is_address(address) -> bool:
    """host:port, the host a name, an IPv4 address or a bracketed IPv6 one."""
    if not isinstance(address, str):
        return False
    host, _, port = address.rpartition(":")
    return bool(host) and not any(c.isspace() for c in host) and port.isascii() \
        and port.isdigit() and 1 <= int(port) <= 65535


def is_chief(config: dict) -> bool:
    """TensorFlow's rule: the chief task when the cluster has one, else worker 0. Only the chief
    writes the run folder."""
    task = config["task"]
    if "chief" in config["cluster"]:
        return task["type"] == "chief"
    return task["type"] == "worker" and task["index"] == 0


def check_train_options(args) -> None:
    if not isinstance(args.epochs, int) or not 1 <= args.epochs <= MAX_EPOCHS:
        raise TemperaError(f"--epochs must be a whole number from 1 to {MAX_EPOCHS:,}, got {args.epochs}")
    if args.time_budget is not None and not (math.isfinite(args.time_budget) and args.time_budget > 0):
        raise TemperaError(f"--time-budget must be a number of minutes above 0, got {args.time_budget}")
    patience = getattr(args, "patience", None)
    if patience is not None and not (isinstance(patience, int) and 1 <= patience <= MAX_EPOCHS):
        raise TemperaError(f"--patience must be a whole number of epochs from 1 to {MAX_EPOCHS:,}, got {patience}")
    if args.val_fraction is not None and not 0 < args.val_fraction < 1:
        raise TemperaError(f"--val-fraction must be between 0 and 1, got {args.val_fraction}")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise TemperaError(f"--seed must be a whole number from 0 to {MAX_SEED:,}, got {args.seed}")
    recipe = named_recipe(args)
    start = named_start(args)
    if start is not None:
        given = recipe_overrides(args)
        if recipe_name(args) != CHOSEN or "units" in given or "layers" in given:
            check_architecture(start, recipe.units, recipe.layers)
    check_strategy(getattr(args, "strategy", None) or "one")
    backup_every = getattr(args, "backup_every", None)
    if backup_every is not None and not 1 <= backup_every <= 10**9:
        raise TemperaError(f"--backup-every must be a whole number of batches from 1 up, got {backup_every}")
    join_timeout = getattr(args, "join_timeout", None)
    if join_timeout is not None and not (math.isfinite(join_timeout)
                                         and 0 < join_timeout <= MAX_JOIN_TIMEOUT_MINUTES):
        raise TemperaError(f"--join-timeout must be a number of minutes above 0 and at most "
                           f"{MAX_JOIN_TIMEOUT_MINUTES:,} (a week), got {join_timeout}")


def join_timeout_minutes(args) -> float:
    return getattr(args, "join_timeout", None) or JOIN_TIMEOUT_MINUTES


def new_config(args) -> dict:
    recipe = named_recipe(args)
    by_hand = [f"--recipe {recipe.name}"] if args.recipe else []
    by_hand += [option(key) for key in recipe_overrides(args)]
    return {"corpus": args.corpus, "lowercase": args.lowercase is not False,
            "val_fraction": args.val_fraction or 0.1, "seed": 1337 if args.seed is None else args.seed,
            "recipe": recipe.to_dict(), "recipe_reason": "set by hand: " + ", ".join(by_hand),
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}


def start_from_name(args) -> str | None:
    """What --start-from says: a model's name or folder, 'none', or None when not given."""
    return getattr(args, "start_from", None)


def named_start(args) -> StartModel | None:
    """The model --start-from names, read and checked (None for 'none' or when not given)."""
    name = start_from_name(args)
    return None if name in (None, NONE) else read_start_model(name)


def default_start() -> StartModel | None:
    """The shipped model a small text starts from by default, where this installation has it."""
    if not os.path.isdir(start_path(SHIPPED)):
        return None
    try:
        return read_start_model(SHIPPED)
    except TemperaError:
        return None


def choose_for_text(config: dict, args, corpus_chars: int, counts: Counter | None = None) -> str | None:
    """A new run: without --recipe, the recipe for its text's size and its time budget, and
    whether it starts from a trained model, into the config with the reason. `counts`: how
    often each of the text's characters occurs, for how much of it a trained model knows.
    Returns the line that says so (None when the recipe was named)."""
    given = start_from_name(args)
    start = named_start(args) if given is not None else default_start() if counts is not None else None
    if config["recipe"]["name"] != CHOSEN:
        if start is not None and given is not None:
            record_start(config, start, counts)
        return None
    offer = None
    if start is not None:
        offer = StartOffer(start.name, start.units, start.layers,
                           coverage(counts or Counter(), start.vocabulary), by_hand=given is not None)
    train_chars = corpus_chars - int(round(corpus_chars * config["val_fraction"]))
    choice = choose_recipe(train_chars, args.time_budget, args.epochs, recipe_overrides(args), offer)
    config.update(recipe=choice.recipe.to_dict(), recipe_reason=choice.reason,
                  recipe_choice=choice.inputs)
    if choice.start:
        record_start(config, start, counts)
    return choice.line


def record_start(config: dict, start: StartModel, counts: Counter | None) -> None:
    check_architecture(start, config["recipe"]["units"], config["recipe"]["layers"])
    config["start_from"] = {**start.record(), "chars": char_sources(start, sorted(counts or {}))}


def check_same_recipe(args, config: dict, run_path: str) -> None:
    """A resumed run keeps its recipe and settings: an option that would change one is an
    error, not silently ignored."""
    saved = config["recipe"]
    differences = [f"{option(key)} {saved.get(key)}" for key, value in recipe_overrides(args).items()
                   if value != saved.get(key)]
    if args.recipe and recipe_name(args) != RECIPE_ALIASES.get(saved.get("name"), saved.get("name")):
        differences.append(f"--recipe {saved.get('name')}")
    started_from = config.get("start_from") or {}
    if start_from_name(args) is not None and not same_start(start_from_name(args), started_from):
        differences.append(f"--start-from {started_from.get('name', NONE)}")
    if args.lowercase is not None and args.lowercase != config["lowercase"]:
        differences.append("--lowercase" if config["lowercase"] else "--keep-case")
    for key in ("val_fraction", "seed"):
        if getattr(args, key) is not None and getattr(args, key) != config[key]:
            differences.append(f"{option(key)} {config[key]}")
    if differences:
        raise TemperaError(f"run folder {run_path} was made with {differences[0]}; a run keeps "
                           "its recipe and settings: use a new --run folder")


def same_start(given: str, recorded: dict) -> bool:
    """Does --start-from name the model the run started from (recorded: config's start_from)?"""
    if not recorded:
        return given == NONE
    return given == recorded.get("name") or (
        given not in (NONE, SHIPPED) and os.path.abspath(given) == recorded.get("path"))


def check_config(config, run_path: str) -> dict:
    """A run's config.json, as read back: the fields training needs, of the right types."""
    def fail(problem):
        raise TemperaError(f"config.json in run folder {run_path} {problem}")

    if not isinstance(config, dict):
        fail("is not a JSON object")
    for key, kind in (("corpus", str), ("lowercase", bool), ("val_fraction", float),
                      ("seed", int), ("recipe", dict)):
        value = config.get(key)
        # bool is a subclass of int: true is no seed, and 1 is no case setting
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            fail(f"has no valid {key!r}")
    try:
        Recipe.from_dict(config["recipe"])
    except TemperaError as error:
        fail(f"has a bad recipe: {error}")
    return config
