"""What every subcommand says the same way: the program name, the exit statuses, one-line errors."""

from __future__ import annotations

import sys

__all__ = ["PROG", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "error", "warning"]

PROG = "styletransfer"
#: 0 done; 1 the work failed (a batch item, a save that went to the rescue folder); 2 bad input
#: (one line naming the problem and the fix); 130 Ctrl-C and 143 SIGTERM (best image kept).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


def error(message: str) -> None:
    """``styletransfer: error: MESSAGE`` on one line of stderr (whitespace folded)."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)


def warning(message: str) -> None:
    """``styletransfer: warning: MESSAGE`` on one line of stderr (whitespace folded)."""
    print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
