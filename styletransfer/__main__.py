"""``python -m styletransfer``: the same as the ``styletransfer`` command."""

from .cli import main

raise SystemExit(main())
