"""Where student code runs: fresh kernels forked from a warm process (:mod:`.zygote`,
:mod:`.launcher`, :mod:`.pool`) in a sandbox (:mod:`.sandbox`), and a notebook executed cell by cell
(:mod:`.execute`); a test cell's two sides held on one core (:mod:`.cores`). Nothing here
decides a grade."""
