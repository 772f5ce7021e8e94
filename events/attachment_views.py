"""An event's attachments: download (members of the project only) and a text preview.

The bytes come from a client, so they are never rendered by the browser: the download is
`application/octet-stream` with `Content-Disposition: attachment`, `X-Content-Type-Options:
nosniff` and a sandboxing Content-Security-Policy, whatever type the SDK claimed; the preview
is a page of escaped text.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from events.attachment_display import attachment_bytes, attachment_of_event, text_preview
from events.models import Attachment, Event
from issues.models import Issue
from issues.selectors import issue_for

DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def _attachment(
    request: HttpRequest, project_id: int, issue_id: int, event_pk: int, attachment_pk: int
) -> tuple[Issue, Event, Attachment]:
    # issue_for answers 404 to anyone outside the project's team, exactly as for a missing id.
    issue = issue_for(request.user, project_id, issue_id)
    event = get_object_or_404(Event, issue=issue, pk=event_pk)
    attachment = attachment_of_event(event, attachment_pk)
    if attachment is None:
        raise Http404("no such attachment")
    return issue, event, attachment


@login_required
def attachment_download(
    request: HttpRequest, project_id: int, issue_id: int, event_pk: int, attachment_pk: int
) -> HttpResponse:
    _, _, attachment = _attachment(request, project_id, issue_id, event_pk, attachment_pk)
    response = HttpResponse(attachment_bytes(attachment), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_preview(
    request: HttpRequest, project_id: int, issue_id: int, event_pk: int, attachment_pk: int
) -> HttpResponse:
    issue, event, attachment = _attachment(request, project_id, issue_id, event_pk, attachment_pk)
    preview = text_preview(attachment)
    if preview is None:
        raise Http404("this attachment has no text preview")
    text, cut = preview
    return render(
        request,
        "events/attachment_preview.html",
        {
            "project": issue.project,
            "issue": issue,
            "event": event,
            "attachment": attachment,
            "text": text,
            "cut": cut,
        },
    )
