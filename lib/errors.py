"""Errors shared across the library, in a module that imports nothing heavy (the command line loads it first)."""


class BadInputError(Exception):
    """A problem with the input the user can act on. ``str()`` is one clear sentence: what was wrong, what to do."""
