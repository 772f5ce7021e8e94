"""Legacy release files (sentry-cli 2.x `releases files VERSION upload|list|delete`)."""

from ninja import Router

router = Router(tags=["release files"])
