"""Evaluation of the twin: does it sound like the owner? Pure metrics live in :mod:`lib.eval.metrics`."""
