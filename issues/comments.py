"""Comments on an Issue: plain text by team members; only the author edits or deletes one.

The text is stored as typed and escaped where it is shown (templates/issues/timeline.html runs
Django's `urlize` on the escaped text, so links become clickable and nothing else becomes markup).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from issues.models import Issue, IssueComment

MAX_COMMENT_LENGTH = 10_000


class CommentRefused(ValueError):
    """The comment cannot be saved or changed; the message says why."""


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CommentRefused("A comment cannot be empty.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentRefused(f"A comment is at most {MAX_COMMENT_LENGTH} characters.")
    return text


def add_comment(issue: Issue, user: AbstractBaseUser, text: str) -> IssueComment:
    return IssueComment.objects.create(issue=issue, user=user, text=_clean(text))


def own_comment(issue: Issue, user: AbstractBaseUser, comment_id: int) -> IssueComment:
    """The user's own comment on the Issue; anyone else's (or none) is refused alike."""
    comment = IssueComment.objects.filter(pk=comment_id, issue=issue, user_id=user.pk).first()
    if comment is None:
        raise CommentRefused("You can change only your own comments.")
    return comment


def edit_comment(issue: Issue, user: AbstractBaseUser, comment_id: int, text: str) -> None:
    comment = own_comment(issue, user, comment_id)
    comment.text, comment.edited_at = _clean(text), timezone.now()
    comment.save(update_fields=["text", "edited_at"])


def delete_comment(issue: Issue, user: AbstractBaseUser, comment_id: int) -> None:
    own_comment(issue, user, comment_id).delete()
