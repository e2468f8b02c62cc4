"""Curated, redacted conversations as training records: the one neutral shape every export format is written from.

Steps, in order (each counted in the report, so the dataset card can say where every conversation went):

1. Trainable conversations (``conv_effective``: the owner's keep/drop applied; group chats only when the export's
   ``include_groups`` is on, whatever the curation kept), with the owner's edits. Every message goes through
   :class:`lib.pii.redactor.Redactor` -- the export contract -- and non-text messages become placeholders in the
   chat's own language (``[表情包]`` in a Chinese chat, ``[sticker]`` in an English one).
2. Bubbles fold into turns (the segmentation's turns), and consecutive turns of one side fold into one, so roles
   alternate: the other side is ``human``, the owner ``gpt``. In a group chat each member's lines inside the human
   turn start with their (redacted) name, ``Alice: ...``.
3. A conversation I open gets a neutral opening turn, or loses its leading turns (option); a trailing turn of the
   other side is dropped (nothing of mine answers it).
4. Long conversations are split into records of at most ``max_turns`` pairs and ``max_chars`` characters, always
   between pairs: a turn is never cut.
5. Records with almost nothing of mine, and exact or near duplicates, are dropped.
6. Each conversation goes to train or validation as a whole (random by a stable hash of its id and the seed, or the
   latest by time), so no conversation leaks across the split.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import pandas as pd

from lib.segment import C_GROUP, chat_languages, render_text

OPENERS = ("neutral", "drop")
SPLITS = ("random", "time")
DEDUP = ("none", "exact", "near")
TRAITS = ("none", "tagged", "persona")
NEUTRAL_OPENING = {"zh": "（开始聊天）", "en": "(starts the chat)"}
NOTE_PREFIX = {"zh": "（背景：{note}）", "en": "(Background: {note})"}
MEMBER = {"zh": "成员{n}", "en": "Member {n}"}  # a group member whose name the redactor would not fully replace
_LICENSE = re.compile(r"[a-z0-9][a-z0-9.\-]{0,63}")  # Hugging Face licence ids: "other", "cc-by-nc-4.0", ...


def _opt(default, help: str, **meta):
    """An ExportOptions field: its default and its help (and choices or bounds), the one source for the command
    line's flags and the Export page's widgets (:mod:`lib.dataclass_args`)."""
    return field(default=default, metadata={"help": help, **meta})


@dataclass
class ExportOptions:
    """What goes into a dataset. Defaults are what we recommend for a first LoRA run."""

    opener: str = _opt("neutral", "A conversation I open: add a neutral opening turn, or drop my leading turns (the "
                                  "trainer needs the other side first).", choices=OPENERS)
    max_turns: int = _opt(20, "Human+gpt pairs per record; longer conversations are split between pairs, never "
                              "inside one.", min=1, max=200)
    max_chars: int = _opt(4000, "Characters per record; a single longer pair still goes alone, never cut.",
                          min=20, max=100_000, step=500)
    min_chars: int = _opt(2, "Drop records where my side has fewer characters than this.", min=0, max=1000)
    dedup: str = _opt("near", "Duplicate records: keep all (none), remove exact copies, or exact and near ones.",
                      choices=DEDUP)
    val_ratio: float = _opt(0.1, "Validation share of conversations (each conversation goes whole to one side).",
                            flag="val", min=0.0, max=0.5, step=0.05)
    split: str = _opt("random", "Which conversations go to validation: random by a stable hash of the conversation "
                                "and the seed, or the latest by time.", choices=SPLITS)
    seed: int = _opt(42, "Seed of the random split.", min=0, max=2**31 - 1)
    include_groups: bool = _opt(False, "Include group chats.", flag="groups")
    emotion: bool = _opt(True, "Write per-message emotion labels (the owner's final labels).")
    traits: str = _opt("tagged", "character_traits per reply: none, the message's or conversation's tags (tagged), "
                                 "or those tags else the trait card (persona).", choices=TRAITS)
    notes: bool = _opt(True, "Write context notes: into the system prompt or as a leading turn, as the owner chose.")
    include_mbti: bool = _opt(False, "Mix imported MBTI records into the export.")
    mbti_ratio: float = _opt(0.1, "Augmented MBTI records per real record; 0.1 gives personality signal without "
                                  "drowning my own voice.", flag="mbti", enables="include_mbti",
                             min=0.0, max=0.5, step=0.05)
    system_turn: bool = _opt(False, (
        "Also write the persona as a leading {\"from\": \"system\"} turn of every ShareGPT conversation, instead of "
        "the top-level \"system\" field. torchtune and axolotl read only the turns, so without this their runs train "
        "without the persona; LLaMA-Factory reads either."))
    license: str = _opt("other", (
        "The licence written into the dataset card's metadata (a Hugging Face licence id: other, cc-by-nc-4.0, "
        "apache-2.0, ...). Chats are personal data: \"other\" until the owner decides."))

    def check(self) -> "ExportOptions":
        from lib.errors import BadInputError

        if self.opener not in OPENERS or self.split not in SPLITS or self.dedup not in DEDUP or \
                self.traits not in TRAITS:
            raise BadInputError(f"options: opener {OPENERS}, split {SPLITS}, dedup {DEDUP}, traits {TRAITS}")
        if self.max_turns < 1 or self.max_chars < 20 or self.min_chars < 0:
            raise BadInputError("max turns must be at least 1 and max characters at least 20")
        if not 0.0 <= self.val_ratio < 1.0:
            raise BadInputError("the validation share must be between 0 and 1 (for example 0.1)")
        if not 0.0 <= self.mbti_ratio <= 1.0:
            raise BadInputError("the MBTI mix must be between 0 and 1 augmented records per real record")
        if not _LICENSE.fullmatch(str(self.license)):
            raise BadInputError(f"licence {self.license!r}: give a Hugging Face licence id such as other, "
                                "cc-by-nc-4.0 or apache-2.0 (lower-case letters, digits, '.', '-')")
        return self

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Turn:
    role: str  # human | gpt
    text: str
    emotion: str | None = None
    traits: dict | None = None


@dataclass
class Record:
    conv_id: int  # -1 for augmented records
    chat_id: int
    chat: str
    start_time: str
    system: str
    turns: list[Turn]
    source: str = "chat"  # chat | mbti
    part: int = 0  # index of this record within its conversation (long conversations are split)
    split: str = "train"


@dataclass
class BuildReport:
    conversations: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason -> records (or conversations) left out
    records: int = 0
    augmented: Counter = field(default_factory=Counter)  # source -> records an Augmenter mixed in ("mbti": 12)
    split_parts: int = 0  # extra records made by splitting long conversations


class Augmenter(Protocol):
    """A source of extra training records that an export mixes in after the chat's own (MBTI's is
    :func:`lib.persona.mbti_store.augmenter`).

    Why a parameter of the export and not an import in it: such a source sits above the export (it builds
    :class:`Record` objects from its own tables), so importing it from here made an import cycle, and every new source
    meant editing the export. The caller that knows the sources (the command line, the Export page) passes them; each
    one reads ``opts`` to decide whether it is on and returns ``[]`` when it is not. ``real`` are the chat's records
    (train and validation), ``system`` the persona's prompt already redacted, ``redactor`` what its own text must go
    through (the export contract). Its records carry their own ``source``, which the report and the card count."""

    def __call__(self, ws, opts: ExportOptions, real: Sequence[Record], system: str, redactor) -> list[Record]: ...


def _stable_unit(seed: int, conv_id: int) -> float:
    h = hashlib.sha1(f"{seed}:{conv_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _majority(labels: list[str]) -> str | None:
    if not labels:
        return None
    counts = Counter(labels)
    best = max(counts.values())
    return next(lab for lab in reversed(labels) if counts[lab] == best)  # ties: the latest


def build(ws, opts: ExportOptions, system_for, redactor, lang: str,
          only: set[int] | None = None) -> tuple[list[Record], BuildReport]:
    """The records of a workspace. ``system_for(chat_id) -> str`` gives the (already redacted) system prompt.

    Conversations held out for evaluation (:mod:`lib.curate.holdout`) never become records; ``only`` builds exactly
    those conversations instead (the evaluation's own records)."""
    from lib.curate.store import CurationStore
    from lib.curate.holdout import ids as holdout_ids
    from lib.label.store import LabelStore

    opts.check()
    report = BuildReport()
    held = holdout_ids(ws)
    # Group chats follow the export's own switch, whatever the curation said: a "keep" never lifts the automatic group
    # exclusion in conv_effective (only 'too short'), so only this switch lets a group conversation into a dataset.
    cond = "(c.is_group = 0 AND v.effective_reason = '')"
    if opts.include_groups:
        cond += f" OR (c.is_group = 1 AND v.effective_reason IN ('', '{C_GROUP}'))"
    else:
        n_groups = ws.conn.execute(
            "SELECT COUNT(*) FROM conv_effective v JOIN chats c ON c.id = v.chat_id "
            "WHERE c.is_group = 1 AND (v.effective_reason = '' OR (v.decision = 'keep' AND v.effective_reason = ?))",
            (C_GROUP,)).fetchone()[0]
        if n_groups:
            report.dropped["group chat, kept but groups are off (conversations)"] = int(n_groups)
    df = pd.read_sql_query(
        "SELECT m.id, m.conv_id, m.chat_id, m.time, m.is_me, m.kind, COALESCE(e.text, m.text) AS text, m.turn, "
        "m.sender, c.is_group, v.start_time FROM messages m JOIN conv_effective v ON v.id = m.conv_id "
        "JOIN chats c ON c.id = m.chat_id "
        f"LEFT JOIN message_edits e ON e.message_id = m.id WHERE {cond} ORDER BY m.conv_id, m.time, m.id", ws.conn)
    if only is not None:
        df = df[df["conv_id"].isin(only)]
    elif held:
        keep = ~df["conv_id"].isin(held)
        if not keep.all():
            report.dropped["held out for evaluation (conversations)"] = int(df.loc[~keep, "conv_id"].nunique())
            df = df[keep]
    if df.empty:
        return [], report
    df = df.reset_index(drop=True)
    df["is_me"] = df["is_me"].astype(bool)
    texts = df["text"].astype(str).tolist()
    for i, mid in enumerate(df["id"].tolist()):
        if mid in redactor.hit_ids:
            texts[i] = redactor.message(mid, texts[i])
    df["text"] = texts
    # Placeholders and the neutral opening follow each chat's own language (its CJK share), not the UI's: an English
    # WhatsApp chat gets "[message]" and "(starts the chat)" even when MeTwin is used in Chinese.
    chat_lang = chat_languages(df, ws.segment_config.placeholder_lang)
    df["lang"] = df["chat_id"].map(chat_lang).fillna("en")
    df["rendered"] = df["text"]
    for code in df["lang"].unique():
        rows = df["lang"] == code
        df.loc[rows, "rendered"] = render_text(df.loc[rows, "kind"].astype(str), df.loc[rows, "text"], code)
    ids_all = df["id"].tolist()
    chats = {int(r[0]): r[1] for r in ws.conn.execute("SELECT id, name FROM chats")}
    labels = LabelStore(ws).labels_for(ids_all) if opts.emotion else {}
    cur = CurationStore(ws)
    conv_ids = list(dict.fromkeys(df["conv_id"].tolist()))
    report.conversations = len(conv_ids)
    msg_tags = cur.tags_for("message", ids_all) if opts.traits != "none" else {}
    conv_tags = cur.tags_for("conversation", conv_ids) if opts.traits != "none" else {}
    persona_traits = None
    if opts.traits == "persona":
        from lib.persona.traits import load_card

        card = load_card(ws).character_traits()
        persona_traits = card if any(card.values()) else None
    notes = cur.context_notes(conv_ids) if opts.notes else {}
    chat_names: dict[int, str] = {}
    speakers: dict[tuple[int, str], str] = {}

    def speaker(chat_id: int, name: str) -> str:
        """A group member's name as the training file shows it: the redactor's replacement when it replaces the
        whole name (``<PERSON_1>``), else a neutral "Member 2" numbered per chat. A bare account id (``wxid_…``,
        ``zhou_outdoor77``) that the detectors only half recognise must not reach a dataset either."""
        key = (chat_id, name)
        if key not in speakers:
            red = redactor.text(name).strip()
            if red and red != name and name not in red and not red.startswith(name[:3]):
                speakers[key] = red
            else:
                n = sum(1 for c, _ in speakers if c == chat_id) + 1
                speakers[key] = MEMBER.get(chat_lang.get(chat_id, "en"), MEMBER["en"]).format(n=n)
        return speakers[key]

    def turn(conv_id: int, is_me: bool, texts: list[str], ids: list[int]) -> Turn:
        role = "gpt" if is_me else "human"
        emo = _majority([labels[i] for i in ids if i in labels]) if labels else None
        tr = None
        if role == "gpt" and opts.traits != "none":
            tr = next((msg_tags[i] for i in ids if i in msg_tags), None) or conv_tags.get(conv_id) or persona_traits
        return Turn(role, "\n".join(texts), emo, tr)

    records: list[Record] = []

    def flush(conv_id: int, chat_id: int, start: str, seq: list[Turn]) -> None:
        code = chat_lang.get(chat_id, "en")
        seq = align(seq, opts.opener, NEUTRAL_OPENING.get(code, NEUTRAL_OPENING["en"]))
        if not seq:
            report.dropped["no reply of mine after alignment"] += 1
            return
        system = system_for(chat_id)
        note = notes.get(conv_id)
        if note:
            text = redactor.text(note[0])
            if note[1] == "system":
                system = f"{system}\n\n{text}".strip()
            else:
                seq[0] = Turn("human", NOTE_PREFIX.get(code, NOTE_PREFIX["en"]).format(note=text) + "\n" + seq[0].text,
                              seq[0].emotion, seq[0].traits)
        if chat_id not in chat_names:
            chat_names[chat_id] = redactor.text(chats.get(chat_id, ""))
        parts = _chunks(seq, opts.max_turns, opts.max_chars)
        report.split_parts += len(parts) - 1
        for k, part in enumerate(parts):
            records.append(Record(conv_id, chat_id, chat_names[chat_id], start, system, part, part=k))

    # One pass over plain lists (rows are ordered by conversation and time): bubbles of one side in a row -- a turn,
    # or several turns of that side -- become one turn. Far faster than a pandas groupby with Python aggregations.
    # In a group chat the other side is several people: each member's run of bubbles is prefixed with their name
    # ("Alice: ...") inside the one human turn. LLaMA-Factory's ShareGPT reader needs human and gpt turns to
    # alternate (it drops a record with two human turns in a row), so separate turns per member would not train.
    seq: list[Turn] = []
    texts: list[str] = []
    tids: list[int] = []
    prev_conv, prev_me, prev_chat, prev_start, prev_sender = None, None, 0, "", None
    for mid, conv_id, chat_id, is_me, text, start, sender, group in zip(
            ids_all, df["conv_id"].tolist(), df["chat_id"].tolist(), df["is_me"].tolist(), df["rendered"].tolist(),
            df["start_time"].tolist(), df["sender"].astype(str).tolist(), df["is_group"].tolist()):
        if group and not is_me:
            if sender != prev_sender or conv_id != prev_conv or is_me != prev_me:
                text = f"{speaker(chat_id, sender)}: {text}"
            prev_sender = sender
        else:
            prev_sender = None
        if conv_id != prev_conv or is_me != prev_me:
            if texts:
                seq.append(turn(prev_conv, prev_me, texts, tids))
                texts, tids = [], []
            if conv_id != prev_conv:
                if prev_conv is not None:
                    flush(prev_conv, prev_chat, prev_start, seq)
                seq = []
                prev_conv, prev_chat, prev_start = conv_id, chat_id, str(start)
            prev_me = is_me
        texts.append(text)
        tids.append(mid)
    if texts:
        seq.append(turn(prev_conv, prev_me, texts, tids))
    if prev_conv is not None:
        flush(prev_conv, prev_chat, prev_start, seq)
    records = _filter(records, opts, report)
    _assign_split(records, opts)
    report.records = len(records)
    return records, report


def align(seq: list[Turn], opener: str, opening: str) -> list[Turn]:
    """LLaMA-Factory's shape from any turn sequence: same-role neighbours merged, human first (a neutral opening
    turn, or my leading turns dropped), gpt last (trailing human turns dropped)."""
    merged: list[Turn] = []
    for t in seq:
        if not t.text.strip():  # the trainer drops a record with an empty turn: an empty turn goes instead
            continue
        if merged and merged[-1].role == t.role:
            last = merged[-1]
            merged[-1] = Turn(t.role, f"{last.text}\n{t.text}", t.emotion or last.emotion, last.traits or t.traits)
        else:
            merged.append(t)
    if merged and merged[0].role == "gpt":
        if opener == "neutral":
            merged.insert(0, Turn("human", opening))
        else:
            while merged and merged[0].role == "gpt":
                merged.pop(0)
    while merged and merged[-1].role == "human":
        merged.pop()
    return merged


def _chunks(seq: list[Turn], max_turns: int, max_chars: int) -> list[list[Turn]]:
    """Alternating turns (human first, gpt last) in records of at most ``max_turns`` pairs and ``max_chars``
    characters, cut only between pairs."""
    pairs = [seq[i:i + 2] for i in range(0, len(seq), 2)]
    out: list[list[Turn]] = []
    cur: list[Turn] = []
    size = 0
    for pair in pairs:
        n = sum(len(t.text) for t in pair)
        if cur and (len(cur) // 2 >= max_turns or size + n > max_chars):
            out.append(cur)
            cur, size = [], 0
        cur.extend(pair)
        size += n
    if cur:
        out.append(cur)
    return out


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def _filter(records: list[Record], opts: ExportOptions, report: BuildReport) -> list[Record]:
    kept = []
    for r in records:
        mine = sum(len(t.text.strip()) for t in r.turns if t.role == "gpt")
        if mine < opts.min_chars:
            report.dropped["my side below the minimum length"] += 1
            continue
        kept.append(r)
    if opts.dedup == "none" or not kept:
        return kept
    seen: dict[tuple, int] = {}
    out = []
    for r in kept:
        key = tuple((t.role, _norm(t.text)) for t in r.turns)
        if key in seen:
            report.dropped["exact duplicate"] += 1
            continue
        seen[key] = len(out)
        out.append(r)
    if opts.dedup == "near" and len(out) > 1:
        out = _near_dedup(out, report)
    return out


_NEAR_DUPS: dict[bytes, frozenset[int]] = {}  # digest of the records' turns -> positions of their near duplicates
_NEAR_DUPS_KEPT = 8
_NEAR_DUPS_LOCK = threading.Lock()  # the server builds records for several sessions at once


def _near_dedup(records: list[Record], report: BuildReport) -> list[Record]:
    """Near-duplicate records (one character changed in a long exchange) through the same MinHash check the curation
    suggestions use; the later copy goes.

    The answer depends only on the records' turns, in order, so it is kept per digest of them: a label, a trait tag or
    a split changes none, and at 1,000,000 messages the check is 5 s of every rebuild of the records."""
    from lib.curate.rules import duplicates

    digest = hashlib.blake2b(digest_size=16)
    for r in records:
        for t in r.turns:
            digest.update(f"{t.role}\x00{t.text}\x01".encode())
        digest.update(b"\x02")
    key = digest.digest()
    with _NEAR_DUPS_LOCK:
        dup = _NEAR_DUPS.get(key)
    if dup is None:
        rows = []
        for i, r in enumerate(records):
            for j, t in enumerate(r.turns):
                rows.append((i * 10_000 + j, i + 1, f"2000-01-01T00:00:{j % 60:02d}", t.role == "gpt", "text", t.text,
                             j))
        frame = pd.DataFrame(rows, columns=["id", "conv_id", "time", "is_me", "kind", "text", "turn"])
        sugg = duplicates(frame)
        dup = frozenset(int(c) - 1 for c in sugg.loc[sugg["reason"] == "duplicate", "conv_id"])
        with _NEAR_DUPS_LOCK:
            while len(_NEAR_DUPS) >= _NEAR_DUPS_KEPT:
                _NEAR_DUPS.pop(next(iter(_NEAR_DUPS)))
            _NEAR_DUPS[key] = dup
    if dup:
        report.dropped["near duplicate"] += len(dup)
    return [r for i, r in enumerate(records) if i not in dup]


def _assign_split(records: list[Record], opts: ExportOptions) -> None:
    convs = sorted({(r.start_time, r.conv_id) for r in records})
    if opts.val_ratio <= 0 or len(convs) < 2:
        return
    if opts.split == "time":
        n_val = max(1, round(len(convs) * opts.val_ratio))
        val = {c for _, c in convs[-n_val:]}
    else:
        val = {c for _, c in convs if _stable_unit(opts.seed, c) < opts.val_ratio}
    for r in records:
        r.split = "val" if r.conv_id in val else "train"
