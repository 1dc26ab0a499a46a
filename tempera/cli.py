"""The `tempera` command: train, export, sample, serve, build-site."""

import argparse
import os
import secrets
import sys

from . import __version__, finite_json
from .api import resolve_bundle
from .catalog import DEFAULT_MODELS_DIR
from .errors import TemperaError
from .generate import MODES
from .paths import FRONTEND_DIST
from .progress import ProgressLine
from .quiet import import_quietly
from .sampling import NOTEBOOK_TEMPERATURES
from .training.recipes import CHOSEN, RECIPE_ALIASES, RECIPES

# A seed or a text to score can be a whole book, but not an unbounded stream.
MAX_TEXT_FILE_BYTES = 64 * 2**20


def _needs_training_extra(error: ImportError):
    raise TemperaError(f"this command needs TensorFlow ({error.name} is not installed): install "
                       "the training extra, pip install 'tempera[train]' (in a checkout: "
                       "make setup-dev)") from None


def cmd_train(args) -> int:
    from .training.options import check_train_options

    check_train_options(args)  # before TensorFlow loads: a bad number is refused at once
    try:
        training = import_quietly("tempera.training.train")
    except ImportError as error:
        _needs_training_extra(error)
    return training.train(args)


def cmd_export(args) -> int:
    try:
        exporter = import_quietly("tempera.export.bundle_export")
        import_quietly("tensorflowjs")
    except ImportError as error:
        _needs_training_extra(error)
    meta = exporter.export_run(args.run, args.out, epoch=args.epoch, force=args.force,
                               quantize=args.quantize)
    held_out = meta["held_out"]
    check = (f"its predictions are within {meta['self_check_max_dp']:.1e} of the float32 model's"
             if args.quantize else f"NumPy reader agrees with Keras to {meta['self_check_max_dp']:.1e}")
    print(f"exported epoch {meta['epochs']} (held-out {held_out['loss_nats_per_char']:.4f} "
          f"nats/char, {meta['weights_bytes'] / 1e6:.2f} MB of weights) to {args.out}; {check}")
    if "quantized_loss_nats_per_char" in held_out:
        print(f"{args.quantize} weights: held-out {held_out['quantized_loss_nats_per_char']:.4f} "
              f"nats/char by the NumPy reference, float32 {held_out['float32_loss_nats_per_char_reference']:.4f}")
    elif "quantized_loss_note" in held_out:
        print_notes(f"held-out loss of the {args.quantize} weights: {held_out['quantized_loss_note']}")
    print_quality(meta)
    return 0


def cmd_import(args) -> int:
    try:
        importer = import_quietly("tempera.export.notebook_import")
        import_quietly("tensorflowjs")
        import_quietly("keras")
    except ImportError as error:
        _needs_training_extra(error)
    meta = importer.import_notebook_model(args.model, args.corpus, args.out, force=args.force)
    layers = meta["layers"]
    print(f"imported {args.model} (LSTM({layers['lstm_units'][0]}), {layers['vocab_size']} "
          f"characters, {meta['maxlen']}-character window) to {args.out}; NumPy reader agrees "
          f"with the notebook's Keras model to {meta['self_check_max_dp']:.1e}")
    return 0


def cmd_quantize(args) -> int:
    try:
        quantizer = import_quietly("tempera.export.quantize_bundle")
        import_quietly("tensorflowjs")
    except ImportError as error:
        _needs_training_extra(error)
    meta = quantizer.quantize_bundle(resolve_bundle(args.bundle), args.out, args.to, args.corpus, args.force)
    held_out = meta["held_out"]
    print(f"wrote {args.out}: {args.to} weights, {meta['weights_bytes'] / 1e6:.2f} MB; "
          f"predictions within {meta['self_check_max_dp']:.1e} of float32")
    if "quantized_loss_nats_per_char" in held_out:
        print(f"held-out {held_out['quantized_loss_nats_per_char']:.4f} nats/char by the NumPy reference, "
              f"float32 {held_out['float32_loss_nats_per_char_reference']:.4f}")
    else:
        print_notes(f"held-out loss of the {args.to} weights: {held_out.get('quantized_loss_note')}")
    return 0


