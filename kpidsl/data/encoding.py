"""Which text encoding a CSV file (or an expected-results file) is in, decided one way for
the whole file, before any row is read: the answer never depends on where a file is cut.

1. A byte-order mark says it: UTF-8 (Excel's "CSV UTF-8"), UTF-16 (Excel's "Unicode text").
2. Otherwise UTF-8 if every byte of the file decodes as UTF-8,
3. else GB18030 (which includes GBK: Excel's "CSV" on a Chinese Windows) if every byte
   decodes as GB18030,
4. else the file is refused, naming the byte where UTF-8 stopped.

One guard keeps step 2 honest: a GB18030 file whose bytes happen to be valid UTF-8 (short
Chinese names can be) reads as UTF-8 into Latin, Greek and Arabic letters mixed with
symbols, and no real sheet holds that mix; such a file is refused rather than read either way.
"""

from __future__ import annotations

import codecs
import functools
import logging
import re
from pathlib import Path

log = logging.getLogger("kpidsl.data")

_BLOCK = 1 << 20
SAVE_AS = "save the sheet as \"CSV UTF-8 (comma delimited)\""
# What the user is told the file was read as (verbose mode), by Python codec.
NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030 (GBK)"}


def text_encoding(path: Path) -> str:
    """The Python codec to read ``path`` with: 'utf-8-sig', 'utf-16' or 'gb18030'; raises
    ValueError, in words, for anything else.  Asked twice of an unchanged file (the DuckDB
    engine asks before the reader does), the file is read once."""
    st = path.stat()
    return _decided(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _decided(name: str, _mtime: int, _size: int) -> str:
    path = Path(name)
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return _checked(path, "utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, "utf-16")
    utf8_error = _first_error(path, "utf-8")
    if utf8_error is None:
        _refuse_gb18030_read_as_utf8(path)
        _refuse_nul(path)
        return _logged(path, "utf-8-sig")
    gb_error = _first_error(path, "gb18030")
    if gb_error is None:
        _refuse_nul(path)
        return _logged(path, "gb18030")
    _refuse_nul(path)
    raise ValueError(f"{path}: not UTF-8 text ({utf8_error.reason} at byte {utf8_error.start}), and not "
                     f"GB18030/GBK either (at byte {gb_error.start}); {SAVE_AS}")


def _logged(path: Path, codec: str) -> str:
    log.info("%s: read as %s text", path, NAMES[codec])
    return codec


def _checked(path: Path, codec: str) -> str:
    """A file with a byte-order mark must decode whole in the encoding the mark names."""
    error = _first_error(path, codec)
    if error is not None:
        raise ValueError(f"{path}: starts with the mark of {NAMES[codec]} text, but is not "
                         f"({error.reason} at byte {error.start}); {SAVE_AS}")
    return _logged(path, codec)


def _first_error(path: Path, codec: str) -> UnicodeDecodeError | None:
    """The first byte ``codec`` cannot decode, counted from the start of the file; None if all can.
    Block by block; a character cut by a block's end is carried into the next block."""
    done = 0  # bytes before ``data``
    carry = b""
    with path.open("rb") as f:
        while True:
            block = f.read(_BLOCK)
            data = carry + block
            try:
                data.decode(codec)
                carry = b""
            except UnicodeDecodeError as e:
                if block and e.end == len(data) and e.start >= len(data) - 4:  # cut by the block's end
                    carry = data[e.start:]
                    try:
                        data[:e.start].decode(codec)
                    except UnicodeDecodeError as inner:
                        inner.start += done
                        return inner
                else:
                    e.start += done
                    return e
            if not block:
                return None
            done += len(data) - len(carry)


def _refuse_nul(path: Path) -> None:
    """NUL bytes decode in every encoding, but no text sheet holds one: UTF-16 without its
    mark, or a binary file."""
    with path.open("rb") as f:
        sample = f.read(1 << 16)
    if b"\x00" in sample:
        raise ValueError(f"{path}: holds NUL bytes, so it is not CSV text (UTF-16 without its mark, or a "
                         f"binary file?); {SAVE_AS}")


def _refuse_gb18030_read_as_utf8(path: Path) -> None:
    with path.open("rb") as f:
        sample = f.read(1 << 16)
    text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    if _looks_like_gb18030(text, sample):
        raise ValueError(f"{path}: the text reads as UTF-8 but looks like GB18030/GBK Chinese "
                         f"(as UTF-8 it says {_first_odd(text)!r}); {SAVE_AS}")


def _reads_as_gb18030(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _script(ch: str) -> str:
    """A rough script of a character of U+0080..U+07FF, the range GBK's double bytes
    fall into when read as UTF-8."""
    o = ord(ch)
    if o < 0xA0:
        return "control"
    if o < 0x250:
        return "latin" if ch.isalpha() else "symbol"
    for bound, name in ((0x2B0, "ipa"), (0x370, "modifier"), (0x400, "greek"), (0x530, "cyrillic"),
                        (0x590, "armenian"), (0x600, "hebrew"), (0x700, "arabic"), (0x750, "syriac")):
        if o < bound:
            return name
    return "other"


def _looks_like_gb18030(text: str, sample: bytes) -> bool:
    """No Chinese at all as UTF-8, yet only Chinese as GB18030, and as UTF-8 a mix no real
    sheet holds (several scripts, or control characters)."""
    odd = [ch for ch in text if ord(ch) > 127]
    if not odd or any(_is_cjk(ch) for ch in odd) or any(ord(ch) > 0x7FF for ch in odd):
        return False
    scripts = {_script(ch) for ch in odd}
    if len(scripts) < 2 and "control" not in scripts and "symbol" not in scripts:
        return False  # one script (a Russian or a French sheet) is plausible as it is
    if not _reads_as_gb18030(sample):
        return False
    chinese = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    return all(_is_cjk(ch) for ch in chinese if ord(ch) > 127)


def _first_odd(text: str) -> str:
    for word in re.split(r"[,\s]+", text):
        if any(ord(ch) > 127 for ch in word):
            return word[:12]
    return ""


def read_text(path: Path) -> str:
    """A whole text file (an expected-results file) in the encoding ``text_encoding`` decides."""
    return path.read_text(encoding=text_encoding(path))
