"""Tests that run in the grader, against student code that runs in its own kernel.

The student's process is untrusted: everything in it can be rewritten. So no test, expected
value, reference implementation or verdict runs there. The notebook's ordinary cells run in
the sandboxed kernel as before; each test cell runs in the grading process
(:mod:`~autograder.grade.trusted.runner`), where the student's functions and classes are proxies
(:mod:`~autograder.grade.trusted.proxies`) whose calls travel to the kernel and come back as plain
data only (:mod:`~autograder.grade.trusted.wire`, :mod:`~autograder.grade.trusted.channel`),
answered there by a small stub (:mod:`~autograder.grade.trusted.kernel_stub`). PrairieLearn's Python
grader works the same way (student code in its own process behind a socket; the harness compares).
"""
