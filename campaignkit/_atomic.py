"""Write files and folders so that a kill at any moment leaves the old version or the new one, never a mix.

Every file the kit writes (world Parquet, validation results, feature stores, model checkpoints, reports)
goes through here. A file is written to a hidden temporary sibling (``.<name>.ck-tmp-<pid>-<tag><suffix>``),
flushed to disk and renamed over the target (:func:`os.replace` is atomic on one file system). A folder is
built the same way, then swapped with the old one in one step: ``renameat2(RENAME_EXCHANGE)`` where the
kernel and file system offer it, else two renames (old folder aside as ``.<name>.ck-old-<pid>-<tag>``,
new one into place), where a kill between the two leaves no folder under the name for a moment and the
next write puts the old one back. Leftovers of killed writers (temporaries whose process is gone) are
removed by the next write of the same target, or by :func:`clean_leftovers`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_bytes", "write_text", "clean_leftovers", "is_leftover"]

_TAG = re.compile(r"^\.(?P<name>.+)\.ck-(?P<kind>tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}(?P<suffix>\.[^.]*)?$")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _sibling(target: Path, kind: str) -> Path:
    # the target's suffix last, so tools that check it (papermill: .ipynb) accept the temporary
    return target.parent / f".{target.name}.ck-{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}{target.suffix}"


def is_leftover(path: str | Path) -> bool:
    """Whether ``path`` is the name of a temporary this module writes (for listings that skip them)."""
    return _TAG.match(Path(path).name) is not None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_leftovers(target: str | Path) -> list[Path]:
    """Remove the temporaries killed writers of ``target`` left behind; put an old folder back if needed.

    When a two-rename folder swap was killed between its renames, ``target`` is missing and its old version
    waits aside: it is renamed back, so the old version is what remains.

    Args:
        target: The file or folder a writer was replacing.

    Returns:
        The paths removed (or restored).
    """
    target = Path(target)
    if not target.parent.is_dir():
        return []
    done = []
    for entry in sorted(target.parent.iterdir()):
        m = _TAG.match(entry.name)
        if not m or m["name"] != target.name or _alive(int(m["pid"])):
            continue
        if m["kind"] == "old" and not os.path.lexists(target):
            os.rename(entry, target)
        else:
            _remove(entry)
        done.append(entry)
    return done


def _fsync_tree(path: Path) -> None:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # pragma: no cover - not Linux, or an old C library
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))  # pragma: no cover


def _commit(tmp: Path, target: Path) -> None:
    _fsync_tree(tmp)
    if tmp.is_dir() and target.exists():
        if not _exchange(tmp, target):
            old = _sibling(target, "old")
            os.rename(target, old)
            os.rename(tmp, target)
            tmp = old
        _fsync_dir(target.parent)
        _remove(tmp)  # now the old version
    else:
        os.replace(tmp, target)
        _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_path(target: str | Path, *, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to write; on success it replaces ``target`` in one step.

    Args:
        target: The file or folder to (re)place.
        folder: Yield an empty folder (else a file path that does not exist yet).

    Yields:
        The temporary path. If the ``with`` body raises, it is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    tmp = _sibling(target, "tmp")
    if folder:
        tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    _commit(tmp, target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; returns ``target``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically; returns ``target``."""
    return write_bytes(target, text.encode(encoding))
