"""What students get: the released notebooks (:mod:`.notebooks`), each assignment's student
edition of course_lib with no answer in it (:mod:`.student_edition`, packed by
:mod:`.edition_wheel`, its recorded calls made by :mod:`.recording`), and a student's Lab workspace
(:mod:`.workspace`)."""
