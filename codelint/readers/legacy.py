"""Legacy word-processor files (.doc, .rtf, .odt): converted to DOCX by LibreOffice, then read.

codelint does not parse these formats itself. Where LibreOffice is installed it converts the
file headless into a private temporary folder, with a user profile of its own (so it never
touches, or waits on, the user's running LibreOffice, and parallel conversions do not share a
profile), under a time limit; the DOCX it writes is read by the DOCX reader, so the text,
clause numbers, tables, notes and comments follow the same rules as a Word file.

Choices (see also docs/dump.md):

* ``Document.format`` is the original format ("doc", "rtf" or "odt"), not "docx": locations
  are those of the converted copy, and a writer such as ``annotate`` must not treat the file
  as a .docx it can write back into. The first note says the file was converted and by what,
  so ``check`` and ``dump`` show it.
* LibreOffice is found through ``$CODELINT_SOFFICE`` (a path or a command name) when that is
  set, otherwise ``soffice`` or ``libreoffice`` on PATH. When it is absent the file is a
  one-line error saying what to install or do; nothing else is tried.
* A password-protected .doc or .odt is recognised before conversion (the encryption flag in
  the Word file's header, the encryption data in the ODF manifest): headless LibreOffice
  cannot ask for the password and would only fail or wait.
* The import filter is named (Word 97-2003, Word 6/95, RTF, ODF) rather than detected: left
  to itself LibreOffice imports a file its Word filter rejects as plain text.
* Every other failure is told apart by what LibreOffice did: it could not be started, it did
  not finish in time (killed with its whole process group), it wrote no output (it could not
  load the file: damaged, or not the format its content claims). The temporary folder is
  removed in every case.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

from codelint.document import Document
from codelint.errors import ReadError
from codelint.limits import Limits

#: What each legacy kind is called in messages.
LABELS = {
    "doc": ".doc (Word 97-2003)",
    "rtf": ".rtf (Rich Text Format)",
    "odt": ".odt (OpenDocument Text)",
}
#: Seconds a conversion may take at most, whatever ``limits.timeout`` says: a long .doc
#: converts in a few seconds, so a minute means LibreOffice is stuck.
MAX_CONVERSION_SECONDS = 60.0
#: Environment variable naming the LibreOffice program to use.
SOFFICE_ENV = "CODELINT_SOFFICE"

INSTALL_HINT = "install LibreOffice (Debian: libreoffice-writer-nogui) or save it as .docx"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: wIdent of the File Information Block that starts a Word 97-2003 WordDocument stream.
_FIB_MAGIC = b"\xec\xa5"
_FIB_ENCRYPTED = 0x0100


def find_soffice() -> str | None:
    """The LibreOffice program to run, or None when there is none.

    ``$CODELINT_SOFFICE`` wins when set (an empty value means "do not use LibreOffice"), so
    a user can point at an installation off PATH, and tests can simulate its absence.
    """
    configured = os.environ.get(SOFFICE_ENV)
    if configured is not None:
        configured = configured.strip()
        if not configured:
            return None
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        return shutil.which(configured)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def read_legacy(path: str, data: bytes, limits: Limits) -> Document:
    """Convert a .doc, .rtf or .odt held in ``data`` with LibreOffice and read the result."""
    from codelint.readers import sniff
    from codelint.readers.docx import read_docx

    kind = sniff(path, data)
    if kind not in LABELS:
        raise ReadError(path, f"not a legacy word-processor file (it looks like {kind})")
    label = LABELS[kind]
    problem = _refusal(kind, data)
    if problem:
        raise ReadError(path, problem)
    soffice = find_soffice()
    if soffice is None:
        where = os.environ.get(SOFFICE_ENV)
        found = f" (${SOFFICE_ENV}={where!r} is not a program)" if where else ""
        raise ReadError(
            path,
            f"{label} files are read through LibreOffice, which was not found{found}: "
            f"{INSTALL_HINT}",
        )
    converted = _convert(path, data, kind, label, soffice, limits)
    document = read_docx(path, converted, limits)
    document.format = kind
    document.notes.insert(
        0,
        f"converted from {label} by LibreOffice before reading; page and paragraph numbers "
        "are those of the converted .docx",
    )
    return document


def _refusal(kind: str, data: bytes) -> str | None:
    """Why the file cannot be converted at all (password protection), or None."""
    if kind == "doc":
        if not data.startswith(_OLE_MAGIC):
            return None
        if "WordDocument".encode("utf-16-le") not in data:
            return (
                "an OLE (Office 97-2003) file without a WordDocument stream: not a Word "
                "document (an Excel, PowerPoint or Outlook file?)"
            )
        if doc_is_encrypted(data):
            return "the Word file is password-protected (encrypted); save an unprotected copy"
    if kind == "odt" and odt_is_encrypted(data):
        return "the OpenDocument file is password-protected (encrypted); save an unprotected copy"
    return None


def doc_is_encrypted(data: bytes) -> bool:
    """Whether a Word 97-2003 file's File Information Block sets fEncrypted."""
    fib = word_document_stream(data, 64)
    return fib is not None and bool(int.from_bytes(fib[10:12], "little") & _FIB_ENCRYPTED)


