"""Make the result figure shown in README.md and notebook 00: notebooks/figures/readme_result.png.

Uses the ImageNet VGG19 weights when they are available (``weights="auto"``); otherwise the
figure is made with a random-weight VGG19 and its title says so in red. Re-run this script on a
machine with the weights (``styletransfer fetch``) to replace it with the real result.

    .venv/bin/python tools/make_figures.py [--size 320] [--evals 300]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import styletransfer as st
from styletransfer.images import atomic_write_bytes
from styletransfer.notebook.plotting import show_images

OUT = Path(__file__).resolve().parents[1] / "notebooks" / "figures" / "readme_result.png"


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--evals", type=int, default=300)
    parser.add_argument("--content", default="chelsea")
    parser.add_argument("--style", default="starry_night")
    args = parser.parse_args(argv)

    result = st.stylize(args.content, args.style, size=args.size, max_evals=args.evals)
    content, style = st.load_sample(args.content, size=args.size), st.load_sample(args.style, size=args.size)
    fig = show_images(
        [content, style, result.image],
        ["content: " + args.content, "style: " + args.style, f"result ({result.evaluations} L-BFGS evaluations)"],
        suptitle=None if result.is_random_weights else f"Made with {result.weights_label}",
        weights_label=result.weights_label,
        width=3.2,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    atomic_write_bytes(OUT, buffer.getvalue())
    print(f"wrote {OUT} ({result.weights_label})")
    return OUT


if __name__ == "__main__":
    main()
