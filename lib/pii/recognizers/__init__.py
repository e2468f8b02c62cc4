"""One module per kind of PII, each a Recognizer (see :mod:`lib.pii.base`); the set a scan runs is in
:mod:`lib.pii.registry`."""
