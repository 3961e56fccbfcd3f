"""Many pictures: ``styletransfer batch`` as a library.

* :mod:`.plan`: the jobs (contents x styles, or a CSV manifest), their output names, the shards.
* :mod:`.run`: each job's options, whether its output is up to date, one run, the summary.
* :mod:`.pool`: the jobs in this process or in worker processes (threads and GPUs shared out).

The command line (:mod:`styletransfer.cli.batch_command`) wires them together.
"""

__all__: list[str] = []
