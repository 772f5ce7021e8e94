"""Server-side scrubbing: secrets and personal data are replaced before anything is stored.

An event is scrubbed in place after its grouping hash is computed (the hash is one-way, so it
gives nothing away, and frozen grouping versions keep their hashes) and before its title,
culprit, tags and document are derived from it. Its free-form data, which grouping never reads,
is scrubbed earlier, while normalization copies it (`normalize_event`'s `scrubber`), so that
the biggest part of an event is walked once. Three rules apply:

* Keys. A value whose key names a secret is replaced with `[Filtered]`, whatever its type. A
  key is split into words on `_`, `-`, `.`, spaces and camelCase, compared case-insensitively.
  `ANYWHERE_WORDS` match as a word anywhere in the key (`X-Auth-Token`, `db_password`), word pairs
  such as `api key` match as neighbours (`x-api-key`), and `WHOLE_KEYS` (short or ambiguous
  words such as `auth` and `session`) match only the whole key. A project adds keys (as words) or
  `/regular expressions/` (on the whole key), and keeps keys; the keep-list wins.
* Card numbers. Digit runs of 13 to 19 digits (spaces or dashes allowed between them) that pass
  the Luhn check are replaced in every string.
* IP addresses. A project keeps, anonymizes (last IPv4 octet, last 80 IPv6 bits zeroed) or drops
  the user's address, in `user.ip_address`, `REMOTE_ADDR` and the forwarding headers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FILTERED = "[Filtered]"

ANYWHERE_WORDS = frozenset(
    {
        "password",
        "passwords",
        "passwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "apikey",
        "authorization",
        "cookie",
        "cookies",
        "credential",
        "credentials",
        "csrf",
    }
)
WORD_PAIRS = frozenset({("api", "key"), ("private", "key"), ("credit", "card")})
WHOLE_KEYS = frozenset(
    {"auth", "session", "sessionid", "csrftoken", "xsrftoken", "pwd", "privatekey", "creditcard"}
)
# The forwarding headers that carry the client's address (compared lowercased, `-` or `_`).
_IP_HEADERS = frozenset({"x-forwarded-for", "x-real-ip", "remote-addr", "remote_addr"})

_MIN_CARD_LENGTH = 13
_URL_KEYS = frozenset({"url", "from", "to", "href"})
# The keys whose string values `_keyed_text` reads as URLs or query strings.
_KEYED_TEXT_KEYS = _URL_KEYS | {"query_string"}
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# Strings are first checked for enough digits to hold a card number: deleting the digits of
# the string's bytes is a C loop over a table, several times cheaper than `_CARD.search`, which
# tries its look-behind at every position (20 us for a 700-character repr), and most strings
# (reprs, names, paths) fail it.
_DIGITS = b"0123456789"
# Many strings at once (`Scrubber.flush`): their text, joined by NULs, is turned by one table into
# marks (digits "0", spaces and dashes dropped, NUL kept, anything else "x"). A card number is 13
# digits or more with at most a space or dash between them, so it leaves 13 "0"s in a row: only
# the strings whose marks hold such a row take `text`, most events' none at all.
_CARD_MARKS = bytes(48 if 48 <= b <= 57 else b if b == 0 else 120 for b in range(256))
_CARD_SEPARATORS = b" -"
_CARD_DIGITS = b"0" * _MIN_CARD_LENGTH
# A tuple, not `dict | list`: isinstance with a union is several times slower, and this check
# runs for every value of every event.
_CONTAINERS = (dict, list)
_WORD_SPLIT = re.compile(r"[_\-.\s/:]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


class IpMode:
    KEEP = "keep"
    ANONYMIZE = "anonymize"
    DROP = "drop"


def key_words(key: str) -> list[str]:
    """`X-Api-Key` -> ["x", "api", "key"]; `accessToken` -> ["access", "token"]."""
    words = []
    for part in _WORD_SPLIT.split(key):
        words.extend(word.lower() for word in _CAMEL.findall(part))
    return words


def default_key_matches(key: str) -> bool:
    """Whether the built-in deny-list names this key."""
    if key.lower().strip() in WHOLE_KEYS:
        return True
    words = key_words(key)
    if any(word in ANYWHERE_WORDS for word in words):
        return True
    return any(pair in WORD_PAIRS for pair in zip(words, words[1:], strict=False))


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def anonymize_ip(value: str) -> str:
    """The network part of an address: 203.0.113.77 -> 203.0.113.0; IPv6 keeps 48 bits."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return FILTERED  # not an address: nothing anonymous can be kept of it
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return str(network.network_address)


