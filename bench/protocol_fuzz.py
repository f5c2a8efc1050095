"""Mutation fuzzing of both protocol parsers: the AMI framer and the FastAGI parser.

    python -m bench.protocol_fuzz [--frames 1000000] [--seed 1] [--split-every 8]

Frames come from the real Asterisk 22 captures (ami/*.txt split into messages, agi/*.raw split
into the environment block and reply lines). Each case strings 1-4 frames together, applies 1-4
mutations (bit flips, random or protocol bytes inserted — CR, LF, ':', NUL, huge numbers —,
ranges deleted or repeated, truncation) and feeds the result to a fresh parser in one piece.
Every `--split-every`th case is also fed in random pieces and byte by byte, and the results
compared. Printed per parser: frames, cases, frames/s, messages or events out, documented
errors (the AMI framer counts, FastAGI raises ProtocolError), split mismatches, and any other
exception (there must be none).
"""
from __future__ import annotations

import argparse
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from cti.ami.framing import AmiFramer
from ivr.fastagi.errors import ProtocolError
from ivr.fastagi.protocol import AgiParser
from bench import TRACES

TOKENS = [b"\r", b"\n", b"\r\n", b"\r\n\r\n", b":", b": ", b"\x00", b"\xff", b"\xe0\xa4", b"9" * 4400,
          b"-", b" ", b"agi_", b"200 result=", b" endpos=", b"520-", b"HANGUP\n"]


@dataclass
class Tally:
    frames: int = 0
    cases: int = 0
    out: int = 0
    documented_errors: int = 0
    split_checks: int = 0
    split_mismatches: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)
    samples: list[bytes] = field(default_factory=list)


def ami_frames() -> list[bytes]:
    frames: list[bytes] = []
    for path in sorted((TRACES / "ami").glob("*.txt")):
        if path.name.endswith(".actions.txt"):
            continue
        data = path.read_bytes()
        frames += [f + b"\r\n\r\n" for f in data.split(b"\r\n\r\n") if f]
    return frames


def agi_frames() -> list[bytes]:
    """Environment blocks and reply lines; a case starts with an environment (as a session does)."""
    frames: list[bytes] = []
    for path in sorted((TRACES / "agi").glob("*.raw")):
        data = path.read_bytes()
        env_end = data.find(b"\n\n")
        if env_end < 0:
            continue
        frames.append(data[:env_end + 2])
        frames += [line + b"\n" for line in data[env_end + 2:].split(b"\n") if line]
    return frames


def ami_case(rng: random.Random, frames: list[bytes]) -> list[bytes]:
    start = rng.randrange(len(frames))
    return [frames[(start + i) % len(frames)] for i in range(rng.randint(1, 4))]


def agi_case(rng: random.Random, frames: list[bytes]) -> list[bytes]:
    envs = [i for i, f in enumerate(frames) if f.startswith(b"agi_")]
    start = rng.choice(envs)
    return [frames[start], *(frames[(start + 1 + i) % len(frames)] for i in range(rng.randint(0, 3)))]


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        pos = rng.randint(0, len(buf))
        if kind == 0 and buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            buf[pos:pos] = bytes([rng.randrange(256)])
        elif kind == 2:
            buf[pos:pos] = rng.choice(TOKENS)
        elif kind == 3:
            del buf[pos:pos + rng.randint(1, 16)]
        elif kind == 4:
            buf[pos:pos] = buf[pos:pos + rng.randint(1, 32)]
        else:
            del buf[pos:]
    return bytes(buf)


def pieces(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted(rng.randint(0, len(data)) for _ in range(rng.randint(1, 8)))
    out, start = [], 0
    for cut in [*cuts, len(data)]:
        out.append(data[start:cut])
        start = cut
    return out


def run_ami(chunks: list[bytes]) -> tuple[list[list[tuple[str, str]]], tuple[int, int, int]]:
    framer = AmiFramer()
    out = []
    for chunk in chunks:
        out += [m.items for m in framer.feed(chunk)]
    return out, (framer.errors, framer.oversized, framer.messages)


def run_agi(chunks: list[bytes]) -> tuple[list[object], bool]:
    parser = AgiParser()
    events: list[object] = []
    try:
        for chunk in chunks:
            parser.receive_data(chunk)
            events += parser.events_received()
        parser.receive_eof()
    except ProtocolError:
        events += parser.events_received()
        return events, True
    return events, False


def fuzz(frames: list[bytes], case: Callable[[random.Random, list[bytes]], list[bytes]], target: int, seed: int,
         split_every: int, run: Callable[[list[bytes]], tuple[list, object]], errors_of: Callable[[tuple[list, object]], int]) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    while tally.frames < target:
        chosen = case(rng, frames)
        data = mutate(rng, b"".join(chosen))
        tally.frames += len(chosen)
        tally.cases += 1
        try:
            whole = run([data])
            tally.out += len(whole[0])
            tally.documented_errors += errors_of(whole)
            if tally.cases % split_every == 0:
                tally.split_checks += 1
                split = run(pieces(rng, data))
                bytewise = run([data[i:i + 1] for i in range(len(data))])
                if not _same(whole, split) or not _same(whole, bytewise):
                    tally.split_mismatches += 1
                    if len(tally.samples) < 5:
                        tally.samples.append(data)
        except Exception as exc:  # anything but the documented error is a bug
            tally.unexpected[type(exc).__name__] += 1
            if len(tally.samples) < 5:
                tally.samples.append(data)
    return tally


def _same(a: tuple[list, object], b: tuple[list, object]) -> bool:
    if a[1] is True or b[1] is True:  # FastAGI error: the events before it and the error agree
        n = min(len(a[0]), len(b[0]))
        return a[1] == b[1] and a[0][:n] == b[0][:n]
    return a == b


def report(name: str, tally: Tally, seconds: float) -> None:
    print(f"{name}: {tally.frames:,} mutated frames in {tally.cases:,} cases, {seconds:.1f} s "
          f"({tally.frames / seconds:,.0f} frames/s)")
    print(f"  out: {tally.out:,} messages/events; documented errors: {tally.documented_errors:,}")
    print(f"  split checks: {tally.split_checks:,}, mismatches: {tally.split_mismatches}")
    print(f"  other exceptions: {dict(tally.unexpected) or 'none'}")
    for sample in tally.samples:
        print(f"  sample: {sample[:200]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1_000_000, help="mutated frames per parser")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split-every", type=int, default=8, help="compare splits every Nth case")
    args = parser.parse_args()
    failed = False
    logging.disable(logging.WARNING)  # the framer logs every malformed message it skips
    for name, frames, case, run, errors_of in (
        ("AMI framer", ami_frames(), ami_case, run_ami, lambda r: r[1][0]),
        ("FastAGI parser", agi_frames(), agi_case, run_agi, lambda r: int(r[1])),
    ):
        started = time.perf_counter()
        tally = fuzz(frames, case, args.frames, args.seed, args.split_every, run, errors_of)
        report(name, tally, time.perf_counter() - started)
        failed |= bool(tally.unexpected or tally.split_mismatches)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
