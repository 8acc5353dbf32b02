"""XMP metadata for PDF/A-2u, written here rather than by fpdf2, whose generated packet stamps
the modification date with the current time (a document must depend only on its log)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def xmp_metadata(
    *,
    title: str,
    author: str,
    subject: str,
    creator: str,
    producer: str,
    created: datetime,
    document_id: str,
) -> str:
    """The XMP packet body: Dublin Core and PDF properties matching the Info dictionary, and
    the PDF/A identification (part 2, conformance U)."""
    stamp = created.astimezone(UTC).replace(microsecond=0).isoformat()
    return "\n".join(
        [
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            '  <rdf:Description rdf:about=""',
            '    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
            '    xmlns:dc="http://purl.org/dc/elements/1.1/"',
            '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
            '    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"',
            '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"',
            '    pdfaid:part="2"',
            '    pdfaid:conformance="U"',
            f'    xmp:CreatorTool="{_attr(creator)}"',
            f'    xmp:CreateDate="{stamp}"',
            f'    xmp:ModifyDate="{stamp}"',
            f'    xmp:MetadataDate="{stamp}"',
            f'    xmpMM:DocumentID="uuid:{_uuid_from_hash(document_id)}"',
            f'    pdf:Producer="{_attr(producer)}">',
            '   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(title)}</rdf:li></rdf:Alt></dc:title>",
            f"   <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>",
            '   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(subject)}</rdf:li></rdf:Alt></dc:description>",
            "   <dc:format>application/pdf</dc:format>",
            "  </rdf:Description>",
            " </rdf:RDF>",
            "</x:xmpmeta>",
        ]
    )


def _uuid_from_hash(head_hash: str) -> str:
    """A stable document id derived from the log head, shaped as a UUID."""
    h = (head_hash + "0" * 32)[:32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