def print_quality(meta: dict) -> None:
    """Where the exported model stands against its baselines, and a warning below the n-gram."""
    from .baselines import bundle_quality, ngram_warning

    if bundle_quality(meta):
        print(f"the model is {bundle_quality(meta)}")
    if ngram_warning(meta):
        print(f"warning: {ngram_warning(meta)}", file=sys.stderr)


def print_notes(*notes) -> None:
    for note in filter(None, notes):
        print(f"note: {note}", file=sys.stderr)


def cmd_sample(args) -> int:
    from .api import load
    from .baselines import bundle_quality

    if (args.bundle is None) == (args.bundles is None):
        raise TemperaError("give one bundle, or several with --bundles (not both)")
    if args.bundles is not None:
        return sample_bundles(args)
    seed_text = args.seed_text if args.seed_file is None else read_text_file(args.seed_file, "seed")
    model = load(args.bundle)
    run = model.sample_run(seed_text, args.temperature or NOTEBOOK_TEMPERATURES, args.length,
                           args.rng_seed, args.top_k, args.top_p, args.min_p, args.mode)
    print_notes(*run.notes)
    result = run.run(records=args.json)
    if args.json:
        print(result.to_json_text())
        return 0
    if args.rng_seed is None:
        print(f"rng seed {result.rng_seed} (pass --rng-seed {result.rng_seed} to repeat this)",
              file=sys.stderr)
    if bundle_quality(model.meta):
        print(f"model {model.name}: {bundle_quality(model.meta)}")
    print(result)
    return 0


def sample_bundles(args) -> int:
    """`tempera sample --bundles A B C`: one lane per bundle at one temperature."""
    from .bundle import load_bundle
    from .bundle_lanes import generate_across
    from .generate import check_length, length_note, prime_note
    from .sampling import lane_filters

    if args.temperature is None or len(args.temperature) != 1:
        raise TemperaError("--bundles needs one --temperature T: the lanes are the bundles")
    filters = lane_filters(1, args.top_k, args.top_p, args.min_p)[0]
    seed_text = args.seed_text if args.seed_file is None else read_text_file(args.seed_file, "seed")
    named = []
    for name in args.bundles:
        try:
            named.append((name, load_bundle(resolve_bundle(name))))
        except TemperaError as error:
            raise TemperaError(f"bundle {name}: {error}") from None
    rng_seed = args.rng_seed if args.rng_seed is not None else secrets.randbits(32)
    lanes = generate_across(named, seed_text, args.temperature[0], args.length, rng_seed,
                            args.mode, records=args.json, filters=filters)
    print_notes(*(f"bundle {lane.name}: {lane.encoding.report()}" for lane in lanes
                  if lane.encoding.report()),
                length_note(check_length(args.length)),
                prime_note(max(len(lane.encoding.ids) for lane in lanes), args.mode))
    if args.json:
        print(finite_json.dumps({"seed_text": lanes[0].encoding.text, "rng_seed": rng_seed,
                                 "mode": args.mode, "temperature": args.temperature[0],
                                 "lanes": [{"bundle": lane.name, "seed_text": lane.encoding.text,
                                            **lane.lane.as_json()} for lane in lanes]},
                                ensure_ascii=False))
        return 0
    if args.rng_seed is None:
        print(f"rng seed {rng_seed} (pass --rng-seed {rng_seed} to repeat this)", file=sys.stderr)
    label = "greedy" if args.temperature[0] == 0 else args.temperature[0]
    active = filters.label() if args.temperature[0] != 0 else ""
    for lane in lanes:
        print(f"------ bundle: {lane.name} · temperature: {label}" + (f" · {active}" if active else ""))
        print(lane.encoding.text + lane.lane.text)
    return 0


