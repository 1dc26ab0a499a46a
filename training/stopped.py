"""How a trainer stops before training starts: on a signal, or at a time limit."""


class StoppedWaiting(BaseException):
    """Ctrl-C, SIGTERM or the time limit ended the wait for the cluster. A BaseException, as
    KeyboardInterrupt is: only train() turns it into its one line and exit status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status
