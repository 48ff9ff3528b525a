"""``python -m autograder demo``: the whole instructor workflow (:mod:`.workflow`) on a sample class
built from the release (:mod:`.sample_class`)."""
