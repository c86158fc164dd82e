"""Admin pages for loading a servicing tape: upload, preview, confirm (post/redirect/get).

Uploading checks the whole file and classifies each row against the database without writing
loan data (a previewed ImportRun); confirming applies the same file, which must not have
changed, in one transaction.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role, role_required
from imports.forms import TapeUploadForm
from imports.models import ImportRun
from imports.services import tape_import
from imports.tape import COLUMNS
from lossmit.errors import DomainError

RECENT_RUNS = 20


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports" / "tapes"
    path.mkdir(parents=True, exist_ok=True)
    return path


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def tape_upload(request: HttpRequest) -> HttpResponse:
    # Bound on every POST: a post without a file must say so, not show a blank form again.
    posted = request.method == "POST"
    form = TapeUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = _upload_dir() / f"{uuid.uuid4().hex}.csv"
        with stored.open("wb") as handle:
            for block in upload.chunks():
                handle.write(block)
        run = tape_import(path=stored, file_name=upload.name[:255], actor=request.user, dry_run=True)
        run.stored_path = str(stored)
        run.save(update_fields=["stored_path"])
        if run.status == ImportRun.Status.REJECTED:
            stored.unlink(missing_ok=True)  # a rejected file is never applied; keep only its report
        return redirect("imports:run", run_id=run.pk)
    runs = ImportRun.objects.filter(kind=ImportRun.Kind.TAPE).select_related("created_by")[:RECENT_RUNS]
    return render(request, "imports/tape_upload.html", {"form": form, "columns": COLUMNS, "runs": runs})


@role_required(Role.ADMIN)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=run_id)
    return render(request, "imports/run_detail.html", {"run": run, "columns": COLUMNS})


@role_required(Role.ADMIN)
@require_POST
def tape_apply(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=run_id, kind=ImportRun.Kind.TAPE)
    stored = Path(run.stored_path) if run.stored_path else None
    if stored is None or not stored.is_file():
        messages.error(request, "The uploaded file is no longer available; upload it again.")
        return redirect("imports:run", run_id=run.pk)
    try:
        run = tape_import(path=stored, file_name=run.file_name, actor=request.user, run=run)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:run", run_id=run.pk)
    if run.status == ImportRun.Status.APPLIED:
        stored.unlink(missing_ok=True)
        messages.success(
            request,
            f"Loaded {run.rows_total} row(s): {run.rows_new} new, {run.rows_updated} updated, "
            f"{run.rows_unchanged} unchanged.",
        )
    else:
        messages.error(request, f"Nothing was loaded: {run.error_count} error(s) found.")
    return redirect("imports:run", run_id=run.pk)
