"""Streamed, audited CSV exports of the lists a manager sees (issue 8, "Export").

The dashboard's tables stream the same way (delinquency/views/manager.py). A list export reads
its rows with `QuerySet.iterator(chunk_size=...)` and writes each CSV line as it goes, so a
million-row list never sits in memory: the server holds one chunk at a time. Each export is
audited before the first byte leaves: who, which list, with which filters, how many rows.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.services import audit_record

# Rows fetched per round trip while streaming (PostgreSQL: a server-side cursor's fetch size).
EXPORT_CHUNK_SIZE = 2000


class _Echo:
    """A file-like object whose write returns the line, so csv.writer yields strings."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_response(*, name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed CSV download named lossmit-<name>-<today>.csv."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="lossmit-{name}-{stamp}.csv"'
    return response


def export_audit(*, actor, list_name: str, filters: dict[str, Any], rows: int) -> None:
    """One audit row per export: who exported which list, filtered how, how many rows."""
    audit_record(
        actor=actor,
        action=f"{list_name}.export",
        obj=actor,
        after={"list": list_name, "filters": filters, "rows": rows},
        note=f"Exported the {list_name} list as CSV ({rows} row(s))",
    )
