"""Errors shared across the library, in a module that imports nothing heavy (the command line loads it first)."""


class BadInputError(ValueError):
    """A problem with the input the user can act on. ``str()`` is one clear sentence: what was wrong, what to do.

    A ``ValueError``: it is a bad value the user gave, and callers that catch ``ValueError`` keep working.

    ``code`` and ``params`` (optional) let a page show the message in its language: ``msg.<code>`` in
    :mod:`lib.i18n.messages`, formatted with ``params`` (``pages.UI.error_text``); ``str()`` stays the English sentence
    so the command line, logs of tests and every existing caller read it as before."""

    def __init__(self, message: str = "", code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class WorkspaceBusy(BadInputError):
    """Another import, redaction scan or export holds the workspace's writer lock (:mod:`lib.locking`): another tab,
    another command, or a long job still running. Nothing was changed; the same action works once that job ends."""

    def __init__(self, job: str, holder: str = "") -> None:
        self.job = job
        self.holder = holder
        running = f"{holder} is running" if holder else "another import, scan or export is running"
        super().__init__(f"this workspace is busy: {running} (another tab or command), so {job} cannot start now. "
                         "Nothing was changed; try again when it has finished.", code="workspace_busy")
