"""Cursor pagination as Sentry answers it: a `Link` header with a `previous` and a `next` link,
each saying whether it has results and which cursor to pass (sentry-cli follows `next` while
`results="true"`)."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse


def _link(request: HttpRequest, cursor: str, rel: str, results: bool) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    url = request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)
    # A cursor is ours (digits, ISO dates, `|`): never a quote or comma that would break the
    # header's syntax; urlencode keeps the URL part safe anyway.
    return f'<{url}>; rel="{rel}"; results="{str(results).lower()}"; cursor="{cursor}"'


def set_link_header(request: HttpRequest, response: HttpResponse, next_cursor: str | None) -> None:
    current = request.GET.get("cursor", "")
    response["Link"] = ", ".join(
        [
            _link(request, current, "previous", False),
            _link(request, next_cursor or current, "next", next_cursor is not None),
        ]
    )
