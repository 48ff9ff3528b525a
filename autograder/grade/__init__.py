"""Grading: the coordinator of a run (:mod:`.coordinator`, the only writer: :mod:`.outputs`),
the grading processes it feeds, longest jobs first (:mod:`.dispatch`, :mod:`.longest_first`;
each starts at :mod:`.process` and grades one submission at a time: :mod:`.submission`), the
tests run in the grader against the student's kernel (:mod:`.trusted`), integrity checks
(:mod:`.integrity`) and points (:mod:`.scoring`)."""
