"""How a trainer stops before training starts: on a signal, or at a time limit."""

import signal
from contextlib import contextmanager


class StoppedWaiting(BaseException):
    """Ctrl-C, SIGTERM or the time limit ended the wait for the cluster. A BaseException, as
    KeyboardInterrupt is: only train() turns it into its one line and exit status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


# Ctrl-C before training starts is noted, not raised: training then stops after its first batch
# and saves, where every worker of a cluster agrees to stop together (an exception here would
# end the chief alone and leave the other workers waiting for it).
_before_training = {"ctrl_c": False}


def note_ctrl_c_before_training(signum, frame):
    _before_training["ctrl_c"] = True
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C quits at once
    print("\nCtrl-C: stopping after the first batch, once training has started (Ctrl-C again to "
          "quit now)", flush=True)


def ctrl_c_before_training() -> bool:
    return _before_training["ctrl_c"]


@contextmanager
def ctrl_c_noted():
    """Ctrl-C noted from here on, also in a process that inherited it ignored (started in the
    background by a shell, or by a server whose Stop sends it)."""
    _before_training["ctrl_c"] = False
    previous = signal.signal(signal.SIGINT, note_ctrl_c_before_training)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
