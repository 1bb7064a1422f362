"""The cast and the files of the introduction-thread tests.

The owner is Indus Robotics (Pakistan), whose robotic-arm offer is published; the sender
is Z-Park AI (China). Each side has a member and an admin; Pakistan's and China's
authority staff and the platform admin broker; staff of a third country's authority and
an outsider must learn nothing. Files are made here, byte by byte, and stored in a
temporary folder (the private media root is pointed at it for every test).

Imported with ``from .thread_fixtures import *`` by the thread test modules.
"""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.services.interest import interest_accept, interest_send

from ..factories import AuthorityFactory, UserFactory

__all__ = [
    "private_root",
    "sender_admin",
    "third_staff",
    "sent",
    "open_interest",
    "stored_files",
    "pdf_bytes",
    "png_bytes",
    "docx_bytes",
    "jpeg_bytes",
    "office_bytes",
    "upload",
    "PDF_TYPE",
    "PNG_TYPE",
    "DOCX_TYPE",
]

PDF_TYPE = "application/pdf"
PNG_TYPE = "image/png"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    """Attachments go to a temporary folder, never to the real var/private."""
    root = tmp_path / "private"
    settings.CORRIDOR_PRIVATE_MEDIA_ROOT = root
    return root


@pytest.fixture
def sender_admin(organisation_cn):
    user = UserFactory(username="cn_admin", first_name="Li", last_name="Wei")
    OrganisationMembership.objects.create(user=user, organisation=organisation_cn, role="admin")
    return user


@pytest.fixture
def third_staff(db):
    """Staff of an authority of neither side's country: brokers nothing here."""
    authority = AuthorityFactory(code="third", name_en="Third Authority", country="GB")
    user = UserFactory(username="staff_gb")
    AuthorityStaff.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def sent(published, organisation_cn, other_member, org_admin, sender_admin):
    """Z-Park AI's interest in the Pakistani offer, not answered yet."""
    return interest_send(
        profile=published,
        organisation=organisation_cn,
        by=other_member,
        message="We make textile machines in Beijing and would like to license your arm.",
        language="en",
    )


@pytest.fixture
def open_interest(sent, org_member):
    """Accepted and revealed at once (neither authority asks to approve reveals)."""
    interest = interest_accept(interest=sent, by=org_member)
    assert interest.status == "accepted" and interest.reveal == "revealed"
    return interest


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A real 1×1 PNG: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    """The smallest Word document: content types, the package relation, the body."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Terms</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    """The start of a JFIF file: what identifies a JPEG."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def office_bytes(folder: str) -> bytes:
    """A minimal Office Open XML package whose main part lives in ``folder`` (xl, ppt)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(f"{folder}/main.xml", '<?xml version="1.0"?><main/>')
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as the browser sends it: the name and type are the sender's claim."""
    return SimpleUploadedFile(name, content, content_type=content_type)
