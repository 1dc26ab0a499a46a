"""The one exception type that reaches the user as a one-line message."""


class TemperaError(Exception):
    """A problem the user can fix: bad input, a missing file, a corrupt bundle.

    The command line prints the message on one line and exits with code 2,
    without a traceback.
    """
