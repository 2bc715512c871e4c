"""What the reader process sends its parent: length-prefixed pickles on a pipe.

Each frame is eight bytes of length, then a pickle of a `Piece` or of `Unreadable`; a
frame of length zero ends the file. Pickle is safe here, and the fastest way to move
Python objects between two processes: both ends are this package's own code in processes
the import started, and the pipe carries nothing anyone else wrote (the file's text is
inside the objects, never read as a pickle).
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from dataclasses import dataclass
from typing import BinaryIO

from dreamjobsearch.imports.pieces import Piece

_LENGTH = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """The file cannot be read past this point (a `DocumentError` in the reader process)."""

    message: str
    line: int | None


Message = Piece | Unreadable


def write_message(out: BinaryIO, message: Message | None) -> None:
    """Send `message` (None: the end of the file) and flush it to the parent."""
    data = b"" if message is None else pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


async def read_message(stream: asyncio.StreamReader) -> Message | None:
    """The next message (None: the end of the file); `asyncio.IncompleteReadError` when the
    reader process stopped without ending the file."""
    (length,) = _LENGTH.unpack(await stream.readexactly(_LENGTH.size))
    if not length:
        return None
    message: Message = pickle.loads(await stream.readexactly(length))  # noqa: S301 -- see above
    return message
