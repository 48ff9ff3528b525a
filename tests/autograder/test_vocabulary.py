"""The grader's shared words, and the mistake catalogue's copy of one of them."""

from __future__ import annotations

import course_lib.mistakes
from autograder import vocabulary


def test_the_cells_testing_a_name_are_its_visible_hidden_and_gradcheck_tests():
    assert vocabulary.cells_testing("f") == ("test_f", "test_f_hidden", "test_f_gradcheck")


def test_the_mistake_catalogue_names_the_same_test_cells_as_the_grader():
    # course_lib never imports the grader, so the catalogue states the rule itself
    assert course_lib.mistakes.TEST_CELL_SUFFIXES == vocabulary.TEST_CELL_SUFFIXES


def test_a_serious_flag_is_known_by_its_name_before_the_colon():
    assert vocabulary.is_serious(f"{vocabulary.COPIED}:sigmoid")
    assert vocabulary.is_serious(vocabulary.TAMPERED)
    assert not vocabulary.is_serious("edited_locked_cell")
