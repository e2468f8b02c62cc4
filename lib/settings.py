"""Every workspace setting by name: its key, its type, its default and what it is for, in one place.

Why: settings were string literals spread over a dozen modules (``"chat.backend"`` and ``"chat.backends"`` one letter
apart), each reader repeating its own default. A :class:`Setting` names the key once; ``get`` returns the default
when the value is missing or of the wrong type (a hand-edited database must not crash a page), ``set`` refuses a
value of the wrong type before it is stored.

    from lib import settings
    name = settings.CHAT_BACKEND.get(ws)        # "offline" until the owner picks one
    settings.CHAT_BACKEND.set(ws, "local")
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

REGISTRY: dict[str, "Setting"] = {}


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One workspace setting: ``key`` in the settings table, the Python ``type`` its value has, its ``default``."""

    key: str
    type: type | tuple[type, ...]
    default: T
    doc: str

    def __post_init__(self) -> None:
        if self.key in REGISTRY:
            raise ValueError(f"setting {self.key!r} is defined twice")
        REGISTRY[self.key] = self

    def _ok(self, value: Any) -> bool:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        if isinstance(value, bool) and bool not in types:
            return False  # True is an int to Python, not to a setting
        return isinstance(value, types) or (float in types and isinstance(value, int))

    def get(self, ws) -> T:
        """The stored value, or (a copy of) the default when it is missing, null or of the wrong type."""
        value = ws.get_setting(self.key)
        if value is None or not self._ok(value):
            return copy.deepcopy(self.default)
        return float(value) if self.type is float else value  # type: ignore[return-value]

    def set(self, ws, value: T) -> None:
        """Store ``value``; a value of the wrong type is a programming error, refused before it reaches the table."""
        if not self._ok(value):
            raise TypeError(f"setting {self.key}: expected {self.type}, got {type(value).__name__}")
        ws.set_setting(self.key, value)

    def clear(self, ws) -> None:
        """Forget the value: ``get`` returns the default again."""
        ws.set_setting(self.key, None)

    def is_set(self, ws) -> bool:
        return ws.get_setting(self.key) is not None


def get(ws, setting: Setting[T]) -> T:
    return setting.get(ws)


def put(ws, setting: Setting[T], value: T) -> None:
    setting.set(ws, value)


# ----- persona and traits ---------------------------------------------------------------------------------------
TWIN_NAME = Setting("persona.twin_name", str, "", "The twin's own name (never redacted); empty until chosen.")
PERSONA_TEMPLATE = Setting("persona.template", str, "", "The system prompt template; empty: the language's default.")
PERSONA_RELATIONSHIPS = Setting("persona.relationships", dict, {}, "chat id (as a string) -> relationship note.")
TRAITS_CARD = Setting("traits.card", dict, {}, "The trait card (TraitCard.to_dict()); empty: none saved yet.")
MBTI_TYPE = Setting("mbti.type", str, "", "The owner's MBTI type; empty: taken from the trait card.")
MBTI_FILES = Setting("mbti.files", list, [], "MBTI files picked by hand (overrides the type).")
MBTI_RESTYLE = Setting("mbti.restyle", bool, True, "Rewrite MBTI answers toward the owner's style.")

# ----- chat, memory, evaluation ---------------------------------------------------------------------------------
CHAT_BACKEND = Setting("chat.backend", str, "offline", "The chosen chat backend's name (one of lib.chat.REGISTRY).")
CHAT_BACKENDS = Setting("chat.backends", dict, {}, "Per-backend configuration: backend name -> its config dict.")
CHAT_PARAMS = Setting("chat.params", dict, {}, "Sampling parameters of the chat (temperature, top_p, ...).")
CHAT_MEMORY = Setting("chat.memory", dict, {}, "Per-backend memory (retrieval) settings: name -> {on, k, budget}.")
CHAT_TRANSCRIPT = Setting("chat.transcript", list, [], "The owner's conversation with the twin, until cleared.")
LLM_ENDPOINT = Setting("llm.endpoint", dict, {}, "An OpenAI-compatible endpoint: {base_url, model} (never a key).")
EMBED_MODEL = Setting("memory.embed_model", str, "", "Local embedding model folder for memory search.")
EVAL_HOLDOUT = Setting("eval.holdout", dict, {}, "Conversations held out for evaluation: {share, ids}.")
GAME_OWNER_SESSIONS = Setting("game.owner_sessions", list, [],
                              "Hashed sessions of the owner, left out of the fooling rate.")
GAME_APPROVED = Setting("game.demo_approved", list, [], "Who-said-it items whose context friends may see in demo mode.")
DEMO_PASSCODE = Setting("demo.passcode", dict, {}, "The demo passcode's salt and hash (never the passcode).")

# ----- import, redaction, labels, training ----------------------------------------------------------------------
SEGMENT = Setting("segment", dict, {}, "Segmentation settings (SegmentConfig.to_dict()).")
SAMPLE_LOADED = Setting("sample_loaded", bool, False, "The bundled sample was imported once (not again if removed).")
PII_REGIONS = Setting("pii.regions", list, [], "Phone regions to detect; empty: guessed from the chats.")
PII_THRESHOLD = Setting("pii.threshold", float, 0.5, "Lowest detection score kept.")
PII_NAMES = Setting("pii.names", list, [], "Person names the owner added.")
PII_MODES = Setting("pii.modes", dict, {}, "Replacement mode per kind (placeholder, mask, fake).")
PII_SALT = Setting("pii.salt", str, "", "Salt of the consistent fakes; made on first use.")
PII_SCAN = Setting("pii.scan", dict, {}, "Progress of the incremental scan.")
LABELS_TAXONOMY = Setting("labels.taxonomy", list, [], "Emotion labels offered; empty: the default taxonomy.")
LABELS_THEIRS = Setting("labels.theirs", bool, False, "Also label the other side's messages.")
LABELS_GUIDELINES = Setting("labels.guidelines", str, "", "The owner's labelling guidelines.")
LABELS_THRESHOLD = Setting("labels.threshold", float, None,
                           "Lowest rule confidence stored; None: the library's default.")
LABELS_RULES = Setting("labels.rules", dict, {}, "Progress of the rule suggester.")
TRAIN_BASE_MODEL = Setting("train.base_model", str, "", "The base model folder last used on the Train page.")
