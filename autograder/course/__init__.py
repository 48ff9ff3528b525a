"""The course as the grader reads it: the source notebooks, what each is graded against
(:mod:`.reference`), and nbgrader's grading rules without importing nbgrader (:mod:`.rules`)."""