@dataclass
class Rules:
    """One project's scrubbing rules, compiled once and reused for every event of a batch."""

    extra_words: frozenset[str] = frozenset()
    extra_patterns: tuple[re.Pattern[str], ...] = ()
    keep: frozenset[str] = frozenset()
    ip_mode: str = IpMode.KEEP
    _cache: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        extra: Iterable[str] = (),
        keep: Iterable[str] = (),
        ip_mode: str = IpMode.KEEP,
        strict: bool = False,
    ) -> Rules:
        """Rules from a project's lists: `/regex/` entries match whole keys, others are words.

        An invalid regular expression raises re.error when `strict` (forms check rules before
        they are saved) and is skipped otherwise (a rule saved some other way never stops
        digestion).
        """
        words, patterns = set(), []
        for entry in extra:
            entry = entry.strip()
            if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
                try:
                    patterns.append(re.compile(entry[1:-1], re.IGNORECASE))
                except re.error:
                    if strict:
                        raise
            elif entry:
                words.add(entry.lower())
        kept = frozenset(entry.strip().lower() for entry in keep if entry.strip())
        return cls(frozenset(words), tuple(patterns), kept, ip_mode)

    def key_matches(self, key: str) -> bool:
        known = self._cache.get(key)
        if known is None:
            known = self._cache[key] = self._decide(key)
            if len(self._cache) > 10_000:  # hostile events invent keys without end
                self._cache.clear()
        return known

    def _decide(self, key: str) -> bool:
        lowered = key.lower().strip()
        if lowered in self.keep:
            return False
        if default_key_matches(key):
            return True
        if self.extra_words and (
            lowered in self.extra_words or not self.extra_words.isdisjoint(key_words(key))
        ):
            return True
        return any(pattern.search(key) for pattern in self.extra_patterns)


DEFAULT_RULES = Rules()


