"""Held-out conversations: the evaluation set the twin is measured on, kept out of every training export.

The latest conversations by time are held out (a twin is used on the future, so that is the honest test), and their
ids are stored once chosen: later imports do not move the boundary, and a conversation once used for evaluation
never slips into a training file. Exports drop them before the train/validation split.
"""
from __future__ import annotations

from lib.errors import BadInputError
from lib.settings import EVAL_HOLDOUT

SETTING = EVAL_HOLDOUT.key
DEFAULT_SHARE = 0.1


def ids(ws) -> set[int]:
    return {int(i) for i in EVAL_HOLDOUT.get(ws).get("ids", [])}


def choose(ws, share: float = DEFAULT_SHARE, minimum: int = 3) -> set[int]:
    """Hold out the latest ``share`` of trainable conversations (at least ``minimum``); replaces an earlier choice."""
    if not 0 < share < 0.5:
        raise BadInputError("hold out between 0 and 50 % of the conversations (10 % is usual)")
    rows = ws.conn.execute("SELECT id FROM conv_effective WHERE effective_reason = '' AND n_my_turns > 0 "
                           "ORDER BY start_time DESC, id DESC").fetchall()
    if len(rows) < minimum + 2:
        raise BadInputError(f"only {len(rows)} trainable conversations: too few to hold some out for evaluation")
    n = max(minimum, round(len(rows) * share))
    chosen = [r[0] for r in rows[:n]]
    EVAL_HOLDOUT.set(ws, {"share": share, "ids": chosen})
    return set(chosen)


def clear(ws) -> None:
    EVAL_HOLDOUT.clear(ws)
