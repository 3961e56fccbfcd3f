"""``styletransfer estimate CONTENT STYLE --size N``: what a run would need on this machine."""

from __future__ import annotations

from ..estimate import calibrate, estimate, largest_size
from .console import EXIT_FAILED, EXIT_OK, error
from .job import RunOptions, check_sizes, resolve_source, validate

__all__ = ["cmd_estimate"]



def cmd_estimate(args, argv, state) -> int:
    """``styletransfer estimate``: memory and time of a run at ``--size``, and the largest size that fits."""
    validate(RunOptions(args.content, args.style, "x.png", size=args.size, style_size=args.style_size,
                        max_evals=args.max_evals, optimizer=args.optimizer, precision=args.precision))
    content, style = resolve_source(args.content), resolve_source(args.style)
    check_sizes({"content image": (content, args.size), "style image": (style, args.style_size or args.size)})
    if not args.no_calibrate:
        print("timing this machine (once, a few seconds)...", flush=True)
        calibrate()
    options = {"style_size": args.style_size, "optimizer": args.optimizer}
    result = estimate(content, style, size=args.size, precision=args.precision, **options)
    print(result.describe())
    print(f"a run of {args.max_evals} evaluations: about {_duration(result.seconds(args.max_evals))}")
    largest = largest_size(content, style, size=max(args.size, 16384), **options)
    print(f"largest --size that fits the memory available now: {largest} px")
    if not result.fits:
        error(f"--size {args.size} will not fit in the memory available now; use --size {largest} or less")
        return EXIT_FAILED
    return EXIT_OK


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"
