"""``castra-tail stats FILE…``: which steps are slow, which fail, and how, across every run.

``tally`` adds each run up as the stream folds it (``Stream.on_fold``), into
bounded counts and ``sketch`` durations (exact up to a bound, then a log
histogram); ``masking`` makes alike failure texts one; ``parts`` tallies a big
file on several cores; ``report`` turns a tally into rows; ``text`` and
``markdown`` say them; ``run`` is the command.
"""
