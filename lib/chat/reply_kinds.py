"""Cheap cues for the kind of message a reply answers: question, greeting, good night, thanks, apology, laughter, a
plan or a time. English and Chinese, regexes only (no model): the offline twin uses them so that "晚安" is answered
by a reply that once answered a good night, and "thanks!" by one that answered thanks, whatever else the words share.
"""
from __future__ import annotations

import re
from functools import lru_cache

KINDS: dict[str, re.Pattern[str]] = {
    "question": re.compile(r"[?？]|\b(?:what|why|how|when|where|who|which|do you|are you|can you|is it|did you|"
                           r"will you|wanna|want to)\b|吗|呢\s*$|什么|怎么|为什么|几点|哪|谁|多少|是不是|要不要|有没有",
                           re.IGNORECASE),
    "greeting": re.compile(r"^\W*(?:hi+|hey+|hello|yo|hiya|morning|good morning|sup|ssup|wassup|heya)\b|"
                           r"^\W*(?:你好|嗨|哈喽|早上好|早安|早呀|早啊|在吗|在不)", re.IGNORECASE),
    "goodnight": re.compile(r"\b(?:good ?night|gn|night night|nighty|sleep well|sweet dreams|going to sleep|"
                            r"go to (?:bed|sleep)|off to bed|get some sleep)\b|"
                            r"晚安|睡了|去睡|睡觉了|好梦|早点睡|快睡|睡吧",
                            re.IGNORECASE),
    "thanks": re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|appreciate)\b|谢谢|多谢|感谢|谢啦|辛苦了",
                         re.IGNORECASE),
    "apology": re.compile(r"\b(?:sorry|sry|my bad|apologi[sz]e|oops)\b|对不起|抱歉|不好意思|sorry", re.IGNORECASE),
    "laughter": re.compile(r"\b(?:a?ha(?:ha)+h?|he(?:he)+|lol+|lmao+|rofl|xd)\b|[😂🤣😆😹]|哈{2,}|嘿嘿|笑死|hhh+",
                           re.IGNORECASE),
    "plan": re.compile(r"\b(?:tomorrow|tonight|today|weekend|monday|tuesday|wednesday|thursday|friday|saturday|"
                       r"sunday|later|\d{1,2}(?::\d\d)?\s*(?:am|pm)|\d{1,2}:\d\d|o'?clock|meet|dinner|lunch|"
                       r"breakfast|pick (?:you|me) up|let'?s)\b|明天|今晚|今天|周[一二三四五六日末]|星期|点钟|\d+点|"
                       r"一起|约|吃饭|见面|出来", re.IGNORECASE),
}


@lru_cache(maxsize=65536)
def kinds(text: str) -> frozenset[str]:
    """The kinds of ``text`` (several may hold: "thanks, see you tomorrow?" is thanks, plan and question)."""
    t = str(text).strip()
    if not t:
        return frozenset()
    return frozenset(k for k, rx in KINDS.items() if rx.search(t))


MIRRORED = frozenset({"goodnight", "greeting"})  # answered in kind: "晚安" -> "晚安～", "hi" -> "hey!"
REPLY_CLASH = 0.5  # a reply that says good night to a message that neither says nor asks for it


def agreement(a: frozenset[str], b: frozenset[str]) -> float:
    """How far two sets of kinds agree, in [-1, 1]: Jaccard overlap, minus 1 when exactly one side is a good night
    or a greeting (answering "晚安" as if it were "let's go" is the worst mistake a twin makes)."""
    if not a and not b:
        return 0.0
    score = len(a & b) / len(a | b)
    if (a & MIRRORED) != (b & MIRRORED):
        score -= 1.0
    return score


PURE_REST = 12  # characters of words a good night or greeting may carry besides its cue ("晚安啦", "night babe")


@lru_cache(maxsize=65536)
def answered_in_kind(text: str) -> frozenset[str]:
    """The :data:`MIRRORED` kinds ``text`` calls to be answered in kind: a good night or a greeting with (almost)
    nothing else. "Hey everything okay? I'm outside the door" is a greeting that asks something else; "晚安啦" is a
    good night and nothing more."""
    found = kinds(text) & MIRRORED
    if not found:
        return found
    rest = str(text)
    for k in found:
        rest = KINDS[k].sub("", rest)
    return found if len(re.sub(r"[\W_]+", "", rest)) <= PURE_REST else frozenset()


def fit(prompt: frozenset[str], reply: frozenset[str], last: frozenset[str]) -> float:
    """How well a candidate fits the last message by kind, in [-1, 1]: the :func:`agreement` of the message it once
    answered (``prompt``) with ``last``; 1 when the reply itself says the good night or greeting ``last`` says (people
    answer these in kind, whatever the reply once answered: "快睡 明天你可以的" -> "嗯嗯 晚安～" is the owner's good
    night); ``REPLY_CLASH`` less when the reply says good night and neither ``last`` nor its own prompt did."""
    a = agreement(prompt, last)
    said = last & MIRRORED
    if said and said <= reply:
        return 1.0
    if "goodnight" in reply and "goodnight" not in last and "goodnight" not in prompt:
        a = max(-1.0, a - REPLY_CLASH)
    return a


__all__ = ["KINDS", "MIRRORED", "PURE_REST", "REPLY_CLASH", "agreement", "answered_in_kind", "fit", "kinds"]
