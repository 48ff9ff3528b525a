"""What grading produces and keeps: one result per submission (:mod:`.results`), the ledger that
loses nothing (:mod:`.ledger`) and nbgrader's gradebook (:mod:`.gradebook`)."""
