"""autograder: release, grade, give feedback and export grades for the course."""