def read_text_file(path: str, what: str) -> str:
    """A `what` (seed, text) from a UTF-8 file, or from standard input for '-'."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_TEXT_FILE_BYTES + 1)
        else:
            if not os.path.isfile(path):
                raise TemperaError(f"{what} file not found (or not a regular file): {path}")
            with open(path, "rb") as handle:
                data = handle.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as error:
        raise TemperaError(f"cannot read {what} file {path}: {error.strerror}") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise TemperaError(f"{what} file {path} is over {MAX_TEXT_FILE_BYTES // 2**20} MB")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise TemperaError(f"{what} file {path} is not valid UTF-8 (byte {error.start})") from None


def cmd_score(args) -> int:
    from .api import load

    text = args.text if args.text_file is None else read_text_file(args.text_file, "text")
    run = load(args.bundle).score_run(text, args.mode)
    print_notes(*run.notes)
    with ProgressLine("scoring") as progress:
        scored = run.run(progress=progress.update)
    print(scored.to_json_text() if args.json else scored)
    return 0


def cmd_activations(args) -> int:
    from .activations import activations, summary

    text = args.text if args.text_file is None else read_text_file(args.text_file, "text")
    document = activations(args.bundle, text, args.mode)
    print(finite_json.dumps(document, ensure_ascii=False) if args.json else summary(document))
    return 0


def cmd_saliency(args) -> int:
    from .saliency import saliency, summary

    text = args.text if args.text_file is None else read_text_file(args.text_file, "text")
    document = saliency(args.bundle, text, args.position, args.context, args.mode)
    print(finite_json.dumps(document, ensure_ascii=False) if args.json else summary(document))
    return 0


def cmd_serve(args) -> int:
    from .server.serve import serve

    serve(args.models, args.static, args.host, args.port, args.runs, args.allow_training)
    return 0


def cmd_build_site(args) -> int:
    from .export.site import build_site

    index = build_site(args.out, args.model or [], args.static, DEFAULT_MODELS_DIR, args.force,
                       open_first=args.open)
    names = ", ".join(m["id"] for m in index["models"])
    print(f"wrote the static site to {args.out} with {len(index['models'])} model(s): {names}; "
          f"it opens on {index['models'][0]['id']}")
    print(f"try it: python -m http.server -d {args.out} 8000")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line, like every other error, and points to --help."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    main = OneLineParser(prog="tempera", description="Character-level LSTM text generation: train in Python, generate in the browser.")
    main.add_argument("--version", action="version", version=f"tempera {__version__}")
    commands = main.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a char-LSTM on a text file")
    train.add_argument("--corpus", help="a UTF-8 text file, or 'nietzsche' to download "
                       "the notebook's corpus (needed for a new run)")
    train.add_argument("--run", default="runs/latest",
                       help="run folder; an existing one is resumed (default: runs/latest)")
    train.add_argument("--recipe", choices=[CHOSEN, *RECIPES, *RECIPE_ALIASES],
                       help="'auto' (the default) chooses the model for the text's size and the "
                       "time budget; 'default' is 2 × LSTM(256) whatever the text; 'notebook' "
                       "reproduces the course notebook")
    case = train.add_mutually_exclusive_group()
    case.add_argument("--lowercase", dest="lowercase", action="store_true", default=None,
                      help="fold the corpus to lowercase (the default, as in the notebook)")
    case.add_argument("--keep-case", dest="lowercase", action="store_false")
    train.add_argument("--epochs", type=int, default=20, help="train until this epoch")
    train.add_argument("--time-budget", type=float, metavar="MINUTES",
                       help="stop after this many minutes (mid-epoch if need be)")
    train.add_argument("--patience", type=int, metavar="EPOCHS",
                       help="stop once the held-out loss has not improved for this many epochs")
    train.add_argument("--val-fraction", type=float,
                       help="fraction of the text, at its end, held out (default 0.1)")
    train.add_argument("--units", type=int, help="LSTM units per layer (1 to 4096)")
    train.add_argument("--layers", type=int, help="number of LSTM layers (1 to 8)")
    train.add_argument("--batch", type=int, help="sequences per batch (1 to 65536)")
    train.add_argument("--seq-len", type=int, help="characters per training sequence (1 to 10000)")
    train.add_argument("--learning-rate", type=float, help="above 0")
    train.add_argument("--dropout", type=float,
                       help="share of each LSTM layer's outputs dropped while training (0 to <1)")
    train.add_argument("--start-from", metavar="MODEL",
                       help="start from a trained model's weights: 'nietzsche' (the shipped model), "
                       "an exported bundle's folder, or 'none' for random weights (default: the "
                       "shipped model for a text whose characters it knows, when the text is small or the "
                       "time lets two layers see it a few times; else none)")
    train.add_argument("--seed", type=int, help="random seed of the run (default 1337)")
    train.add_argument("--strategy", choices=["one", "mirrored", "multi-worker"], default="one",
                       help="one device (default); mirrored: this machine's GPUs; multi-worker: "
                            "one process per machine, as TF_CONFIG describes (see the README)")
    train.add_argument("--backup-every", type=int, metavar="BATCHES",
                       help="multi-worker: back up the training state every this many batches, "
                            "to resume mid-epoch after a lost worker (default 100)")
    train.add_argument("--join-timeout", type=float, metavar="MINUTES",
                       help="multi-worker: give up when the workers of TF_CONFIG have not all "
                            "started within this many minutes (default 10)")
    train.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2],
                       help="Keras progress output: 0 none, 1 bar, 2 a line per epoch")
    train.set_defaults(handler=cmd_train)

    export = commands.add_parser("export", help="export a run as a TensorFlow.js bundle")
    export.add_argument("run", help="run folder")
    export.add_argument("--out", required=True, help="bundle folder to write")
    export.add_argument("--epoch", type=int, help="epoch to export (default: best held-out loss)")
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.add_argument("--quantize", choices=["float16", "uint8"],
                        help="store the weights as float16 (half the size) or uint8 (a quarter), "
                             "with the converter's own quantisation")
    export.set_defaults(handler=cmd_export)

    imported = commands.add_parser(
        "import", help="turn a model trained by the course notebook into a bundle",
        description="Turn a model the course notebook trained and saved with model.save() (Keras 3, "
                    "a .keras or .h5 file: LSTM(units) and a softmax Dense over one-hot windows of "
                    "60 characters) into a bundle that the page and `tempera sample` use. The "
                    "notebook's vocabulary is the sorted distinct characters of its lowercased "
                    "text, so --corpus must be that text. The bundle is read back by the NumPy "
                    "sampler and must predict what the Keras model predicts. A model of another "
                    "shape, or a text with another number of characters, is refused.")
    imported.add_argument("model", help="the notebook's saved model (.keras or .h5)")
    imported.add_argument("--corpus", required=True,
                          help="the text the notebook trained on: its characters are the vocabulary")
    imported.add_argument("--out", required=True, help="bundle folder to write")
    imported.add_argument("--force", action="store_true", help="replace --out if it exists")
    imported.set_defaults(handler=cmd_import)

    quantize = commands.add_parser("quantize", help="a float32 bundle with its weights quantised")
    quantize.add_argument("bundle", help="bundle folder, or the name of a shipped model: nietzsche")
    quantize.add_argument("--out", required=True, help="bundle folder to write")
    quantize.add_argument("--to", required=True, choices=["float16", "uint8"], help="how to store the weights")
    quantize.add_argument("--corpus", help="the text the model was trained on, to measure the "
                          "quantised held-out loss (its sha256 must match tempera.json's)")
    quantize.add_argument("--force", action="store_true", help="replace --out if it exists")
    quantize.set_defaults(handler=cmd_quantize)

    sample = commands.add_parser(
        "sample", help="generate text from a bundle (NumPy reference)",
        description="Generate text from a bundle with the NumPy reference sampler: one lane per "
                    "--temperature. With --bundles A B C, one lane per bundle instead (the "
                    "epochs of a run side by side): lane k is what `tempera sample` gives on "
                    "bundle k alone with the same seed text, one --temperature and the same "
                    "--rng-seed, so every lane draws the same random numbers and where the texts "
                    "differ, the models do. The seed must read alike in every bundle.")
    sample.add_argument("bundle", nargs="?", help="bundle folder (model.json + tempera.json), or "
                        "the name of a shipped model: nietzsche")
    sample.add_argument("--bundles", nargs="+", metavar="BUNDLE",
                        help="several bundles, one lane each, at one --temperature (instead of "
                             "BUNDLE)")
    seed = sample.add_mutually_exclusive_group(required=True)
    seed.add_argument("--seed-text", help="the text the model continues")
    seed.add_argument("--seed-file", metavar="PATH",
                      help="read the seed from a UTF-8 file ('-': standard input)")
    sample.add_argument("--temperature", type=float, nargs="+",
                        help="one lane each (default: the notebook's "
                             f"{' '.join(map(str, NOTEBOOK_TEMPERATURES))}); with --bundles, one")
    sample.add_argument("--top-k", nargs="+", metavar="K",
                        help="keep the K most likely characters (0: off); one value for all "
                             "lanes or one per temperature")
    sample.add_argument("--top-p", nargs="+", metavar="P",
                        help="keep the most likely characters that make up P of the mass "
                             "(0 < P <= 1; 1: off)")
    sample.add_argument("--min-p", nargs="+", metavar="M",
                        help="keep characters at least M times as likely as the most likely "
                             "(0 <= M < 1; 0: off)")
    sample.add_argument("--length", type=int, default=400)
    sample.add_argument("--rng-seed", type=int, help="default: a random one, printed")
    sample.add_argument("--mode", choices=MODES, default=MODES[0])
    sample.add_argument("--json", action="store_true", help="print the lanes as JSON")
    sample.set_defaults(handler=cmd_sample)

    score = commands.add_parser("score", help="how likely a text is under a model (NumPy reference)")
    score.add_argument("bundle", help="bundle folder, or the name of a shipped model: nietzsche")
    text = score.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to score")
    text.add_argument("--text-file", metavar="PATH",
                      help="read the text from a UTF-8 file ('-': standard input)")
    score.add_argument("--mode", choices=MODES, default=MODES[0])
    score.add_argument("--json", action="store_true",
                       help="totals and one record per scored character, as JSON")
    score.set_defaults(handler=cmd_score)

    inside = commands.add_parser(
        "activations", help="every LSTM layer's h and c after each character (NumPy reference)",
        description="Read a text with the model and report, for every LSTM layer, its output h "
                    "and its cell state c after each character: what the page's cell view "
                    "shows. stateful: one pass over the text from a zero state; window: each "
                    "character's row comes from the last maxlen characters ending there. The "
                    "text is lowercased for a lowercase model; a character the model does not "
                    "know is refused.")
    inside.add_argument("bundle", help="bundle folder, or the name of a shipped model: nietzsche")
    text = inside.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to read")
    text.add_argument("--text-file", metavar="PATH",
                      help="read the text from a UTF-8 file ('-': standard input)")
    inside.add_argument("--mode", choices=MODES, default=MODES[0])
    inside.add_argument("--json", action="store_true",
                        help="every layer's h and c for every character, as JSON (without it: "
                             "the most active units of each layer)")
    inside.set_defaults(handler=cmd_activations)

    looked = commands.add_parser(
        "saliency", help="how much each earlier character moved one prediction (NumPy reference)",
        description="For the character at --position (counted from 0 in the text as the model "
                    "reads it), how much each character before it influenced the model's "
                    "probability of it: the size (L2 norm) of the gradient of its "
                    "log-probability with respect to that character's one-hot input. stateful: "
                    "the last --context characters get an influence, the state before them held "
                    "fixed; window: the window of the last maxlen characters, from a zero state. "
                    "A character the model does not know is refused.")
    looked.add_argument("bundle", help="bundle folder, or the name of a shipped model: nietzsche")
    text = looked.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text the prediction is in")
    text.add_argument("--text-file", metavar="PATH",
                      help="read the text from a UTF-8 file ('-': standard input)")
    looked.add_argument("--position", type=int, required=True, metavar="N",
                        help="the predicted character: 1 to the text's length - 1")
    looked.add_argument("--context", type=int, default=100, metavar="K",
                        help="stateful: how many characters before it get an influence "
                             "(default 100); window mode uses the window")
    looked.add_argument("--mode", choices=MODES, default=MODES[0])
    looked.add_argument("--json", action="store_true",
                        help="every context character's influence, as JSON (without it: the "
                             "context and the characters that moved the prediction most)")
    looked.set_defaults(handler=cmd_saliency)

    serve = commands.add_parser("serve", help="serve the page and the model bundles")
    serve.add_argument("--models", default=DEFAULT_MODELS_DIR,
                       help="folder of bundles, one sub-folder each (default: the shipped models)")
    serve.add_argument("--runs", default="runs",
                       help="folder of training runs for the page's Training view, one sub-folder "
                       "each, as `tempera train --run` writes them (default: runs, in the current "
                       "folder)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default: loopback; for the internet, put a reverse "
                       "proxy in front: see the README)")
    serve.add_argument("--port", type=int, default=5000,
                       help="port to listen on; 0 picks a free one (default 5000)")
    serve.add_argument("--allow-training", action="store_true",
                       help="let this server's page start and stop training runs (into --runs, "
                       "exported into --models): loopback only, each request checked for this "
                       "server's secret token, Host and Origin; see the README")
    serve.add_argument("--static", default=FRONTEND_DIST, help=argparse.SUPPRESS)
    serve.set_defaults(handler=cmd_serve)

    site = commands.add_parser("build-site", help="write the page and its models as a static site")
    site.add_argument("--out", required=True, help="folder to write")
    site.add_argument("--model", action="append", metavar="BUNDLE",
                      help="a bundle folder to include (repeatable; default: the shipped models)")
    site.add_argument("--open", metavar="NAME",
                      help="the model the page opens on, by its folder name (default: the shipped "
                           "model if included, else the first --model)")
    site.add_argument("--force", action="store_true", help="replace --out if it exists")
    site.add_argument("--static", default=FRONTEND_DIST, help=argparse.SUPPRESS)
    site.set_defaults(handler=cmd_build_site)
    return main


def command_parser(main_parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The sub-parser of `command`, whose options name the arguments in messages."""
    for action in main_parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return main_parser


