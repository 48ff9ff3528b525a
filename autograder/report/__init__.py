"""What people read: a feedback page per graded notebook (:mod:`.feedback_page`), the class report
(:mod:`.class_report`), and student-made content made safe to show (:mod:`.safe_html`)."""
