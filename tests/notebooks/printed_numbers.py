"""Compare printed text the way a reader does: words exactly, numbers to the digits printed.

An "Expected output" block in a notebook is what its test cell prints. Two machines may
print the last digit of a number differently (BLAS kernels round differently), so two numbers
match when they agree within the course's tolerance, or within one unit of the last digit of
a number printed at full precision (five or more significant digits: ``0.5`` is exact, not
"0.5 give or take 0.1"); integers (no decimal point, no exponent) must be equal.
"""

from __future__ import annotations

import re

from course_lib.checks import ATOL, RTOL

_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"{_NUMBER}|\w+|\S")
_IS_NUMBER = re.compile(rf"{_NUMBER}\Z")


def tokens(text: str) -> list[str]:
    """Numbers, words and single punctuation marks; white space is dropped."""
    return _TOKEN.findall(text)


def _last_digit_unit(token: str) -> float:
    """10 ** (exponent of the last printed digit) for a number printed with five or more
    significant digits (0.0396005 -> 1e-7, 8.54773e-05 -> 1e-10), else 0."""
    mantissa, _, exponent = token.lower().lstrip("+-").partition("e")
    if len(mantissa.replace(".", "").lstrip("0")) < 5:
        return 0.0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _is_integer(token: str) -> bool:
    return "." not in token and "e" not in token.lower()


def same_token(a: str, b: str) -> bool:
    """Equal words, equal integers, or numbers equal to the digits printed."""
    if not (_IS_NUMBER.match(a) and _IS_NUMBER.match(b)):
        return a == b
    if _is_integer(a) and _is_integer(b):
        return int(a) == int(b)
    x, y = float(a), float(b)
    unit = max(_last_digit_unit(a), _last_digit_unit(b))
    return abs(x - y) <= unit * 1.000001 + ATOL + RTOL * abs(y)


def printed_within(block: str, output: str) -> bool:
    """True when ``block`` appears in ``output`` token by token (see :func:`same_token`)."""
    want, have = tokens(block), tokens(output)
    return any(all(same_token(w, h) for w, h in zip(want, have[start:start + len(want)],
                                                    strict=True))
               for start in range(len(have) - len(want) + 1))
