"""The twin's memory of the owner's life: an index of their real exchanges (:mod:`lib.memory.index`), typed facts
that cite their source messages (:mod:`lib.memory.facts`), facts proposed by a language model
(:mod:`lib.memory.propose`) and optional embeddings (:mod:`lib.memory.embed`). No Streamlit here."""
from __future__ import annotations

from lib.memory.facts import KINDS, Fact, FactRefused, FactStore
from lib.memory.index import Exchange, Hit, MemoryIndex

__all__ = ["KINDS", "Exchange", "Fact", "FactRefused", "FactStore", "Hit", "MemoryIndex"]
