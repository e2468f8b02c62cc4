"""Deciding which participant is "me" (the twin's owner).

Formats with a sender flag (MemoTrace v2 CSV, PyWxDump, Telegram full export) say it themselves. For the others
(WhatsApp, QQ, MemoTrace TXT, ...) the user names themself with ``--me``; without it we propose the likeliest
participant: the one present in the most chats (the owner is in every chat of an export), then the one whose name is
not the chat's name (a private chat is named after the other person), then the most active.
"""
from __future__ import annotations

import pandas as pd

from lib.importers.base import BadInputError, ParsedExport


def participants(df: pd.DataFrame) -> list[str]:
    """Non-system sender names, most active first."""
    s = df.loc[(df["sender"] != "") & (df["kind"] != "system"), "sender"]
    return s.value_counts().index.tolist()


def propose_me(df: pd.DataFrame, candidates: list[str] | None = None) -> list[str]:
    """Participants ordered by how likely each is the owner. The importer's own candidates come first."""
    names = participants(df)
    if not names:
        return list(candidates or [])
    talk = df.loc[df["sender"].isin(names)]
    n_chats = talk.groupby("sender")["chat_key"].nunique()
    named_like_chat = set(talk.loc[talk["sender"] == talk["chat"], "sender"])
    volume = talk["sender"].value_counts()
    ranked = sorted(names, key=lambda n: (-n_chats.get(n, 0), -int(n not in named_like_chat),
                                         -volume.get(n, 0)))
    first = [c for c in (candidates or []) if c in names]
    return first + [n for n in ranked if n not in first]


def _match(name: str, names: list[str]) -> str | None:
    if name in names:
        return name
    folded = {n.strip().casefold(): n for n in names}
    return folded.get(name.strip().casefold())


def _name_of_id(me: str, df: pd.DataFrame) -> str | None:
    """The display name of the sender whose id is ``me`` (a QQ number or Telegram id typed as --me), else None."""
    key = me.strip()
    if not key:
        return None
    hits = df.loc[(df["sender_id"] == key) & (df["sender"] != "") & (df["kind"] != "system"), "sender"]
    return str(hits.iloc[-1]) if len(hits) else None


def rows_of(df: pd.DataFrame, who: str) -> pd.Series:
    """Rows sent by ``who``: under that name, or under any sender id that name stands for.

    Formats with ids (QQ numbers, Telegram and Discord ids) may show one person under several names; choosing one of
    them must make every row of that id "me", not only the rows that show the chosen name.
    """
    mine = df["sender"] == who
    ids = df.loc[mine & (df["sender_id"] != ""), "sender_id"].unique()
    if len(ids):
        mine = mine | df["sender_id"].isin(ids)
    return mine


def resolve_me(parsed: ParsedExport, me: str | None) -> tuple[pd.DataFrame, str, list[str]]:
    """Fill ``is_me`` where the format left it unknown. Returns ``(messages, my name, notes)``.

    ``me`` is a participant's name or sender id; every row of the id(s) behind that name follows (:func:`rows_of`).
    Raises BadInputError when ``me`` names nobody in the file, listing who is there.
    """
    df = parsed.messages.copy()
    unknown = df["is_me"].isna()
    if not unknown.any():
        mine = df.loc[df["is_me"].astype(bool), "sender"]
        return df, (str(mine.mode().iloc[0]) if len(mine) else ""), []
    names = participants(df)
    notes: list[str] = []
    if me:
        who = _match(me, names) or _name_of_id(me, df)
        if who is None:
            shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
            raise BadInputError(f"'{me}' is not a participant of this chat. Participants: {shown}. "
                                "Choose one of them as me.")
    else:
        ranked = propose_me(df, parsed.me_candidates)
        if not ranked:
            who = ""
        else:
            who = ranked[0]
            notes.append(f"me = {who} (guessed from the export; choose another with --me or on the Import page)")
    df.loc[unknown, "is_me"] = rows_of(df, who)[unknown] if who else False
    df["is_me"] = df["is_me"].astype("boolean")
    return df, who, notes
