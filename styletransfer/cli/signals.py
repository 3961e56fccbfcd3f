"""Signals during a job: SIGTERM stops a run like Ctrl-C, and a save is never cut in half.

:class:`Terminated` is raised for SIGTERM (a :class:`KeyboardInterrupt`, so the optimiser's
"keep the best image" path handles both); :func:`signals_held` defers Ctrl-C and SIGTERM while a
checkpoint or the final image is written, so a second Ctrl-C cannot leave a half-finished save.
Both act only in the main thread (signal handlers cannot be installed elsewhere).
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["Terminated", "TermAsInterrupt", "signals_held"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that a stopped run still saves its best image."""


class TermAsInterrupt:
    """While active, SIGTERM raises :class:`Terminated`, so a killed run still saves its best image."""

    def __enter__(self):
        self._old, self.received = None, False
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    def _raise(self, signum, frame):
        self.received = True
        raise Terminated

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


@contextlib.contextmanager
def signals_held(*, reraise: bool):
    """Hold Ctrl-C and SIGTERM until the block (a save) is complete; then raise them if ``reraise``."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    held: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, frame: held.append(signum)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield held
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if held and reraise:
        raise Terminated if signal.SIGTERM in held else KeyboardInterrupt
