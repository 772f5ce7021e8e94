"""Pages for the people who run the server: storage per project, and data subject requests."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render

from datapolicy.storage_report import database_files, project_storage
from datapolicy.subjects import KINDS, Subject, delete, export, find
from projects.access import is_superuser
from projects.models import Project


def _superuser_only(request: HttpRequest) -> None:
    # Not a 403: to everyone else these pages do not exist.
    if not is_superuser(request.user):
        raise Http404


@login_required
def storage(request: HttpRequest) -> HttpResponse:
    _superuser_only(request)
    projects = list(Project.objects.select_related("team").order_by("team__name", "name"))
    return render(
        request,
        "datapolicy/storage.html",
        {"rows": project_storage(projects), "files": database_files()},
    )


class SubjectForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("email", "Email address"), ("user_id", "User id"), ("ip", "IP address")]
    )
    value = forms.CharField(max_length=255)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") in KINDS and data.get("value"):
            try:
                data["subject"] = Subject(data["kind"], data["value"])
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return data


@login_required
def privacy_requests(request: HttpRequest) -> HttpResponse:
    """Find, export or delete one person's data across all projects."""
    _superuser_only(request)
    form = SubjectForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        subject = form.cleaned_data["subject"]
        action = request.POST.get("action")
        if action == "export":
            response = StreamingHttpResponse(export(subject), content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="subject-export.json"'
            return response
        if action == "delete":
            result = delete(subject)
            messages.success(
                request,
                f"Deleted {result.events} events, {result.spooled} spooled events, "
                f"{result.attachments} attachments and {result.feedback} feedback.",
            )
            return redirect("privacy-requests")
        found = find(subject)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "datapolicy/privacy.html", {"form": form, "found": found}, status=status)
