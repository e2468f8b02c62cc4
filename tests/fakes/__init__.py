"""Test doubles that speak real protocols over real sockets, so the code under test runs unchanged."""
from tests.fakes.openai_server import Fail, FakeOpenAI, RecordedRequest

__all__ = ["Fail", "FakeOpenAI", "RecordedRequest"]
