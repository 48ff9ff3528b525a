"""The comparison of "Expected output" blocks with what a cell printed."""

from printed_numbers import printed_within, same_token, tokens


def test_tokens_split_numbers_words_and_marks():
    assert tokens("dw = [-0.30472595 1e-05]  b=0.25") == [
        "dw", "=", "[", "-0.30472595", "1e-05", "]", "b", "=", "0.25"]


def test_last_digit_may_differ_by_one_unit():
    assert same_token("0.039600499702122254", "0.03960049970212226")
    assert same_token("0.123456", "0.123457")
    assert same_token("8.54773e-05", "8.54774e-05")


def test_real_differences_are_seen():
    assert not same_token("0.123456", "0.123459")
    assert not same_token("3", "4")
    assert not same_token("0.5", "-0.5")
    assert not same_token("dw", "db")


def test_block_found_inside_output_whatever_the_white_space():
    output = "noise\nexpected = [0.0474259, 0.5]\n  got = [0.0474259,  0.5]\npassed\n"
    assert printed_within("expected = [0.0474259, 0.5] got = [0.0474258, 0.5]", output)
    assert not printed_within("expected = [0.0474259, 0.6]", output)
    assert not printed_within("got = [0.0474259, 0.5] passed twice", output)