class Scrubber:
    """Scrubs one event's structures in place and counts what it replaced."""

    # Shorter strings hold no card number; only URL-like keys' values are read below it.
    MIN_TEXT_LENGTH = _MIN_CARD_LENGTH
    KEYED_TEXT_KEYS = _KEYED_TEXT_KEYS

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.count = 0
        # Strings whose card search waits for `flush`: (container, key or index, text).
        self.pending: list[tuple[Any, Any, str]] = []
        # What the rules decided about keys seen before: read directly by the loops that run
        # for every key of every event (here, and in events.normalize.data's copy).
        self.decided_keys = rules._cache

    def value(self, value: Any, depth: int = 0) -> Any:
        """`value` with secrets replaced (containers in place, strings returned new)."""
        if isinstance(value, str):
            return self.text(value) if len(value) >= _MIN_CARD_LENGTH else value
        if depth > 64:  # normalized data is bounded far below this; a guard, not a limit
            return value
        pending = self.pending
        if isinstance(value, dict):
            decided = self.decided_keys
            # Replacing the values of existing keys while iterating is allowed (no resize).
            for key, item in value.items():
                hit = decided.get(key)
                if hit is None:
                    hit = self.rules.key_matches(key)
                if hit:
                    new = self.filtered(item)
                    if new is not item:
                        value[key] = new
                elif isinstance(item, str):
                    if key in _KEYED_TEXT_KEYS:
                        new = self.entry_text(key, item)
                        if new is not item:
                            value[key] = new
                    elif len(item) >= _MIN_CARD_LENGTH:
                        pending.append((value, key, item))
                elif isinstance(item, _CONTAINERS):
                    self.value(item, depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    if len(item) >= _MIN_CARD_LENGTH:
                        pending.append((value, index, item))
                elif isinstance(item, _CONTAINERS):
                    self.value(item, depth + 1)
        if depth == 0:
            self.flush()
        return value

    def flush(self) -> None:
        """Search the strings in `pending` for card numbers, all at once, and replace each
        string that holds one where it stands (unless something else was put there since)."""
        pending = self.pending
        if not pending:
            return
        self.pending = []
        texts = [text for _, _, text in pending]
        for index in _card_candidates(texts):
            container, key, text = pending[index]
            if container[key] is text:
                container[key] = self.text(text)

    def filtered(self, value: Any) -> Any:
        """What a value under a secret key becomes: `[Filtered]`, unless there is nothing."""
        if value is None or value == "" or value == FILTERED:
            return value
        self.count += 1
        return FILTERED

    def entry_text(self, key: str, text: str) -> str:
        """A string under a key the rules let through: URLs and query strings are read as such,
        other text is searched for card numbers."""
        if key in _KEYED_TEXT_KEYS:
            if len(text) >= _MIN_CARD_LENGTH or key == "url" or key == "query_string":
                return self._keyed_text(key, text)
            return text
        return self.text(text)

    def pairs(self, pairs: list[list[str]] | None) -> None:
        """Headers and cookies as `[[key, value], ...]`."""
        for pair in pairs or ():
            key, val = pair
            if self.rules.key_matches(key):
                if val:
                    pair[1] = FILTERED
                    self.count += 1
            else:
                pair[1] = self._keyed_text(key, val)

    def text(self, text: str) -> str:
        """`text` with card numbers replaced; the same object when there is none."""
        length = len(text)
        if length < _MIN_CARD_LENGTH:
            return text
        if (
            text.isascii()  # `\d` also matches other scripts' digits: those take the regex
            and length - len(text.encode("ascii").translate(None, _DIGITS)) < _MIN_CARD_LENGTH
        ):
            return text  # fewer digits than the shortest card number
        if not _CARD.search(text):
            return text
        return _CARD.sub(self._card, text)

    def url(self, url: str | None) -> str | None:
        """A URL with the values of sensitive query parameters replaced."""
        if not url or "?" not in url:
            return self.text(url) if url else url
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        query = self.query(parts.query)
        return self.text(urlunsplit(parts._replace(query=query)))

    def query(self, query: str | None) -> str | None:
        if not query or "=" not in query:
            return query
        pairs = parse_qsl(query, keep_blank_values=True)
        changed = False
        for index, (key, val) in enumerate(pairs):
            if val and self.rules.key_matches(key):
                pairs[index] = (key, FILTERED)
                self.count += 1
                changed = True
        return urlencode(pairs, safe="[]") if changed else self.text(query)

    def _keyed_text(self, key: str, text: str) -> str:
        if key == "query_string":
            return self.query(text) or text
        if key in _URL_KEYS:
            return self.url(text) or text
        return self.text(text)

    def _card(self, match: re.Match[str]) -> str:
        digits = match.group().replace(" ", "").replace("-", "")
        if not luhn_valid(digits):
            return match.group()
        self.count += 1
        return FILTERED


def scrub_event(event: Any, rules: Rules, scrubber: Scrubber | None = None) -> int:
    """Scrub a NormalizedEvent in place; returns how many values were replaced.

    Free-form data (frame variables, request body and env, user, contexts, extra, breadcrumb
    and mechanism data, processing errors) is walked key by key; messages and exception values
    are searched for card numbers. Source context lines and frame locations are code, not data,
    and are left alone.

    `scrubber` is the one `normalize_event` was given: it scrubbed the free-form data while
    copying it, so only the rest is scrubbed here, and its count goes on.
    """
    data_done = scrubber is not None
    if scrubber is None:
        scrubber = Scrubber(rules)
    if event.message:
        event.message = scrubber.text(event.message)
    for exception in event.exceptions:
        _scrub_exception(scrubber, exception, data_done)
    if not data_done:
        for thread in event.threads:
            _scrub_frames(scrubber, thread.get("stacktrace"))
        _scrub_frames(scrubber, event.stacktrace)
    for crumb in event.breadcrumbs:
        message = crumb.get("message")
        if message and len(message) >= _MIN_CARD_LENGTH:
            scrubber.pending.append((crumb, "message", message))
        if crumb.get("data") and not data_done:
            scrubber.value(crumb["data"])
    scrubber.flush()
    if event.request:
        _scrub_request(scrubber, event.request, data_done)
    if event.user and not data_done:
        scrubber.value(event.user)
    if event.tags:
        event.tags = [(key, _tag_value(scrubber, key, value)) for key, value in event.tags]
    if not data_done:
        scrubber.value(event.contexts)
        scrubber.value(event.extra)
    for error in event.errors:
        _scrub_problem(scrubber, error)
    if rules.ip_mode != IpMode.KEEP:
        _handle_ips(event, rules.ip_mode)
    if scrubber.count:
        event.errors.append(
            {
                "type": "scrubbed",
                "name": "data scrubbing",
                "value": f"{scrubber.count} value(s) replaced with {FILTERED}",
            }
        )
    return scrubber.count


def _card_candidates(texts: Sequence[str]) -> Sequence[int]:
    """The indexes of the strings that could hold a card number (a superset, never fewer)."""
    everything = range(len(texts))
    joined = "\x00".join(texts)
    if not joined.isascii():
        return everything  # `\d` also matches other scripts' digits: all take the regex
    marks = joined.encode("ascii").translate(_CARD_MARKS, _CARD_SEPARATORS)
    if _CARD_DIGITS not in marks:
        return ()
    per_text = marks.split(b"\x00")
    if len(per_text) != len(texts):
        return everything  # a string held a NUL of its own: no telling which is which
    return list(compress(everything, map(bytes.__contains__, per_text, repeat(_CARD_DIGITS))))


def scrub_value(value: Any, rules: Rules) -> Any:
    """Any other structure made from an event (its grouping components): scrubbed the same way."""
    return Scrubber(rules).value(value)


def _scrub_exception(scrubber: Scrubber, exception: dict[str, Any], data_done: bool) -> None:
    if exception.get("value"):
        exception["value"] = scrubber.text(exception["value"])
    if data_done:
        return
    mechanism = exception.get("mechanism")
    if isinstance(mechanism, dict) and mechanism.get("data"):
        scrubber.value(mechanism["data"])
    _scrub_frames(scrubber, exception.get("stacktrace"))


def _scrub_frames(scrubber: Scrubber, stacktrace: dict[str, Any] | None) -> None:
    for frame in (stacktrace or {}).get("frames") or ():
        if frame.get("vars"):
            scrubber.value(frame["vars"])


def _scrub_request(scrubber: Scrubber, request: dict[str, Any], data_done: bool) -> None:
    request["url"] = scrubber.url(request.get("url"))
    request["query_string"] = scrubber.query(request.get("query_string"))
    scrubber.pairs(request.get("headers"))
    cookies = request.get("cookies")
    if isinstance(cookies, str) and cookies:
        request["cookies"] = FILTERED  # a Cookie header's raw form: every value is a cookie
        scrubber.count += 1
    elif isinstance(cookies, list):
        scrubber.pairs(cookies)
    data = request.get("data")
    if isinstance(data, str):
        request["data"] = scrubber.query(data) if "=" in data else scrubber.text(data)
    elif data is not None and not data_done:
        scrubber.value(data)
    if request.get("env") and not data_done:
        scrubber.value(request["env"])


def _tag_value(scrubber: Scrubber, key: str, value: str) -> str:
    if scrubber.rules.key_matches(key):
        scrubber.count += 1
        return FILTERED
    if key == "url":
        return scrubber.url(value) or value
    return scrubber.text(value)


def _scrub_problem(scrubber: Scrubber, error: dict[str, Any]) -> None:
    """Processing errors quote the value they are about: scrub it by the field's name."""
    value = error.get("value")
    if not isinstance(value, str):
        return
    name = str(error.get("name") or "")
    last = name.rsplit(".", 1)[-1]
    if any(scrubber.rules.key_matches(part) for part in (last, name)):
        error["value"] = FILTERED
        scrubber.count += 1
    else:
        error["value"] = scrubber.text(value)


def _handle_ips(event: Any, mode: str) -> None:
    def replace(value: str) -> str | None:
        if mode == IpMode.DROP:
            return None
        return ", ".join(anonymize_ip(part) for part in value.split(","))

    if event.user and event.user.get("ip_address"):
        new = replace(event.user["ip_address"])
        if new is None:
            del event.user["ip_address"]
        else:
            event.user["ip_address"] = new
    request = event.request or {}
    env = request.get("env") or {}
    for key in list(env):
        if key.upper() == "REMOTE_ADDR" and isinstance(env[key], str):
            new = replace(env[key])
            if new is None:
                del env[key]
            else:
                env[key] = new
    headers = request.get("headers") or []
    kept = []
    for pair in headers:
        if pair[0].lower() in _IP_HEADERS:
            new = replace(pair[1])
            if new is None:
                continue
            pair[1] = new
        kept.append(pair)
    if headers:
        request["headers"] = kept
