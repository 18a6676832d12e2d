"""Output files that are whole or absent: what every ``kgb export -o`` writes through.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "events.jsonl"
    >>> with atomic_output(target, "w", encoding="utf-8") as out:
    ...     _ = out.write("{}\\n")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('{}\\n', ['events.jsonl'])

A file is written under a temporary name in its own folder (``.NAME.tmp-XXXXXXXX``), flushed to disk and
only then renamed over the target (``os.replace``, atomic on one file system). So a failed or killed
export never leaves a half-written file that looks complete, and an earlier file at that path is kept
until the new one is whole. A failure removes the temporary file; a SIGKILL may leave it behind, under
that obvious name, but never touches the target.

A target that is not a regular file (``/dev/stdout``, ``/dev/full``, a FIFO) cannot be replaced by a
rename: it is written directly, and a write error there is reported like any other.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class OutputError(OSError):
    """An output file cannot be written; the message is one line for a human."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot write the output"


def is_stream_target(path: str | Path) -> bool:
    """True when ``path`` is something a rename cannot replace: a device, a FIFO, a socket, or a file a
    process has open (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``), which is written in place."""
    if _through_proc(path):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False               # nothing there yet (or unreadable): a file will be created
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _through_proc(path: str | Path) -> bool:
    """Does ``path`` lead, link by link, into /proc (an open file descriptor of a process)? Such a link
    resolves to the file behind the descriptor, which a rename would replace without reaching the
    descriptor: ``-o /dev/stdout >> log`` must append to log, not swap it for a new file."""
    current = _with_real_folder(path)
    for _ in range(40):            # a bound, as the kernel has, against link loops
        if current.startswith("/proc/"):
            return True
        if not os.path.islink(current):
            return False
        current = _with_real_folder(os.path.join(os.path.dirname(current), os.readlink(current)))
    return False


def _with_real_folder(path: str | Path) -> str:
    """``path`` with its folder's links resolved, its last part as it is (/dev/fd/1: /proc/self/fd/1)."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(os.path.realpath(folder), name)


def refuse_unwritable_target(path: str | Path) -> None:
    """Raise :class:`OutputError` when ``path`` can never be an output file: a directory."""
    if os.path.isdir(path):
        raise OutputError(f"cannot write {path}: it is a directory")


def _reason(err: OSError) -> str:
    return err.strerror or str(err) or type(err).__name__


class _PendingFile:
    """One output being written under a temporary name beside its target."""

    def __init__(self, target: str | Path, mode: str, open_kwargs: dict):
        self.shown = str(target)
        # Write beside what a symbolic link points to, so the link stays and its file is replaced.
        self.target = Path(os.path.realpath(target))
        refuse_unwritable_target(self.target)
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
        except OSError as err:
            raise OutputError(f"cannot write {self.shown}: {_reason(err)}") from None
        self.temp = Path(temp)
        self.file: IO = os.fdopen(fd, mode, **open_kwargs)

    def sync(self) -> None:
        """Everything on disk under the temporary name, with the permissions an ordinary file gets."""
        self.file.flush()
        os.fchmod(self.file.fileno(), _mode_for(self.target))
        os.fsync(self.file.fileno())
        self.file.close()

    def commit(self) -> None:
        os.replace(self.temp, self.target)
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass                   # the buffered bytes cannot be written: they are thrown away anyway
        try:
            self.temp.unlink()
        except FileNotFoundError:
            pass


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced, else those ``open()`` would give (0666 less umask);
    mkstemp's 0600 would make an export unreadable to everyone else."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system lets a folder be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_outputs(paths: Sequence[str | Path], mode: str = "w", **open_kwargs) -> Iterator[list[IO]]:
    """Open several output files that are replaced together: all of them are written and synced under
    temporary names before the first is renamed into place. Raises :class:`OutputError` (one line)
    when they cannot be written; then no target has changed and no temporary file is left."""
    pending: list[_PendingFile] = []
    shown = " + ".join(str(p) for p in paths)
    try:
        for path in paths:
            pending.append(_PendingFile(path, mode, open_kwargs))
        yield [p.file for p in pending]
        for p in pending:
            p.sync()
        for p in pending:
            p.commit()
    except OutputError:
        _discard(pending)
        raise
    except OSError as err:
        _discard(pending)
        raise OutputError(f"cannot write {shown}: {_reason(err)}") from None
    except BaseException:
        _discard(pending)
        raise


def _discard(pending: list[_PendingFile]) -> None:
    for p in pending:
        p.discard()


@contextmanager
def atomic_output(path: str | Path, mode: str = "w", **open_kwargs) -> Iterator[IO]:
    """Open ``path`` for writing so that it is replaced only once everything is written (see the module
    doc); a device, FIFO or ``/dev/stdout`` is written directly. ``open_kwargs`` go to ``open()``
    (``encoding``, ``newline``). Errors are :class:`OutputError`, one line naming the path."""
    if is_stream_target(path):
        with _direct_output(path, mode, open_kwargs) as out:
            yield out
        return
    with atomic_outputs([path], mode, **open_kwargs) as (out,):
        yield out


@contextmanager
def _direct_output(path: str | Path, mode: str, open_kwargs: dict) -> Iterator[IO]:
    try:
        out = open(path, mode, **open_kwargs)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_reason(err)}") from None
    try:
        yield out
        out.close()                # a full device fails here, when the buffer is written
    except BrokenPipeError:
        _close_quietly(out)
        raise                      # the reader went away (-o /dev/stdout | head): the CLI's own case
    except OSError as err:
        _close_quietly(out)
        raise OutputError(f"cannot write {path}: {_reason(err)}") from None
    except BaseException:
        _close_quietly(out)
        raise


def _close_quietly(out: IO) -> None:
    try:
        out.close()
    except OSError:
        pass
