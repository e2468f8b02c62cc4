"""Cut chats into conversations and merge bursts into turns, recording a reason for every message left out.

Defaults and why:

- ``gap_minutes = 30``: a new conversation starts after half an hour of silence. MemoTrace cuts at 60–120 s, which
  splits a real exchange whenever someone takes two minutes to type a reply; a gap of hours glues unrelated topics
  of one day together. Thirty minutes is the usual session timeout in chat and web analytics and, on our sample, keeps
  question-and-answer pairs together while separating morning and evening talks.
- ``merge_minutes = 10``: consecutive messages of one sender within ten minutes are one turn (people send a thought
  as several bubbles). They are joined with a newline, as the bubbles were separate lines. A same-sender message after
  a longer pause starts a new turn of the same side; exporters fold such turns together, so the other side's earlier
  message is never lost when they send twice before I reply.
- ``nontext = "placeholder"``: images, stickers, voice... stay in the conversation as a short tag (``[表情包]``,
  ``[image]``) because "replies with a sticker" is part of how a person talks. "cut" ends the conversation at the
  message instead; "drop" removes it silently (with a reason).
- Group chats are segmented so they can be browsed, but excluded from training by default: a twin learns a
  one-to-one voice, and group turns have several "other sides".

Everything is vectorised: one sort plus a handful of column operations per pass, fine for a million messages.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

NONTEXT_KINDS: tuple[str, ...] = ("image", "sticker", "voice", "video", "file", "link", "location", "call", "other")

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "zh": {"image": "[图片]", "sticker": "[表情包]", "voice": "[语音]", "video": "[视频]", "file": "[文件]",
           "link": "[链接]", "location": "[位置]", "call": "[通话]", "other": "[其他消息]"},
    "en": {"image": "[image]", "sticker": "[sticker]", "voice": "[voice message]", "video": "[video]",
           "file": "[file]", "link": "[link]", "location": "[location]", "call": "[call]", "other": "[message]"},
}

# Message-level reasons (stored in messages.drop_reason).
R_SYSTEM = "system message"
R_EMPTY = "empty message"
R_NONTEXT_DROP = "non-text message (dropped by setting)"
R_NONTEXT_CUT = "non-text message (cut the conversation)"
R_DUPLICATE = "duplicate of an imported message"
# Conversation-level reasons (stored in conversations.excluded_reason).
C_GROUP = "group chat (excluded by default)"
C_NO_ME = "my side absent"
C_NO_THEM = "their side absent"
C_ONLY_PLACEHOLDERS = "only non-text messages"
C_TOO_SHORT = "too short"
# The owner's curation (lib/curate/store.py; applied by the conv_effective view in lib/db.py, which spells them out).
C_DROPPED = "dropped by me"
# Automatic exclusions a "keep" decision lifts: only the one the owner can overrule. Never C_GROUP: a group
# conversation follows the "Include group chats" switches (segmentation and export), whatever was kept (issue 18).
KEEP_OVERRIDES: tuple[str, ...] = (C_TOO_SHORT,)


@dataclass(frozen=True)
class SegmentConfig:
    """User-tunable segmentation settings (stored per workspace)."""

    gap_minutes: float = 30.0
    merge_minutes: float = 10.0
    nontext: str = "placeholder"  # placeholder | cut | drop
    placeholder_lang: str = "auto"  # auto | zh | en
    include_groups: bool = False
    min_turns: int = 2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "SegmentConfig":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        cfg = cls(**known)
        if cfg.nontext not in ("placeholder", "cut", "drop"):
            raise ValueError(f"nontext must be placeholder, cut or drop, not {cfg.nontext!r}")
        if cfg.gap_minutes <= 0 or cfg.merge_minutes < 0:
            raise ValueError("gap_minutes must be > 0 and merge_minutes >= 0")
        return cfg


@dataclass
class Segmentation:
    """Result of :func:`segment`, aligned with the input rows (same index)."""

    conv_id: pd.Series  # Int64, id of the conversation = id of its first message; <NA> when dropped
    turn: pd.Series  # Int64, turn number inside the conversation (0-based)
    drop_reason: pd.Series  # str, "" when kept
    conversations: pd.DataFrame = field(default_factory=pd.DataFrame)


def _cjk_share(text: pd.Series) -> float:
    sample = text.head(2000)
    joined = "".join(sample.tolist())
    if not joined:
        return 0.0
    cjk = sum(1 for ch in joined if "\u4e00" <= ch <= "\u9fff")
    return cjk / max(1, sum(1 for ch in joined if ch.isalpha()))


def placeholder_lang(texts: pd.Series, setting: str = "auto") -> str:
    """Pick zh or en placeholders: zh when most letters in the chat are CJK."""
    if setting in PLACEHOLDERS:
        return setting
    return "zh" if _cjk_share(texts) >= 0.5 else "en"


def chat_languages(msgs: pd.DataFrame, setting: str = "auto") -> dict[int, str]:
    """``chat_id -> "zh" | "en"`` from each chat's own text messages (CJK share), for placeholders and openers.

    Why per chat and not the UI language: a Chinese UI exporting an English WhatsApp chat must not write "[其他消息]"
    or "（开始聊天）" into it. A setting of "zh" or "en" (the segmentation's ``placeholder_lang``) wins everywhere."""
    if msgs.empty:
        return {}
    if setting in PLACEHOLDERS:
        return {int(c): setting for c in msgs["chat_id"].unique()}
    text = msgs.loc[msgs["kind"].astype(str) == "text", ["chat_id", "text"]]
    out = {int(c): placeholder_lang(g["text"].astype(str)) for c, g in text.groupby("chat_id", sort=False)}
    for c in msgs["chat_id"].unique():
        out.setdefault(int(c), "en")
    return out


def render_text(kind: pd.Series, text: pd.Series, lang: str) -> pd.Series:
    """The text a kept message contributes to a turn: its text, or a placeholder plus any short description.

    A sticker's emoji or a file's name is kept after the tag (``[sticker 😂]``-like: ``[表情包] 😂``) because it still
    says something about tone.
    """
    table = PLACEHOLDERS[lang]
    tag = kind.map(table).fillna("")
    is_tag = kind.isin(NONTEXT_KINDS)
    described = text.str.strip().str.slice(0, 80)
    with_desc = (tag + " " + described).str.rstrip()
    return text.where(~is_tag, with_desc.where(described != "", tag))


def segment(msgs: pd.DataFrame, cfg: SegmentConfig, group_chats: set[int] | None = None,
            bounds: dict[int, str] | None = None) -> Segmentation:
    """Segment messages of one or more chats.

    ``msgs`` needs columns ``id`` (int, increasing in import order), ``chat_id``, ``time`` (ISO string or ""),
    ``sender``, ``is_me`` (bool), ``kind``, ``text``, ``conv_hint``; ``group_chats`` holds the ids of group chats.
    ``bounds`` holds the owner's manual cuts by message id: ``"split"`` (a conversation starts at this message) or
    ``"join"`` (none starts here: merged with the previous one of the same chat). They override the gap rule.
    All work happens on integer arrays (kinds and senders as codes): object arrays would cost seconds per million.
    """
    group_chats = group_chats or set()
    n = len(msgs)
    if n == 0:
        empty_i = pd.Series([], dtype="Int64")
        return Segmentation(empty_i, empty_i.copy(), pd.Series([], dtype=str), _empty_conversations())

    ts = pd.to_datetime(msgs["time"], format="%Y-%m-%dT%H:%M:%S", errors="coerce")
    ts_ns = ts.to_numpy(dtype="datetime64[ns]")
    ids = msgs["id"].to_numpy(dtype=np.int64)
    chat = msgs["chat_id"].to_numpy(dtype=np.int64)
    order = np.lexsort((ids, ts_ns.view(np.int64), chat))

    kinds = pd.Categorical(msgs["kind"].astype(str), categories=list(KIND_CODES))
    kcode = np.asarray(kinds.codes)[order]
    sender = pd.factorize(msgs["sender"].astype(str))[0][order]
    is_me = msgs["is_me"].fillna(False).astype(bool).to_numpy()[order]
    hint = msgs["conv_hint"].to_numpy(dtype=np.int64)[order]
    ts_s = ts_ns[order]
    chat_s = chat[order]
    ids_s = ids[order]
    empty = ((msgs["kind"].astype(str) == "text") & (msgs["text"].astype(str).str.strip() == "")).to_numpy()[order]

    reason = np.zeros(n, dtype=np.int8)  # index into REASONS
    reason[kcode == KIND_CODES["system"]] = 1
    reason[empty] = 2
    nontext = np.isin(kcode, [KIND_CODES[k] for k in NONTEXT_KINDS]) | (kcode < 0)
    is_cut = np.zeros(n, dtype=bool)
    if cfg.nontext == "drop":
        reason[nontext & (reason == 0)] = 3
    elif cfg.nontext == "cut":
        is_cut = nontext & (reason == 0)
        reason[is_cut] = 4
    kept = reason == 0

    # Conversation boundaries along the chain of kept rows and cut markers (a cut marker ends its conversation).
    chain = kept | is_cut
    cidx = np.flatnonzero(chain)
    new_conv = np.ones(len(cidx), dtype=bool)
    if len(cidx) > 1:
        a, b = cidx[:-1], cidx[1:]
        gap = (ts_s[b] - ts_s[a]) / np.timedelta64(1, "m")
        big_gap = np.nan_to_num(gap.astype(float), nan=0.0) > cfg.gap_minutes
        auto = big_gap | (hint[b] != hint[a])
        if bounds:
            at = ids_s[b]
            splits = np.fromiter((k for k, v in bounds.items() if v == "split"), dtype=np.int64)
            joins = np.fromiter((k for k, v in bounds.items() if v == "join"), dtype=np.int64)
            auto = (auto | np.isin(at, splits)) & ~np.isin(at, joins)
        new_conv[1:] = (chat_s[b] != chat_s[a]) | auto | is_cut[a]
    starts = np.maximum.accumulate(np.where(new_conv, np.arange(len(cidx)), 0))
    conv_id = np.full(n, -1, dtype=np.int64)
    conv_id[cidx] = ids_s[cidx][starts]
    conv_id[~kept] = -1  # cut markers belong to no conversation

    # Turns along kept rows: same conversation, same sender and within the merge window.
    kidx = np.flatnonzero(kept)
    new_turn = np.ones(len(kidx), dtype=bool)
    if len(kidx) > 1:
        a, b = kidx[:-1], kidx[1:]
        gap = (ts_s[b] - ts_s[a]) / np.timedelta64(1, "m")
        within = np.nan_to_num(gap.astype(float), nan=0.0) <= cfg.merge_minutes
        same = (conv_id[b] == conv_id[a]) & (sender[b] == sender[a]) & (is_me[b] == is_me[a])
        new_turn[1:] = ~(same & within)
    turn_g = np.cumsum(new_turn)
    conv_k = conv_id[kidx]
    conv_new = np.ones(len(kidx), dtype=bool)
    conv_new[1:] = conv_k[1:] != conv_k[:-1]
    first_turn = np.maximum.accumulate(np.where(conv_new, turn_g, 0))
    turn = np.full(n, -1, dtype=np.int64)
    turn[kidx] = turn_g - first_turn

    conversations = _conversations(
        msgs, order, kidx, conv_k, conv_new, new_turn, is_me[kidx], kcode[kidx], chat_s[kidx], group_chats, cfg)

    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    conv_s = pd.Series(conv_id[inv], index=msgs.index).astype("Int64").mask(lambda s: s < 0)
    turn_s = pd.Series(turn[inv], index=msgs.index).astype("Int64").mask(lambda s: s < 0)
    reason_s = pd.Series(pd.Categorical.from_codes(reason[inv], categories=REASONS), index=msgs.index)
    return Segmentation(conv_s, turn_s, reason_s.astype(str), conversations)


KIND_CODES: dict[str, int] = {k: i for i, k in enumerate(
    ("text", "image", "sticker", "voice", "video", "file", "link", "location", "call", "system", "other"))}
REASONS: list[str] = ["", R_SYSTEM, R_EMPTY, R_NONTEXT_DROP, R_NONTEXT_CUT]


def _empty_conversations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("id", "int64"), ("chat_id", "int64"), ("start_time", str), ("end_time", str), ("n_messages", "int64"),
        ("n_turns", "int64"), ("n_my_turns", "int64"), ("n_their_turns", "int64"), ("excluded_reason", str))})