def word_document_stream(data: bytes, length: int) -> bytes | None:
    """The first ``length`` bytes of the compound file's WordDocument stream, or None.

    A minimal reader of the Compound File Binary format (MS-CFB): the header, the FAT
    through the DIFAT, the directory, and the mini stream for streams under the cutoff.
    Every index is bounds-checked and every chain walk is bounded, so a damaged file gives
    None rather than an exception or a loop.
    """
    if len(data) < 512 or not data.startswith(_OLE_MAGIC):
        return None
    shift = int.from_bytes(data[30:32], "little")
    mini_shift = int.from_bytes(data[32:34], "little")
    if shift not in (9, 12) or mini_shift != 6:
        return None
    size, limit = 1 << shift, len(data) // 512 + 2

    def sector(number: int) -> bytes:
        start = (number + 1) * size
        return data[start : start + size] if 0 <= number < limit else b""

    def words(chunk: bytes) -> list[int]:
        return [int.from_bytes(chunk[i : i + 4], "little") for i in range(0, len(chunk) - 3, 4)]

    fat_sectors = [n for n in words(data[76:512]) if n < 0xFFFFFFFA]
    difat, hops = int.from_bytes(data[68:72], "little"), 0
    while difat < 0xFFFFFFFA and hops < limit:
        entries = words(sector(difat))
        fat_sectors += [n for n in entries[:-1] if n < 0xFFFFFFFA]
        difat, hops = (entries[-1] if entries else 0xFFFFFFFE), hops + 1
    fat = [n for number in fat_sectors for n in words(sector(number))]

    def chain(first: int, table: list[int]) -> list[int]:
        found: list[int] = []
        while 0 <= first < len(table) and len(found) < len(table):
            found.append(first)
            first = table[first]
        return found

    directory = b"".join(sector(n) for n in chain(int.from_bytes(data[48:52], "little"), fat))
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        return None
    for entry in entries:
        name_length = int.from_bytes(entry[64:66], "little")
        if entry[: max(0, name_length - 2)].decode("utf-16-le", "replace") != "WordDocument":
            continue
        first = int.from_bytes(entry[116:120], "little")
        stream_size = int.from_bytes(entry[120:124], "little")
        if stream_size >= int.from_bytes(data[56:60], "little"):
            stream = b"".join(sector(n) for n in chain(first, fat)[: length // size + 1])
        else:
            root = entries[0]
            mini_stream = b"".join(
                sector(n) for n in chain(int.from_bytes(root[116:120], "little"), fat)
            )
            mini_fat_first = int.from_bytes(data[60:64], "little")
            mini_fat = [n for s in chain(mini_fat_first, fat) for n in words(sector(s))]
            wanted = chain(first, mini_fat)[: length // 64 + 1]
            stream = b"".join(mini_stream[n * 64 : n * 64 + 64] for n in wanted)
        stream = stream[: min(length, stream_size)]
        return stream if stream[:2] == _FIB_MAGIC else None
    return None


def _import_filter(kind: str, data: bytes) -> str:
    """LibreOffice's import filter for ``kind``, named so that a damaged file fails to load.

    Left to detect the type itself, LibreOffice imports a file its Word filter rejects as
    plain text, and the binary would be linted as words.
    """
    if kind == "rtf":
        return "Rich Text Format"
    if kind == "odt":
        return "writer8"
    fib = word_document_stream(data, 64)
    if fib is not None and int.from_bytes(fib[2:4], "little") < 193:
        return "MS WinWord 6.0"  # nFib below Word 97's: a Word 6 or Word 95 file
    return "MS Word 97"


def odt_is_encrypted(data: bytes) -> bool:
    """Whether an ODF package's manifest declares encrypted members."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            manifest = archive.read("META-INF/manifest.xml")[: 4 * 1024 * 1024]
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False
    return b"encryption-data" in manifest


def _convert(path: str, data: bytes, kind: str, label: str, soffice: str, limits: Limits) -> bytes:
    """Run LibreOffice headless on a private copy of ``data``; the DOCX it writes."""
    timeout = min(limits.timeout, MAX_CONVERSION_SECONDS)
    with tempfile.TemporaryDirectory(prefix="codelint-soffice-") as folder:
        work = Path(folder)
        # A plain name of our own: the user's file name may hold characters LibreOffice
        # treats specially, and the extension chooses its import filter.
        source = work / f"input.{kind}"
        source.write_bytes(data)
        outdir = work / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            f"--infilter={_import_filter(kind, data)}",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=folder,
                env=_private_environment(work),
                start_new_session=True,  # its own process group, so a kill reaches soffice.bin
            )
        except OSError as exc:
            raise ReadError(
                path,
                f"LibreOffice ({soffice}) could not be started ({exc.strerror or exc}); "
                f"{INSTALL_HINT}",
            ) from None
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise ReadError(
                path,
                f"LibreOffice did not finish converting the {label} file within "
                f"{timeout:g} s (it may be waiting for a password, or the file is damaged); "
                "save it as .docx and lint that",
            ) from None
        except BaseException:
            _kill(process)
            raise
        result = outdir / "input.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise ReadError(path, _failure(label, process.returncode, err))
        return result.read_bytes()


def _private_environment(work: Path) -> dict[str, str]:
    """The environment for LibreOffice: its home and XDG folders inside ``work``.

    Its own profile is not enough: GLib's settings (dconf) would still write
    ``~/.cache/dconf`` and create ``~/.config`` in the user's home; reading a file must write
    nothing outside the temporary folder, which is removed afterwards.
    """
    env = dict(os.environ)
    home = work / "home"
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        GSETTINGS_BACKEND="memory",
    )
    return env


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End LibreOffice and the processes it started, then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()


def _failure(label: str, returncode: int | None, stderr: bytes) -> str:
    """The one-line cause when LibreOffice wrote no DOCX."""
    said = stderr.decode("utf-8", "replace")
    if "could not be loaded" in said:
        return (
            f"LibreOffice could not open the {label} file: it is damaged, password-protected "
            "or not really in that format; open it in Word or LibreOffice and save it as .docx"
        )
    lines = [
        line.strip()
        for line in said.splitlines()
        if line.strip() and "javaldx" not in line and "java may not function" not in line
    ]
    detail = f": {lines[-1][:160]}" if lines else ""
    return (
        f"LibreOffice wrote no .docx for the {label} file (exit status {returncode}){detail}; "
        "save it as .docx and lint that"
    )
