"""``python -m styletransfer``: the same as the ``styletransfer`` command."""

from .cli.main import main

raise SystemExit(main())
