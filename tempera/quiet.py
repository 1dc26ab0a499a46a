"""Importing TensorFlow without its start-up noise on the terminal.

TensorFlow's native code writes CUDA-probing messages straight to file descriptor 2
while it loads, before its own log level applies; none of them is actionable on a CPU.
"""

import importlib
import logging
import os
import tempfile
import warnings


def quiet_tensorflow_environment() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    warnings.filterwarnings("ignore", message=r".*HDF5 file via `model.save\(\)`.*")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def import_quietly(name: str):
    """Import a module with fd 2 captured; the capture is shown only if the import fails."""
    quiet_tensorflow_environment()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            return importlib.import_module(name)
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            os.write(2, capture.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
