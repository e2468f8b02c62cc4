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
                            r"go to bed|off to bed)\b|晚安|睡了|去睡|睡觉了|好梦", re.IGNORECASE),
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


def agreement(a: frozenset[str], b: frozenset[str]) -> float:
    """How far two sets of kinds agree, in [-1, 1]: Jaccard overlap, minus 1 when exactly one side is a good night
    or a greeting (answering "晚安" as if it were "let's go" is the worst mistake a twin makes)."""
    if not a and not b:
        return 0.0
    score = len(a & b) / len(a | b)
    strong = {"goodnight", "greeting"}
    if (a & strong) != (b & strong):
        score -= 1.0
    return score


__all__ = ["KINDS", "agreement", "kinds"]
