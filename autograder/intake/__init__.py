"""What the instructor downloaded, made gradable: the submissions found (:mod:`.find`), each
notebook read and repaired as nbgrader does (:mod:`.sanitize`), and the jobs handed to grading
processes (:mod:`.jobs`)."""
