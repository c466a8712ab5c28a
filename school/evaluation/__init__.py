"""Feedback questionnaires and knowledge tests, and their results."""
