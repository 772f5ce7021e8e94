"""The user's API tokens (account settings): list, create (shown once), revoke."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.forms import TokenForm
from api.models import ApiToken
from api.signin import mark_signed_in, signed_in_recently
from api.tokens import create_token


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user).order_by("-is_enabled", "-created_at")
    return render(request, "api/tokens.html", {"tokens": tokens, "now": timezone.now()})


@login_required
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    ask_password = not signed_in_recently(request)
    form = TokenForm(request.POST or None, user=request.user, ask_password=ask_password)
    if request.method == "POST" and form.is_valid():
        if ask_password:
            mark_signed_in(request)  # the password was just confirmed
        days = form.cleaned_data["expires_in_days"]
        row, token = create_token(
            request.user,
            form.cleaned_data["scopes"],
            name=form.cleaned_data["name"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        # Rendered, not redirected: the token is shown this once and stored nowhere.
        return render(request, "api/token_created.html", {"row": row, "token": token})
    return render(request, "api/token_new.html", {"form": form})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if token.is_enabled:
        token.is_enabled = False
        token.save(update_fields=["is_enabled"])
        messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("api-tokens")
