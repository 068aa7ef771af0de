"""The authors' design notes, read from the rubric's comments (comments are not in the IR).

A design note is a whole comment paragraph, or one bullet of it, that records a decision:
it says CHOSEN, CORRECTED or CHANGED (in English), or starts with 选择：, 更正：, 改动： or
设计说明： (in Chinese).  A note is always taken whole, from the paragraph's first word to its
last, never from the keyword on, so it is never cut mid-sentence.  A page shows the notes
written in its own language and leaves the others out.
"""

from __future__ import annotations

import re

_EN = re.compile(r"\b(CHOSEN|CORRECTED|CHANGED)\b")
_ZH = re.compile(r"^(选择|更正|改动|设计说明)[：:]")
_BULLET = re.compile(r"^(\*|-|\d+[.)、])\s+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _comment(line: str) -> tuple[str, bool] | None:
    """The comment on ``line`` and whether it is the whole line; None when it has none."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[i + 1:].strip(), not line[:i].strip()
    return None


def paragraphs(source: str) -> list[str]:
    """Comment paragraphs: runs of whole-line comments (each bullet its own), and each
    trailing comment alone, joined into one line each."""
    out: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            out.append(" ".join(current))
            current.clear()

    for line in source.splitlines():
        found = _comment(line)
        if found is None:
            close()
            continue
        text, whole = found
        if not whole:
            close()
            out.append(text)
            continue
        if not text.strip("-—=* "):  # a blank comment or a rule line ends a paragraph
            close()
            continue
        if _BULLET.match(text):
            close()
        current.append(text)
    close()
    return out


def language(text: str) -> str:
    """``en`` when the note has English words outside its code spans, else ``zh``."""
    prose = re.sub(r"`[^`]*`", "", text)
    prose = _EN.sub("", prose)
    return "en" if _LATIN_WORD.search(prose) else "zh"


def design_notes(source: str, lang: str) -> tuple[str, ...]:
    """The design notes of ``source`` written in ``lang``, in the order written."""
    out = []
    for p in paragraphs(source):
        body = _BULLET.sub("", p)
        if not (_EN.search(body) or _ZH.match(body)):
            continue
        if language(body) != lang:
            continue
        if lang == "zh":  # a Chinese note keeps no English keyword
            body = _EN.sub(lambda m: _ZH_WORD[m.group(1)], body)
        out.append(body)
    return tuple(out)


_ZH_WORD = {"CHOSEN": "选择", "CORRECTED": "更正", "CHANGED": "改动"}