def quiet_broken_pipe() -> int:
    """`tempera sample … | head` closing the pipe early is not an error: stop quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # Python's final flush must not fail again
    return 0


def not_utf8(value: str) -> int | None:
    """Where an argument stops being UTF-8 (the byte), or None when it is UTF-8.

    The command line is bytes; Python keeps the bytes that are not UTF-8 as lone surrogates,
    which would be written back out raw (invalid JSON) or fail on a strict UTF-8 stdout.
    """
    try:
        value.encode("utf-8")
        return None
    except UnicodeEncodeError as error:
        return len(value[:error.start].encode("utf-8"))


def check_arguments_are_utf8(sub_parser: argparse.ArgumentParser, args) -> None:
    """Refuse, by its option's name, any text or path argument that is not UTF-8."""
    names = {action.dest: (action.option_strings or [action.dest])[-1]
             for action in sub_parser._actions}
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            byte = not_utf8(item) if isinstance(item, str) else None
            if byte is not None:
                raise TemperaError(f"{names.get(dest, dest)} is not valid UTF-8 (byte {byte}); "
                                   "give it in UTF-8")


def main(argv=None) -> int:
    main_parser = parser()
    args = main_parser.parse_args(argv)
    try:
        check_arguments_are_utf8(command_parser(main_parser, args.command), args)
        status = args.handler(args)
        sys.stdout.flush()
        return status
    except TemperaError as error:
        print(f"tempera {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return quiet_broken_pipe()
    except KeyboardInterrupt:
        print(f"tempera {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
