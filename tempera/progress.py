"""A live progress line on a terminal, for work that takes more than a moment.

Only where stderr is a terminal: a line rewritten in place would be noise in a log or a pipe,
and stdout (where `--json` goes) is never touched.
"""

import sys
import time

SHOW_AFTER_S = 1.0  # quicker work shows no line at all
REDRAW_EVERY_S = 0.2


class ProgressLine:
    """`what: 42 % (420,000 of 1,000,000 characters)`, redrawn as update() is called."""

    def __init__(self, what: str, stream=None):
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.live = _is_terminal(self.stream)
        self.started = time.monotonic()
        self.drawn_at = None
        self.width = 0  # of the line on screen, to blank it when done

    def update(self, done: int, total: int) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if now - self.started < SHOW_AFTER_S:
            return
        if self.drawn_at is not None and now - self.drawn_at < REDRAW_EVERY_S:
            return
        line = f"{self.what}: {100 * done // max(total, 1)} % ({done:,} of {total:,} characters)"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)
        self.drawn_at = now

    def close(self) -> None:
        """Blank the line, so what is printed next starts on a clean one."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
