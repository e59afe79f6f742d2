"""Seeded id generation: the same seed gives the same ids, run after run."""

from __future__ import annotations

import random
import secrets
import string
import threading
import zlib
from collections.abc import Iterator

ALPHANUMERIC = string.ascii_letters + string.digits


class IdGenerator:
    """Independent seeded streams, one per kind of id.

    Each kind has its own stream so that, say, an error's correlation id never shifts the ids
    of the settings created after it.
    """

    def __init__(self, seed: int = 0, *, deterministic_secrets: bool = False) -> None:
        self._seed = seed
        self.deterministic_secrets = deterministic_secrets
        self._lock = threading.Lock()
        self._streams: dict[str, random.Random] = {}
        self._checkpoint: dict[str, object] | None = None
        self._checkpoint_due = False
        self._drawn: set[str] = set()

    # Store participant: a failed request must not advance the sequences. The state is copied
    # only when a transaction actually draws an id, so read-only requests pay nothing.
    def begin(self) -> None:
        with self._lock:
            self._checkpoint, self._checkpoint_due = None, True

    def rollback(self) -> None:
        with self._lock:
            checkpoint, self._checkpoint, self._checkpoint_due = self._checkpoint, None, False
        if checkpoint is not None:
            self.restore(checkpoint)

    def commit(self) -> None:
        """Nothing to do: the draws stand."""

    def _stream(self, kind: str) -> random.Random:
        if self._checkpoint_due:
            self._checkpoint_due = False
            self._checkpoint = self._state()
        self._drawn.add(kind)
        stream = self._streams.get(kind)
        if stream is None:
            stream = random.Random(f"{self._seed}:{zlib.crc32(kind.encode())}")
            self._streams[kind] = stream
        return stream

    def alphanumeric(self, kind: str, length: int = 18) -> str:
        with self._lock:
            stream = self._stream(kind)
            return "".join(stream.choice(ALPHANUMERIC) for _ in range(length))

    def secret(self, kind: str, length: int = 24) -> str:
        """A credential or capability (bearer token, link token, key): from the OS's CSPRNG, so
        nobody can predict another client's; from the seeded stream only when asked for."""
        if self.deterministic_secrets:
            return self.alphanumeric(kind, length)
        return _random_alphanumeric(length)

    def secrets(self, kind: str, length: int = 24) -> Iterator[str]:
        """Secrets as `secret` draws them, for building many records at once: from the CSPRNG a
        block of them per OS call. Nothing is kept once the iterator is dropped, so no random
        bytes outlive the caller (a forked process never repeats its parent's)."""
        if self.deterministic_secrets:
            while True:
                yield self.alphanumeric(kind, length)
        while True:
            block = _random_alphanumeric(length * _SECRETS_PER_DRAW)
            for start in range(0, len(block), length):
                yield block[start : start + length]

    def uuid(self, kind: str) -> str:
        with self._lock:
            return uuid4_text(self._stream(kind).getrandbits(128))

    def state(self) -> dict[str, object]:
        with self._lock:
            return self._state()

    def _state(self) -> dict[str, object]:
        return {kind: stream.getstate() for kind, stream in self._streams.items()}

    def take_drawn(self) -> dict[str, object]:
        """The state of each stream drawn from since the last call (what a state file must save)."""
        with self._lock:
            drawn, self._drawn = self._drawn, set()
            return {kind: self._streams[kind].getstate() for kind in drawn if kind in self._streams}

    def restore(self, state: dict[str, object]) -> None:
        with self._lock:
            self._streams = {}
            for kind, stream_state in state.items():
                stream = random.Random()
                stream.setstate(stream_state)  # type: ignore[arg-type]
                self._streams[kind] = stream


_UNBIASED_BELOW = 256 - 256 % len(ALPHANUMERIC)
_BIASED = bytes(range(_UNBIASED_BELOW, 256))
"""Bytes past the last whole multiple of the alphabet: dropped, so every character is equally likely."""
_TO_ALPHANUMERIC = bytes(ord(ALPHANUMERIC[b % len(ALPHANUMERIC)]) for b in range(256))


_VERSION_4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4_SET = (0x8000 << 48) | (4 << 76)


def uuid4_text(bits: int) -> str:
    """`str(uuid.UUID(int=bits, version=4))`, without building the UUID (every error answer
    carries one, as its correlation id)."""
    text = f"{(bits & _VERSION_4_CLEAR) | _VERSION_4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_SECRETS_PER_DRAW = 256


def _random_alphanumeric(length: int) -> str:
    """`length` characters from the CSPRNG: one OS call per token, and the bytes mapped onto the
    alphabet by `bytes.translate` (in C: a fixture world with 100,000 link tokens starts seconds
    sooner than with a character-by-character choice)."""
    chosen = b""
    while len(chosen) < length:
        chosen += secrets.token_bytes(2 * length).translate(_TO_ALPHANUMERIC, _BIASED)
    return chosen[:length].decode("ascii")
