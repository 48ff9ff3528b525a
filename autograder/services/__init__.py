"""The grader inside the autograding services' containers: one submission in, one results file out.

- :mod:`.one_submission` lays out the files a service hands over as one nbgrader-layout
  submission, finds its assignment and grades it with the ordinary :func:`grade` (same trusted
  tests, same sandbox, same messages);
- :mod:`.summary` is what the student reads about the whole submission (status, what to do,
  flags), worded as on the feedback page;
- :mod:`.gradescope` writes Gradescope's ``results.json`` and builds the zip an instructor
  uploads (``setup.sh`` and ``run_autograder`` from ``templates/``);
- :mod:`.prairielearn` writes PrairieLearn's external-grading ``results.json``.

``python -m autograder gradescope | gradescope-bundle | prairielearn`` are the entry points.
"""

#: Gradescope's test visibilities a hidden test may have (all but "visible"); the first is the
#: default. Here, not in :mod:`.gradescope`, so that the command line needs no heavy import.
HIDDEN_VISIBILITIES = ("after_published", "after_due_date", "hidden")
