"""The pure eligibility engine: facts in, three-valued verdicts and explanations out.

Standard library only: no framework, no I/O, no clock (the date is always passed in).
"""
