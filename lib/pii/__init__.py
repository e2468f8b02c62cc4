"""PII redaction: recognizers find spans (:mod:`lib.pii.recognizers`), the analyzer resolves them
(:mod:`lib.pii.analyzer`), operators choose replacements (:mod:`lib.pii.operators`), and the workspace store keeps
detections and the owner's decisions (:mod:`lib.pii.store`)."""
