"""What grading produces and keeps: one result per submission (:mod:`.results`), the ledger that
loses nothing (:mod:`.ledger`), nbgrader's gradebook (:mod:`.gradebook`), and the grades as an
LMS imports them (:mod:`.export`)."""
