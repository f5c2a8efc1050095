"""AMI framing, sans-I/O: bytes in, `AmiMessage`s out.

Asterisk's manager interface sends one banner line (`Asterisk Call Manager/11.0.0`), then
messages made of `Key: Value` lines ended by `\\r\\n`, each message ended by an empty line.
`AmiFramer.feed()` accepts data split anywhere (even inside a UTF-8 character), decodes only
complete messages, skips and counts malformed or oversize ones without losing the next, and
never buffers more than `max_message_bytes` of an unfinished message.

Speed: a chunk of complete messages is read in place (never copied out of the buffer),
decoded once, checked for malformed lines by one translate (only ':', CR and LF kept, then
three counts on what is left) and one regex search for a line starting with ':', and split
into messages with str.split; each message splits into headers only when first asked
(`AmiMessage.items`, `get`…), and `event` reads just the first line. `feed` takes a
memoryview of a buffer the caller reuses (cti/ami/connection.py) and copies out only what
it keeps.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from cti.ami.errors import InvalidHeader

log = logging.getLogger(__name__)

BANNER_PREFIX = b"Asterisk Call Manager/"
_END = b"\r\n\r\n"
_SEP = ": "
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*\Z")
_UPPER = bytes(range(ord("A"), ord("Z") + 1))
# Every byte but ':', CR, LF and the capitals that start Asterisk's header names.
_ALL_BUT_COLON_CR_LF_UPPER = bytes(b for b in range(256) if b not in b":\r\n" + _UPPER)
_DIGIT_RUN = re.compile(r"\d{5,}")
# A line starting with ':' (no header name), searched once all bytes but ':', CR, LF and
# capitals are deleted (a quarter of the text): a LF then ':' there is one in the bytes, or
# a line whose name starts with no capital (the careful path then: slower, same result).
# Not "\r\n:": a lone CR and a lone LF far apart look like a CRLF once the bytes between
# them are deleted, so only this search sees the LF before ':' in "a\rb\n:c: d".
_COLON_FIRST = re.compile(rb"\n:")
_MAX_BANNER = 1024
# A line starting with a name without colon, then ': ' and the value (no lone CR or LF).
_PAIR = re.compile(r"^([^:\r\n]*): ([^\r\n]*)", re.M)


def _masked(text: str) -> str:
    """A snippet safe for logs: long digit runs (phone numbers) masked."""
    return _DIGIT_RUN.sub(lambda m: "X" * (len(m.group()) - 4) + m.group()[-4:], text[:80])


def header_value(value: object) -> str:
    """A Python value as an AMI header value (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_action(action: str, action_id: str, headers: Iterable[tuple[str, object]]) -> bytes:
    """One action as bytes: `Action` first, then `ActionID`, then the headers in order.

    Raises InvalidHeader for a name that is not a plain token or a value containing CR or LF.
    """
    lines = [f"Action: {_checked('Action', action)}\r\n", f"ActionID: {_checked('ActionID', action_id)}\r\n"]
    for name, value in headers:
        if not _HEADER_NAME.match(name):
            raise InvalidHeader(f"invalid AMI header name {name!r}")
        lines.append(f"{name}: {_checked(name, header_value(value))}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


def _checked(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise InvalidHeader(f"AMI header {name} contains CR or LF")
    return value


class AmiMessage:
    """One AMI message: its headers in wire order, repeated headers kept.

    Messages from the framer keep the received text and split it into headers on first use
    (`items`, `get`…), so a subscriber that only looks at `event` never pays for the rest.
    """

    __slots__ = ("_raw", "_items", "_first")

    def __init__(self, items: list[tuple[str, str]] | None = None, raw: str | None = None) -> None:
        if items is None and raw is None:
            raise TypeError("AmiMessage needs items or raw text")
        self._items = items
        self._raw = raw
        self._first: dict[str, str] | None = None

    @classmethod
    def build(cls, *pairs: tuple[str, str], **headers: str) -> AmiMessage:
        """A message from pairs and keyword headers (pairs first), mainly for tests and fakes."""
        return cls([*pairs, *headers.items()])

    @property
    def items(self) -> list[tuple[str, str]]:
        """(name, value) pairs in wire order."""
        items = self._items
        if items is None:
            first = self._first
            # _first without _items only comes from _index's fast path: no repeated header.
            items = list(first.items()) if first is not None else _split_headers(self._raw)  # type: ignore[arg-type]
            self._items = items
        return items

    @property
    def raw(self) -> str:
        """The message text without its final blank line (CRLF line ends)."""
        if self._raw is None:
            self._raw = "\r\n".join(f"{k}: {v}" for k, v in self._items)  # type: ignore[union-attr]
        return self._raw

    def _index(self) -> dict[str, str]:
        first = self._first
        if first is None:
            raw = self._raw
            if self._items is None and raw.count(":") == raw.count(": ") == raw.count("\r\n") + 1:  # type: ignore[union-attr]
                # The usual message: one ': ' per line, no other colon; straight to a dict.
                parts = raw.replace("\r\n", ": ").split(": ")  # type: ignore[union-attr]
                pairs = iter(parts)
                first = dict(zip(pairs, pairs))
                if 2 * len(first) == len(parts):  # no repeated header
                    self._first = first
                    return first
            items = self.items
            first = dict(items)
            if len(first) != len(items):
                first = dict(reversed(items))
            self._first = first
        return first

    def headers(self) -> dict[str, str]:
        """Every header by name (the first of a repeated one wins); shared: do not modify."""
        return self._first if self._first is not None else self._index()

    def peek(self, name: str) -> str | None:
        """`get(name)` without splitting the message when it has not been split yet.

        Exact: a header named `name` is a line starting `name:`; the text is searched for the
        first such line and only a `name: value` line is read in place (else `get`).
        """
        raw = self._raw
        if self._first is not None or raw is None or raw.startswith(name + ":"):
            return self.get(name)
        at = raw.find("\r\n" + name + ":")
        if at < 0:
            return None
        at += len(name) + 3
        if not raw.startswith(" ", at):
            return self.get(name)
        end = raw.find("\r\n", at)
        return raw[at + 1:end] if end >= 0 else raw[at + 1:]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the first header spelled exactly `name`."""
        return self._index().get(name, default)

    def getall(self, name: str) -> list[str]:
        """Every value of header `name`, in wire order."""
        return [v for k, v in self.items if k == name]

    def __contains__(self, name: object) -> bool:
        return name in self._index()

    @property
    def event(self) -> str | None:
        """The Event header (read from the first line without splitting the rest)."""
        raw = self._raw
        if raw is not None and raw.startswith("Event: "):
            end = raw.find("\r\n")
            return raw[7:end] if end >= 0 else raw[7:]
        return self._index().get("Event")

    @property
    def response(self) -> str | None:
        raw = self._raw
        if raw is not None and raw.startswith("Response: "):
            end = raw.find("\r\n")
            return raw[10:end] if end >= 0 else raw[10:]
        return self._index().get("Response")

    @property
    def action_id(self) -> str | None:
        return self._index().get("ActionID")

    def as_dict(self) -> dict[str, str]:
        """Headers as a new dict; the first occurrence of a repeated header wins."""
        return dict(self._index())

    def to_bytes(self) -> bytes:
        """The message as Asterisk sends it (CRLF lines, blank line at the end)."""
        return (self.raw + "\r\n\r\n").encode("utf-8")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AmiMessage):
            return self.items == other.items
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AmiMessage({self.items!r})"


def _split_headers(raw: str) -> list[tuple[str, str]]:
    """Header pairs of a validated message: split at the first ': ' (or ':' if no space)."""
    lines = raw.count("\r\n") + 1
    if raw.count(":") == raw.count(": ") == lines:
        # Every line holds exactly one ': ' and no other colon: split all lines at once.
        parts = iter(raw.replace("\r\n", ": ").split(": "))
        return list(zip(parts, parts))
    if raw.count("\r") == raw.count("\n") == lines - 1:
        # No lone CR or LF, so lines start after each CRLF: a line whose name (no colon)
        # is followed by ': ' is split there, the first ': ' of the line; a line that is not
        # yields nothing, so as many pairs as lines means every line split.
        pairs = _PAIR.findall(raw)
        if len(pairs) == lines:
            return pairs
    items = []
    add = items.append
    for line in raw.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            if not line:
                continue
            key, _, value = line.partition(":")
        add((key, value))
    return items


class AmiFramer:
    """Turns the AMI byte stream into messages.

    Attributes: `banner` (the banner line once seen, else None), `errors` (messages skipped:
    malformed or oversize), `oversized` (the oversize part of `errors`), `messages` (count
    of messages returned).
    """

    __slots__ = ("max_message_bytes", "banner", "errors", "oversized", "messages",
                 "_buf", "_skipping", "_want_banner")
    # True: every message is checked line by line (the reference the fast check is tested against).
    check_every_line = False

    def __init__(self, max_message_bytes: int = 65536) -> None:
        self.max_message_bytes = max_message_bytes
        self.banner: str | None = None
        self.errors = 0
        self.oversized = 0
        self.messages = 0
        self._buf = b""
        self._skipping = False
        self._want_banner = True

    @property
    def buffered(self) -> int:
        """Bytes held for an unfinished message."""
        return len(self._buf)

    def reset(self) -> None:
        """Forget everything buffered: call on a new connection."""
        self._buf = b""
        self._skipping = False
        self._want_banner = True
        self.banner = None

    def feed(self, data: bytes | bytearray | memoryview) -> list[AmiMessage]:
        """Take the next bytes of the stream; return the messages they complete.

        The result does not depend on how the stream is split: a message ends at the first
        blank line after it starts, extra blank lines between messages are ignored, and the
        size limit applies to the message's own bytes. `data` may be a view of a buffer that
        the caller reuses: what is kept is copied out.
        """
        buf = self._buf + data if self._buf else bytes(data)
        if self._want_banner:
            buf = self._take_banner(buf)
            if self._want_banner:
                self._buf = buf
                return []
        if self._skipping:
            end = buf.find(_END)
            if end < 0:
                # Keep 3 bytes: the end marker may straddle the next feed().
                self._buf = buf[-3:]
                return []
            self._skipping = False
            buf = buf[end + 4:]
        end = buf.rfind(_END)
        if end < 0:
            self._buf = buf
            self._check_unfinished(buf)
            return []
        # Read left to right, the first end marker of a CRLF run closes the message and the
        # run's other CRLFs are blank lines: end the chunk there, whatever the split.
        while end >= 2 and buf[end - 2:end] == b"\r\n":
            end -= 2
        tail = buf[end + 4:]
        self._buf = tail
        out = self._parse(buf, end, tail)
        self._check_unfinished(tail)
        return out

    def _check_unfinished(self, buf: bytes) -> None:
        """Skip an unfinished message once it is certain to exceed the limit.

        The buffer may start with one CRLF (a blank line) and end with 3 bytes of the end
        marker: only past that is the message itself over `max_message_bytes`.
        """
        if len(buf) > self.max_message_bytes + 5 and len(_strip_blank(buf[:-3])) > self.max_message_bytes:
            self._start_skip(buf)

    def _take_banner(self, buf: bytes) -> bytes:
        """Consume the banner line if the stream starts with one (at most 1024 bytes)."""
        n = min(len(buf), len(BANNER_PREFIX))
        if buf[:n] != BANNER_PREFIX[:n]:
            self._want_banner = False
            return buf
        eol = buf.find(b"\r\n", 0, _MAX_BANNER + 2)
        if eol < 0:
            if len(buf) >= _MAX_BANNER + 2:
                log.warning("AMI banner line too long; treating the stream as messages")
                self._want_banner = False
            return buf
        self.banner = buf[:eol].decode("utf-8", "replace")
        self._want_banner = False
        return buf[eol + 2:]

    def _start_skip(self, buf: bytes) -> None:
        self._oversize()
        self._skipping = True
        self._buf = buf[-3:]

    def _parse(self, buf: bytes, end: int, tail: bytes) -> list[AmiMessage]:
        """The messages of `buf[:end]` (the chunk; `buf[end:end + 4]` is CRLF CRLF, then
        `tail`), read in place: the chunk is never copied out of `buf`."""
        # Exact check that every line has a ':' without splitting lines: once every byte but
        # ':', CR and LF is deleted, the rest is small. Every CR and LF must belong to a CRLF
        # (a lone CR or LF in a header name always leaves a CR or LF unpaired there, or a
        # colon-less line). Then a line with a colon ends in ":\r\n"; the only lines without
        # one may be the blank lines between messages. Anything else is suspect and takes
        # the slow path (tests/property checks that both paths agree).
        # The text splits first: its blank lines (CRLF CRLF, as many as in the bytes: decoding
        # with "replace" never adds or drops a CR or LF) are the messages' ends.
        blocks = str(memoryview(buf)[:end], "utf-8", "replace").split("\r\n\r\n")
        # `buf` is translated whole: kept(buf) = kept(chunk) + CRLF CRLF + kept(tail) (also
        # with the capitals kept: the search for ':' first stops at the chunk's end), and
        # neither ":\r\n" nor "\r\n" straddles those seams but for the chunk's ':' before
        # CRLF (one more line with a colon: the chunk's last line). So the chunk's counts are
        # the whole's less the tail's (and the separator's two CRLFs).
        kept = buf.translate(None, _ALL_BUT_COLON_CR_LF_UPPER)
        kept_tail = tail.translate(None, _ALL_BUT_COLON_CR_LF_UPPER) if tail else b""
        colon_first = (self.check_every_line
                       or _COLON_FIRST.search(kept, 0, len(kept) - 4 - len(kept_tail)) is not None)
        kept = kept.translate(None, _UPPER)  # now only ':', CR and LF
        if kept_tail:
            kept_tail = kept_tail.translate(None, _UPPER)
        size = len(kept) - 4 - len(kept_tail)  # len(kept(chunk))
        crlf = kept.count(b"\r\n") - 2
        colons = kept.count(b":")
        with_colon = kept.count(b":\r\n")
        if kept_tail:
            crlf -= kept_tail.count(b"\r\n")
            colons -= kept_tail.count(b":")
            with_colon -= kept_tail.count(b":\r\n")
        # In this order: no lone CR or LF (only ':' and CRLFs in `kept`); then the lines are
        # those between CRLFs and a colon-less one is blank: as many blank lines as ends of
        # messages; then no line starts with ':'.
        # Not suspect, the blank lines are exactly the second line of each CRLF CRLF the
        # split cut at: none at the chunk's start, no run of three CRLFs (which would leave
        # a blank line at a block's start) and none at its end (the caller cut before it).
        suspect = (self.check_every_line or size != colons + 2 * crlf
                   or with_colon != crlf + 2 - len(blocks)
                   or colon_first or buf.startswith(b":", 0, end))
        limit = self.max_message_bytes
        # A block's text is at most 4 times shorter than its bytes: count bytes only if needed.
        if end > limit and max(map(len, blocks)) * 4 > limit:
            blocks = self._within_limit(buf[:end])
        if suspect:  # blank lines around a message are possible only then (see above)
            blocks = [b for b in map(_strip_blank_text, blocks) if self._well_formed(b)]
        # AmiMessage(None, block) without the Python-level __init__ call (a fifth of the cost).
        out = []
        add, new = out.append, object.__new__
        for block in blocks:
            if block:
                msg = new(AmiMessage)
                msg._raw, msg._items, msg._first = block, None, None
                add(msg)
        self.messages += len(out)
        return out

    def _within_limit(self, chunk: bytes) -> list[str]:
        """The chunk's messages without those over the limit (counted on their own bytes)."""
        fitting = []
        for piece in chunk.split(_END):
            if len(piece) > self.max_message_bytes and len(_strip_blank(piece)) > self.max_message_bytes:
                self._oversize()
            else:
                fitting.append(piece)
        return _END.join(fitting).decode("utf-8", "replace").split("\r\n\r\n")

    def _oversize(self) -> None:
        log.warning("AMI message over %d bytes discarded", self.max_message_bytes)
        self.errors += 1
        self.oversized += 1

    def _well_formed(self, block: str) -> bool:
        """Check of one message, used only when the whole text was suspect.

        Lines are separated by CRLF; each non-blank line needs a header name (no CR or LF in
        it) where `_split_headers` will cut it: before its first ': ', else its first ':'.
        A lone CR or LF inside a value is kept as it is.
        """
        for line in block.split("\r\n"):
            if not line:
                continue
            name, sep, _ = line.partition(": ")
            if not sep:
                name, sep, _ = line.partition(":")
            if not sep or not name or "\r" in name or "\n" in name:
                self.errors += 1
                log.warning("malformed AMI message skipped (line %r)", _masked(line))
                return False
        return True


def _strip_blank(block: bytes) -> bytes:
    """A message's bytes without the blank lines (CRLFs) around it."""
    while block.startswith(b"\r\n"):
        block = block[2:]
    while block.endswith(b"\r\n"):
        block = block[:-2]
    return block


def _strip_blank_text(block: str) -> str:
    while block.startswith("\r\n"):
        block = block[2:]
    while block.endswith("\r\n"):
        block = block[:-2]
    return block