def _conversations(msgs: pd.DataFrame, order: np.ndarray, kidx: np.ndarray, conv_k: np.ndarray,
                   conv_new: np.ndarray, new_turn: np.ndarray, me_k: np.ndarray, kcode_k: np.ndarray,
                   chat_k: np.ndarray, group_chats: set[int], cfg: SegmentConfig) -> pd.DataFrame:
    """One row per conversation with counts and the reason it is excluded from training ("" when trainable)."""
    if len(kidx) == 0:
        return _empty_conversations()
    starts = np.flatnonzero(conv_new)
    ends = np.append(starts[1:], len(kidx)) - 1
    n_msgs = np.diff(np.append(starts, len(kidx)))
    n_turns = np.add.reduceat(new_turn.astype(np.int64), starts)
    n_my = np.add.reduceat((new_turn & me_k).astype(np.int64), starts)
    any_text = np.add.reduceat((kcode_k == KIND_CODES["text"]).astype(np.int64), starts) > 0
    times = msgs["time"].astype(str).to_numpy(dtype=object)
    out = pd.DataFrame({
        "id": conv_k[starts],
        "chat_id": chat_k[starts],
        "start_time": times[order[kidx[starts]]],
        "end_time": times[order[kidx[ends]]],
        "n_messages": n_msgs,
        "n_turns": n_turns,
        "n_my_turns": n_my,
        "n_their_turns": n_turns - n_my,
    })
    reason = np.full(len(out), "", dtype=object)
    reason[n_turns < cfg.min_turns] = C_TOO_SHORT
    reason[~any_text] = C_ONLY_PLACEHOLDERS
    reason[n_turns - n_my == 0] = C_NO_THEM
    reason[n_my == 0] = C_NO_ME
    if not cfg.include_groups and group_chats:
        reason[np.isin(out["chat_id"].to_numpy(), list(group_chats))] = C_GROUP
    out["excluded_reason"] = pd.array(reason, dtype=str)
    return out.astype({"id": "int64", "chat_id": "int64", "n_messages": "int64", "n_turns": "int64",
                       "n_my_turns": "int64", "n_their_turns": "int64"})


def turns(messages: pd.DataFrame, lang: str = "auto") -> pd.DataFrame:
    """Fold one conversation's kept messages (ordered, with ``turn``) into turns: sender, is_me, time, text.

    Used by the conversation browser and, later, by exporters: this is the single place where bubbles become turns.
    """
    if messages.empty:
        return pd.DataFrame(columns=["turn", "sender", "is_me", "time", "text", "n_messages"])
    lang = placeholder_lang(messages["text"], lang)
    rendered = render_text(messages["kind"], messages["text"].astype(str), lang)
    m = messages.assign(rendered=rendered)
    g = m.groupby("turn", sort=True)
    return pd.DataFrame({
        "sender": g["sender"].first(),
        "is_me": g["is_me"].first().astype(bool),
        "time": g["time"].first(),
        "text": g["rendered"].agg("\n".join),
        "n_messages": g.size(),
    }).reset_index()
