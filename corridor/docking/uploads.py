"""What an uploaded attachment really is: a safe name, its size and digest, its type by content.

The name and type a browser sends are the sender's claim; the bytes decide. ``filetype``
reads the signature at the start of the file; Office files are opened as ZIP archives to
check they hold a document; a file with no signature is accepted as plain text only if
it is UTF-8 without NUL bytes and does not look like a web page. A name whose extension
claims one accepted type while the content is another ("report.pdf" holding HTML or an
executable) is refused, so nobody downloads a disguised file.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

MAX_NAME_LENGTH = 255
SIGNATURE_BYTES = 8192  # what filetype reads
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Kind:
    """An accepted type: what it is stored and served as, and the names it may have."""

    code: str
    content_type: str
    extensions: tuple[str, ...]
    label: str  # lazy translatable text


_OOXML = "application/vnd.openxmlformats-officedocument."
KINDS = (
    Kind("pdf", "application/pdf", ("pdf",), _("PDF")),
    Kind("png", "image/png", ("png",), _("PNG image")),
    Kind("jpeg", "image/jpeg", ("jpg", "jpeg"), _("JPEG image")),
    Kind("docx", _OOXML + "wordprocessingml.document", ("docx",), _("Word document (DOCX)")),
    Kind("xlsx", _OOXML + "spreadsheetml.sheet", ("xlsx",), _("Excel workbook (XLSX)")),
    Kind("pptx", _OOXML + "presentationml.presentation", ("pptx",), _("PowerPoint (PPTX)")),
    # A plain-text file may have no extension at all (notes, README).
    Kind("text", TEXT_TYPE, ("txt", "csv", "md", ""), _("plain text (UTF-8)")),
)
KIND_BY_MIME = {k.content_type: k for k in KINDS if k.code != "text"}
KIND_BY_EXTENSION = {ext: k for k in KINDS for ext in k.extensions if ext}
# The part of the archive that makes a ZIP an Office document of each kind.
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
# The file picker's filter (an <input accept>): endings and bare types, no parameters.
ACCEPT_ATTRIBUTE = ",".join(
    ["." + ext for k in KINDS for ext in k.extensions if ext]
    + [k.content_type.split(";")[0] for k in KINDS]
)
ACCEPTED_TYPES = _(
    "Accepted: PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), PowerPoint (PPTX) and plain text (UTF-8)."
)

# What browsers sniff as HTML or XML (WHATWG MIME Sniffing, "identifying a resource with an
# unknown MIME type"), plus SVG: a text file that starts like this is a web page, not notes.
_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font"
    rb"|table|a|style|title|b|body|br|p|svg|!--|\?xml)(?:[\s>/]|$)",
    re.IGNORECASE,
)
# Bidirectional controls make "invoice\u202egpj.exe" read as "invoiceexe.jpg".
_BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


class UploadError(ValueError):
    """A file that is not accepted; ``message`` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Inspected:
    """An uploaded file that passed: what to store about it."""

    name: str
    content_type: str
    size: int
    sha256: str
    kind: str


def safe_name(raw) -> str:
    """The name to show and to offer on download: no folders, no control characters, ≤255."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    # Both separators: a name from Windows ("C:\\Users\\a\\b.pdf") keeps only "b.pdf".
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        ch for ch in name.translate(_BIDI_CONTROLS) if unicodedata.category(ch) not in ("Cc", "Cs")
    )
    # Leading dots hide a file on Unix; trailing dots and spaces vanish on Windows.
    name = name.strip().lstrip(".").rstrip(". ")
    if not name:
        name = str(_("attachment"))
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return name


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def _ooxml_holds_document(upload, kind: Kind) -> bool:
    """A real Office file: a readable ZIP with a content-types part and the kind's main folder."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False
    finally:
        upload.seek(0)
    prefix = OOXML_PARTS[kind.code]
    return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)


def inspect(upload, *, max_bytes: int) -> Inspected:
    """Read ``upload`` (a Django ``UploadedFile``) in chunks and decide whether it is accepted.

    Raises :class:`UploadError` for a file that is empty, too big, of a type not on the
    list, or named as one type while holding another. Leaves the file at its start.
    """
    name = safe_name(getattr(upload, "name", ""))
    too_big = UploadError(
        _("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": format_size(max_bytes)}
    )
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise too_big

    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    # The declared size may lie (a client's Content-Length), so the bytes are counted.
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            upload.seek(0)
            raise too_big
        digest.update(chunk)
        if len(head) < SIGNATURE_BYTES:
            head += chunk[: SIGNATURE_BYTES - len(head)]
        if is_text:
            if b"\x00" in chunk:
                is_text = False
            else:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_text = False
    if is_text:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_text = False
    upload.seek(0)

    if size == 0:
        raise UploadError(_("“%(name)s” is empty.") % {"name": name})

    guess = filetype.guess(bytes(head))
    kind = KIND_BY_MIME.get(guess.mime) if guess is not None else None
    if kind is not None and kind.code in OOXML_PARTS and not _ooxml_holds_document(upload, kind):
        kind = None
    markup = guess is None and is_text and bool(_MARKUP.match(bytes(head)))
    if guess is None and is_text and not markup:
        kind = KIND_BY_EXTENSION["txt"]

    claimed = KIND_BY_EXTENSION.get(extension(name))
    if claimed is not None and claimed != kind:
        params = {"name": name, "claimed": claimed.label}
        if markup:
            message = _(
                "“%(name)s” is named like a file of type %(claimed)s, but it is a web page "
                "(HTML, SVG or XML), which is not accepted."
            )
        elif guess is not None:
            message = _(
                "“%(name)s” is named like a file of type %(claimed)s, but its content is of "
                "type %(type)s."
            )
            params["type"] = guess.mime
        else:
            message = _(
                "“%(name)s” is named like a file of type %(claimed)s, but its content is of "
                "another type."
            )
        raise UploadError(message % params)
    if kind is None:
        if markup:
            message = _("“%(name)s” is a web page (HTML, SVG or XML), which is not accepted.")
        elif guess is not None:
            message = _("“%(name)s” is of a type that is not accepted (%(type)s).")
        else:
            message = _("The content of “%(name)s” is not of an accepted type.")
        params = {"name": name, "type": guess.mime if guess is not None else ""}
        raise UploadError(format_lazy("{} {}", message % params, ACCEPTED_TYPES))
    if extension(name) not in kind.extensions:
        raise UploadError(
            _("“%(name)s” holds content of type %(kind)s; its name must end in %(endings)s.")
            % {
                "name": name,
                "kind": kind.label,
                "endings": ", ".join("." + e for e in kind.extensions if e),
            }
        )
    return Inspected(
        name=name,
        content_type=kind.content_type,
        size=size,
        sha256=digest.hexdigest(),
        kind=kind.code,
    )


def format_size(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size))
