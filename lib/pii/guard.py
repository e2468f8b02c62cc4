"""The output guard: the last line between a twin's reply and whoever reads it.

Every backend's reply (the offline twin, an OpenAI-compatible model, Spark, a local model; in the Chat page, demo
mode, the twin server, the fidelity report and the "Who said it?" game) passes through :class:`OutputGuard` before it
is shown or sent. Two things can carry personal data out of a reply:

* **Redaction forms.** The twin learned from redacted text, so it may answer with ``<PHONE_1>`` or ``138****5678``.
  A friend must never see a tag: each one is rendered as the owner's realistic surrogate
  (:func:`lib.pii.operators.surrogate`, salted per workspace), the same placeholder as the same fake every time.
* **Real values.** A fine-tuned model can reproduce a number it memorised. Everything the workspace's analyzer finds
  (the owner's names, regions and allow list apply), and every known value of the workspace wherever it occurs, is
  replaced by its surrogate, unless the owner marked it "not private" (rejected, or on the allow list). The twin's own
  chosen name always passes.

Streaming. The guard works segment by segment: a reply is cut after line breaks and sentence-ending marks
(:func:`segments`), and each segment is guarded on its own. The cut depends only on the text before it, so
:meth:`OutputGuard.stream` can hold back the unfinished segment and release each finished one guarded: nothing of a
value leaves before its whole context is known (a name is found by the role word *after* it, "王明医生"), and the
concatenated stream equals :meth:`OutputGuard.guard` of the whole reply, by construction.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lib import settings
from lib.pii.base import KINDS, default_norm
from lib.pii.operators import _CN_SURNAMES, mask, surrogate  # the surnames its fake names are drawn from

_KIND_ALT = "|".join(sorted(KINDS, key=len, reverse=True))
# ``<PHONE_1>`` and the forms a model drifts into: lower case, spaces, full-width or square brackets, no index
# (``<CUSTOM>``, the surrogate operator's own fallback), or no brackets at all (``PHONE_1``: never an everyday word).
PLACEHOLDER = re.compile(
    rf"[<＜\[【{{]\s*(?i:({_KIND_ALT}))(?:[\s_\-]*(\d+))?\s*[>＞\]】}}]"
    rf"|(?<![A-Za-z0-9_])({_KIND_ALT})_(\d+)(?![A-Za-z0-9_])")
# A placeholder cut off by the end of a reply (a token limit): ``我的手机是<PHO``.
_CUT_PLACEHOLDER = re.compile(r"[<＜]\s*([A-Z][A-Z_]*)(\d*)\s*$")
# Runs that may be a masked value: stars among ASCII letters, digits and the separators masks keep.
_MASK_RUN = re.compile(r"(?<![0-9A-Za-z*])[0-9A-Za-z@.\-:+]*\*[0-9A-Za-z*@.\-:+]*"
                       r"(?:[ \-](?=[0-9*+])[0-9A-Za-z*@.\-:+]+)*")
# A masked Chinese name (``张*``, ``王**``): a common surname, then a star per hidden character. The surname keeps
# "我觉得*还行*" (emphasis after a Han character) out.
_CJK_MASK = re.compile(rf"[{_CN_SURNAMES}]\*{{1,3}}(?![*0-9A-Za-z])")
_STAR3 = re.compile(r"\*{3,}")
# Emphasis, whose stars are not masks: ``**…**`` anywhere; ``*…*`` opening after a space, punctuation or the start.
_BOLD = re.compile(r"(?<!\*)(\*\*)(?=[^\s*]).+?(?<=[^\s*])\*\*(?!\*)")
_ITALIC = re.compile(r"(?<![\w*])(\*)(?=[^\s*])[^*\n]+?(?<=[^\s*])\*(?!\*)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")
# Where a segment ends: after a line break or a CJK sentence mark, or after ASCII ! ? followed by a space. Never after
# "." (Dr. Smith, 3.5, example.com) nor "," (an address goes on after its commas).
_CUT = re.compile(r"\n|[。！？…～]+|[!?]+(?=\s)")
NEUTRAL = {"zh": "某某", "en": "…"}  # for a value with no shape to imitate (an owner's CUSTOM term)
# What an unknown placeholder (``<PHONE_99>``, ``<ADDRESS>``) is imitated from: only its shape matters.
_TEMPLATES: dict[str, tuple[str, str]] = {  # kind -> (Chinese reply, English reply)
    "EMAIL": ("someone@example.com", "someone@example.com"),
    "CN_ID": ("110101199001011234", "110101199001011234"),
    "US_SSN": ("123-45-6789", "123-45-6789"),
    "BANK_CARD": ("6222 0000 0000 0000", "4000 0000 0000 0000"),
    "IP": ("192.0.2.1", "192.0.2.1"),
    "URL": ("https://example.com/a", "https://example.com/a"),
    "QQ": ("123456789", "123456789"),
    "WECHAT_ID": ("abc_123456", "abc_123456"),
    "PLATE": ("京A12345", "京A12345"),
    "PASSPORT": ("E12345678", "123456789"),
    "ADDRESS": ("北京市朝阳区建国路1号", "1 Main Street, Springfield"),
    "PERSON": ("王小明", "Alex Smith"),
    "SECRET": ("123456", "123456"),
}

Span = tuple[int, int, str]


def segments(text: str) -> list[str]:
    """``text`` cut after each segment end (see the module docstring); the pieces join back to ``text``."""
    out, pos = [], 0
    for m in _CUT.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def holds_redaction_form(text: str) -> bool:
    """True when ``text`` shows a placeholder or a masked value: what the offline twin ranks lower."""
    if PLACEHOLDER.search(text) or _cjk_masks(text):
        return True
    return any(_is_mask(m.group(0)) for m in _MASK_RUN.finditer(text)) if "*" in text else False


def _cjk_masks(text: str) -> list[re.Match]:
    """``张*``, ``王**``: a Han character and stars, unless the stars delimit an emphasis (``**重要**``, ``*重要*``)."""
    if "*" not in text:
        return []
    delims = {i for rx in (_BOLD, _ITALIC) for m in rx.finditer(text) for i in (m.start(), m.end() - len(m.group(1)))}
    return [m for m in _CJK_MASK.finditer(text) if m.start() + 1 not in delims]


def _is_mask(run: str) -> bool:
    """A star run that reads as a masked value, not emphasis: ``**bold**`` is not, ``138****5678``, ``***-**-6789``,
    ``l***@qq.com`` and ``10.*.*.*`` are."""
    stars = run.count("*")
    if stars < 2 and not re.fullmatch(r"\d{1,3}(\.\*)+", run):
        return False
    has_alnum = bool(_ASCII_ALNUM.search(run))
    if not has_alnum:
        return stars >= 4  # a bare "***" is a divider; a longer bare run is a masked short value
    return bool(_STAR3.search(run)) or any(ch.isdigit() for ch in run) or ".*" in run


@dataclass
class GuardData:
    """What the guard knows of a workspace, read once (the guard itself never touches the database)."""

    salt: str = ""
    regions: tuple[str, ...] = ("CN",)
    by_index: dict[tuple[str, int], tuple[str, str | None]] = field(default_factory=dict)  # (kind, idx) -> value, edit
    rejected: frozenset[tuple[str, str]] = frozenset()  # (kind, norm) the owner marked not private
    allow: frozenset[str] = frozenset()  # default_norm of allow-list entries
    known: dict[str, tuple[str, str]] = field(default_factory=dict)  # live value surface -> (kind, value)
    masks: dict[str, tuple[str, str]] = field(default_factory=dict)  # a live value's mask -> (kind, value)
    edits: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, norm) -> the owner's own replacement
    keep: frozenset[str] = frozenset()  # default_norm of what always passes: the twin's own name
    protected: tuple[str, ...] = ()  # surfaces passing whole (not private, allowed, the twin's name): no hit inside


class OutputGuard:
    """``guard(text)`` → the reply safe to show; ``guard.stream(chunks)`` → the same, chunk by chunk.

    ``analyzer``: anything with ``analyze(text) -> list[Hit]`` (the workspace's :class:`~lib.pii.analyzer.Analyzer`);
    None guards redaction forms and known values only.
    """

    def __init__(self, data: GuardData, analyzer=None) -> None:
        self.data = data
        self.analyzer = analyzer
        self._cache: dict[str, str] = {}
        firsts: dict[str, list[str]] = {}
        for surface in data.known:
            firsts.setdefault(surface[0], []).append(surface)
        self._firsts = {c: sorted(v, key=len, reverse=True) for c, v in firsts.items()}

    @classmethod
    def for_workspace(cls, ws, twin_name: str | None = None) -> "OutputGuard":
        """The guard of ``ws``: its analyzer configuration, salt, values and decisions (see :func:`guard_for` for the
        cached one)."""
        from lib.pii.analyzer import Analyzer
        from lib.pii.store import PiiStore

        store = PiiStore(ws)
        cfg = store.config()
        if twin_name is None:
            from lib import persona

            twin_name = persona.twin_name(ws)
        keep = {default_norm(twin_name)} if twin_name and twin_name.strip() else set()
        allow = frozenset(default_norm(a) for a in cfg.allow)
        data = GuardData(salt=store.salt(), regions=tuple(cfg.regions), allow=allow, keep=frozenset(keep))
        rejected: set[tuple[str, str]] = set()
        protected = {a.strip() for a in cfg.allow} | ({twin_name.strip()} if keep else set())
        mask_owner: dict[str, set[tuple[str, str]]] = {}
        for kind, norm, value, idx, rep, status, live in ws.conn.execute(
                "SELECT kind, norm, value, idx, replacement, status, n_hits > 0 OR source = 'surface' "
                "FROM pii_values"):
            if status == "rejected":
                rejected.add((kind, norm))
                protected.add(value.strip())
                continue
            data.by_index[(kind, int(idx))] = (value, rep)
            if rep:
                data.edits[(kind, norm)] = rep
            if live and norm not in allow and default_norm(value) not in allow and norm not in keep:
                surface = value.strip()
                if len(surface) >= 2 and not _MASK_RUN.fullmatch(surface):
                    data.known.setdefault(surface, (kind, value))
                m = mask(kind, value)
                if _ASCII_ALNUM.search(m) or _CJK.search(m):
                    mask_owner.setdefault(m, set()).add((kind, value))
        data.rejected = frozenset(rejected)
        data.protected = tuple(sorted((p for p in protected if len(p) >= 2), key=len, reverse=True))
        data.masks = {m: next(iter(owners)) for m, owners in mask_owner.items() if len(owners) == 1}
        return cls(data, Analyzer(cfg))

    # ------------------------------------------------------------------------------------------------ guarding
    def guard(self, text: str) -> str:
        """The reply with every redaction form rendered and every private value replaced, segment by segment."""
        if not text:
            return text
        return "".join(self._segment(s) for s in segments(text))

    __call__ = guard

    def stream(self, chunks: Iterable[str]) -> Iterator[str]:
        """Guard a stream: hold back the unfinished segment, release each finished one guarded. The pieces join to
        ``guard("".join(chunks))``. If the source fails midway, what it had sent is released guarded, then the error
        goes on."""
        pending = ""
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                pending += chunk
                # A cut that ends before the end of what arrived is final (the text after it decides nothing before
                # it); one that touches the end may still grow ("！" then "！") or appear ("?" waiting for a space).
                done = 0
                for m in _CUT.finditer(pending):
                    if m.end() < len(pending):
                        done = m.end()
                if done:
                    released, pending = pending[:done], pending[done:]
                    if out := self.guard(released):
                        yield out
        except Exception:
            if pending:
                yield self.guard(pending)
            raise
        if pending:
            yield self.guard(pending)

    def holds_private(self, text: str) -> bool:
        """True when the guard would change ``text``."""
        return self.guard(text) != text

    # -------------------------------------------------------------------------------------------------- internals
    def _segment(self, seg: str) -> str:
        out = self._cache.get(seg)
        if out is None:
            spans = self._spans(seg)
            out = _apply(seg, spans) if spans else seg
            if len(self._cache) < 5000:
                self._cache[seg] = out
        return out

    def _spans(self, seg: str) -> list[Span]:
        lang = "zh" if _CJK.search(seg) else "en"
        forms: list[Span] = []
        for m in PLACEHOLDER.finditer(seg):
            kind = (m.group(1) or m.group(3)).upper()
            idx = m.group(2) or m.group(4)
            forms.append((m.start(), m.end(), self._placeholder(kind, int(idx) if idx else None, m.group(0), lang)))
        cut = _CUT_PLACEHOLDER.search(seg)
        if cut and not any(s <= cut.start() < e for s, e, _ in forms):
            word = cut.group(1).rstrip("_")
            if word in KINDS:  # the kind is whole: its fake (the index may be cut short, so it is not trusted)
                forms.append((cut.start(), cut.end(), self._placeholder(word, None, cut.group(0), lang)))
            elif any(k.startswith(word) for k in KINDS) and not cut.group(2):
                forms.append((cut.start(), cut.end(), ""))  # too little of it to say which kind: dropped
        if "*" in seg:
            for m in _MASK_RUN.finditer(seg):
                if _is_mask(m.group(0)):
                    forms.append((m.start(), m.end(), self._masked(m.group(0), lang)))
            for m in _cjk_masks(seg):
                forms.append((m.start(), m.end(), self._masked(m.group(0), lang)))
        forms = _disjoint(forms)
        # Values are looked for in the segment with its redaction forms blanked out (same offsets), so a tag never
        # reads as a value and a rendered fake is never replaced a second time.
        blank = seg
        for s, e, _ in forms:
            blank = blank[:s] + " " * (e - s) + blank[e:]
        values: list[Span] = []
        if self.analyzer is not None and blank.strip():
            for h in self.analyzer.analyze(blank):
                rep = self._value(h.kind, blank[h.start:h.end], h.norm, lang)
                if rep is not None:
                    values.append((h.start, h.end, rep))
        values += self._literal(blank, lang)
        if values and self.data.protected:
            # A value passing whole passes with its parts: a name-like piece of an allowed email, of the twin's name.
            kept = _occurrences(blank, self.data.protected)
            values = [v for v in values if not any(s <= v[0] and v[1] <= e for s, e in kept)]
        return _merge(forms, values, seg, self, lang)

    def _placeholder(self, kind: str, idx: int | None, tag: str, lang: str) -> str:
        if idx is not None and (kind, idx) in self.data.by_index:
            value, rep = self.data.by_index[(kind, idx)]
            return self._shown(kind, value, rep, lang)
        template = self._template(kind, lang)
        if template is None:
            return NEUTRAL[lang]
        return self._fake(kind, template, self.data.salt + "\x1f" + tag.strip().upper(), lang)

    def _masked(self, run: str, lang: str) -> str:
        known = self.data.masks.get(run) or self.data.masks.get(run.strip())
        if known is not None:
            kind, value = known
            return self._shown(kind, value, self.data.edits.get((kind, default_norm(value))), lang)
        kind = _mask_kind(run)
        if kind is None:
            return NEUTRAL[lang]
        filled = run.replace("*", "0")
        return self._fake(kind, filled, self.data.salt + "\x1f" + run, lang)

    def _value(self, kind: str, surface: str, norm: str, lang: str) -> str | None:
        """The replacement of a detected value, or None when it passes (not private, or the twin's name)."""
        n = norm or default_norm(surface)
        d = self.data
        if n in d.keep or default_norm(surface) in d.keep:
            return None
        if (kind, n) in d.rejected or (kind, default_norm(surface)) in d.rejected:
            return None
        if n in d.allow or default_norm(surface) in d.allow:
            return None
        return self._shown(kind, surface.strip(), d.edits.get((kind, n)), lang)

    def _shown(self, kind: str, value: str, edit: str | None, lang: str) -> str:
        if edit and not PLACEHOLDER.fullmatch(edit.strip()):
            return edit  # the owner's own replacement for this value
        return self._fake(kind, value, self.data.salt, lang)

    def _fake(self, kind: str, value: str, salt: str, lang: str) -> str:
        out = surrogate(kind, value, salt)
        return NEUTRAL[lang] if PLACEHOLDER.fullmatch(out) else out

    def _template(self, kind: str, lang: str) -> str | None:
        if kind == "PHONE":
            return _example_phone(self.data.regions[0] if self.data.regions else "CN")
        pair = _TEMPLATES.get(kind)
        return None if pair is None else pair[0 if lang == "zh" else 1]

    def _literal(self, text: str, lang: str) -> list[Span]:
        """Known live values wherever they occur (a password found only by its question's context; a name's part),
        whole words only where they begin or end with an ASCII letter or digit."""
        if not self._firsts:
            return []
        out: list[Span] = []
        i, n = 0, len(text)
        while i < n:
            for surface in self._firsts.get(text[i], ()):
                end = i + len(surface)
                if text.startswith(surface, i) and _whole(text, i, end):
                    kind, value = self.data.known[surface]
                    rep = self._value(kind, surface, "", lang)
                    if rep is not None:
                        out.append((i, end, rep))
                        i = end - 1
                    break
            i += 1
        return out


def _occurrences(text: str, surfaces: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where any of ``surfaces`` occurs in ``text`` (case-insensitively where that keeps offsets)."""
    folded = text.casefold()
    if len(folded) != len(text):
        folded = text
    out = []
    for surface in surfaces:
        needle = surface.casefold() if folded is not text else surface
        start = folded.find(needle)
        while start >= 0:
            out.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    return out


def _whole(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if text[start].isascii() and text[start].isalnum() and before.isascii() and before.isalnum():
        return False
    return not (text[end - 1].isascii() and text[end - 1].isalnum() and after.isascii() and after.isalnum())


def _mask_kind(run: str) -> str | None:
    """The kind a masked value most likely had, from its shape (None: no shape to imitate)."""
    if _CJK.search(run):
        return "PERSON"
    if "@" in run:
        return "EMAIL"
    if re.fullmatch(r"\d{1,3}(\.\*)+|[0-9a-fA-F]{0,4}(:\*)+", run):
        return "IP"
    if re.fullmatch(r"[A-Za-z]\*+( \*+)*", run):
        return "PERSON"
    slots = sum(1 for ch in run if ch.isdigit() or ch == "*")
    if re.fullmatch(r"[\d*]{3}-[\d*]{2}-[\d*]{4}", run):
        return "US_SSN"
    if slots in (15, 18) and not re.search(r"[ \-]", run):
        return "CN_ID"
    if 16 <= slots <= 19:
        return "BANK_CARD"
    if 7 <= slots <= 15:
        return "PHONE"
    return None


def _example_phone(region: str) -> str:
    import phonenumbers

    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "13800138000"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def _disjoint(spans: list[Span]) -> list[Span]:
    """Earlier, then longer, spans win; later ones that overlap them are dropped."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out


def _merge(forms: list[Span], values: list[Span], seg: str, guard: OutputGuard, lang: str) -> list[Span]:
    """Redaction forms and value spans as one disjoint list. Overlapping value spans merge into one span covering all
    of them (no fragment survives), replaced like its longest member; a value touching a form absorbs it."""
    spans = sorted([(s, e, r, True) for s, e, r in forms] + [(s, e, r, False) for s, e, r in values],
                   key=lambda s: (s[0], -s[1]))
    out: list[list] = []
    for s, e, r, is_form in spans:
        if out and s < out[-1][1]:
            last = out[-1]
            if e - s > last[1] - last[0] and not last[3]:
                last[2] = r
            last[1] = max(last[1], e)
            last[3] = last[3] and is_form
        else:
            out.append([s, e, r, is_form])
    return [(s, e, r) for s, e, r, _ in out]


def _apply(text: str, spans: list[Span]) -> str:
    out, pos = [], 0
    for s, e, r in spans:
        out.append(text[pos:s])
        out.append(r)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def guard_for(ws) -> OutputGuard:
    """The workspace's guard, built once and reused until anything in the workspace changes (a decision, a scan, a
    new name): building reads every value, replies must not pay for that."""

    saved = str(ws.get_setting(settings.TWIN_NAME.key) or "")  # the twin's name is part of the key
    return ws.cached("pii.output_guard\x1f" + saved, lambda: OutputGuard.for_workspace(ws))


class GuardedBackend:
    """A chat backend whose replies pass through the workspace's output guard. Keeps the backend's ``name``, ``label``
    and ``check``; ``inner`` is the backend itself (for what only it offers, such as the offline twin's
    ``explain``)."""

    def __init__(self, inner, guard: Callable[[], OutputGuard] | OutputGuard) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "backend")
        self.label = getattr(inner, "label", self.name)
        self._guard = guard if callable(guard) and not isinstance(guard, OutputGuard) else (lambda: guard)
        self._last: OutputGuard | None = None

    def with_inner(self, inner) -> GuardedBackend:
        """The same guard around another backend (the game asks a copy of the twin that cannot see the item)."""
        return type(self)(inner, self._guard)

    def guard(self) -> OutputGuard:
        """The current guard (refreshed when the workspace changed; the last one if the database is busy)."""
        import sqlite3

        try:
            self._last = self._guard()
        except sqlite3.Error:
            if self._last is None:
                raise
        return self._last  # type: ignore[return-value]

    def stream(self, messages, params) -> Iterator[str]:
        guard = self.guard()
        yield from guard.stream(self.inner.stream(messages, params))

    def check(self) -> str:
        return self.inner.check()

    def __getattr__(self, attr: str):
        """The backend's settings (``endpoint``, ``base_model``, ``size``...) read through; its other methods are not
        (they could hand out unguarded text): reach them explicitly through ``inner``."""
        if attr.startswith("__") or attr == "inner":
            raise AttributeError(attr)
        value = getattr(self.inner, attr)
        if callable(value):
            raise AttributeError(f"{attr} is not guarded: call it on .inner if its output is never shown")
        return value

    def __repr__(self) -> str:
        return f"GuardedBackend({self.inner!r})"


def guarded(backend, ws) -> GuardedBackend:
    """``backend`` behind ``ws``'s output guard (a backend already guarded is returned as it is)."""
    if isinstance(backend, GuardedBackend):
        return backend
    return GuardedBackend(backend, lambda: guard_for(ws))


__all__ = ["NEUTRAL", "PLACEHOLDER", "GuardData", "GuardedBackend", "OutputGuard", "guard_for", "guarded",
           "holds_redaction_form", "segments"]
