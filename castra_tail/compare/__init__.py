"""``castra-tail compare OLD NEW``: what changed between two runs.

``sides`` reads the runs each side names (``FILE`` or ``FILE@RUN``), ``diff``
compares them into plain ``records`` (no I/O, no words), ``words`` says them,
``text`` and ``markdown`` lay them out for a terminal and a pull request
comment, and ``run`` writes one of those or the JSON document.
"""
