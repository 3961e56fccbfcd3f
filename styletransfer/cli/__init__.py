"""The ``styletransfer`` command: :mod:`.main` parses the command line, :mod:`.job` runs one
validated job (resolve sources, run, write the image and its record)."""

__all__: list[str] = []
