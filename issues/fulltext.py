"""Full-text search over Issues: title, culprit, message and exception values.

Each Issue has one search document (`IssueSearchText`): the words of its title and culprit and
of the messages and exception values (`Type: value`) its events brought, up to
MAX_DOCUMENT_CHARS. The document is stored already reduced to lowercase words separated by
spaces, so SQLite's FTS5 tokenizer and PostgreSQL's text parser (`simple` configuration) see the
same words, and a query finds on one database what it finds on the other. The index is:

- SQLite: an FTS5 table over the document (`issues_issuesearchtext_fts`, external content, kept
  in step by triggers, migration 0004);
- PostgreSQL: a stored generated column `search_vector` (`to_tsvector('simple', document)`,
  migration 0007) with a GIN index on it. Storing the vector matters when the planner checks
  documents row by row (a negated word's `NOT IN`, a phrase tested in list order): parsing even a
  short document again costs about 30 us, reading the stored vector almost nothing.

Digestion keeps the documents current in the batch's transaction (`add_batch_text`): at most one
read of the touched Issues' documents and one upsert per batch, none per event. A process
remembers which texts each Issue's document already holds (documents only grow), so the usual
batch, more events of known problems, touches neither table.

Queries (`matching_issue_ids`): a free word matches words that start with it (`data` finds
`database`); a quoted phrase matches those words in that order.
"""

import re
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from events.lru import BoundedLRU
from issues.models import Issue, IssueSearchText

MAX_DOCUMENT_CHARS = 4000
MAX_FRAGMENT_CHARS = 1000  # of one message or exception value
_WORD_RE = re.compile(r"[^\W_]+")
_READ_CHUNK = 500
_FULL = frozenset()  # marks an Issue whose document is full: nothing more is added

# Issue id -> the raw texts known to be in its document (or _FULL). Documents only grow, so
# what this says is true for every process; it is filled only once a batch has committed.
_known: BoundedLRU[int, set[str] | frozenset] = BoundedLRU(20_000, 16 * 1024 * 1024)

FTS_TABLE = "issues_issuesearchtext_fts"


def words(text: str) -> list[str]:
    """The lowercase words of `text`, as documents and queries are split."""
    return _WORD_RE.findall(text.lower())


def event_texts(title: str, culprit: str, message: str | None, exceptions: list[dict]) -> list[str]:
    """The texts of one event that search finds it by (cheap: no splitting here)."""
    texts = [title, culprit]
    if message:
        texts.append(message[:MAX_FRAGMENT_CHARS])
    for exception in exceptions:
        kind, value = exception.get("type"), exception.get("value")
        text = f"{kind or ''}: {value}" if value else (kind or "")
        if text:
            texts.append(text[:MAX_FRAGMENT_CHARS])
    return texts


def add_batch_text(project_id: int, texts_by_issue: dict[int, list[str]], new: set[int]) -> None:
    """Add a digest batch's texts to its Issues' documents (inside the batch's transaction)."""
    pending: dict[int, list[str]] = {}
    for issue_id, texts in texts_by_issue.items():
        known = _known.get(issue_id) if issue_id not in new else None
        if known is _FULL:
            continue
        unknown = list(dict.fromkeys(t for t in texts if t and (known is None or t not in known)))
        if unknown:
            pending[issue_id] = unknown
    if not pending:
        return
    current = _documents([i for i in pending if i not in new])
    rows, learned = [], {}
    for issue_id, texts in pending.items():
        document = current.get(issue_id, "")
        added = _extend(document, texts)
        if added != document:
            rows.append((issue_id, project_id, added))
        full = len(added) >= MAX_DOCUMENT_CHARS - 100
        learned[issue_id] = _FULL if full else set(texts)
    if rows:
        _upsert(rows)
    transaction.on_commit(lambda: _remember(learned))


def _extend(document: str, texts: list[str]) -> str:
    """`document` with the words of each text it does not contain yet, within the bound."""
    padded = f" {document} "
    parts = [document] if document else []
    size = len(document)
    for text in texts:
        fragment = " ".join(words(text))
        if not fragment or f" {fragment} " in padded:
            continue
        if size + len(fragment) + 1 > MAX_DOCUMENT_CHARS:
            break
        parts.append(fragment)
        padded += f"{fragment} "
        size += len(fragment) + 1
    return " ".join(parts)


def _documents(issue_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(issue_ids), _READ_CHUNK):
        chunk = issue_ids[start : start + _READ_CHUNK]
        rows = IssueSearchText.objects.filter(issue_id__in=chunk)
        found.update(rows.values_list("issue_id", "document"))
    return found


def _upsert(rows: list[tuple[int, int, str]]) -> None:
    table = connection.ops.quote_name(IssueSearchText._meta.db_table)
    sql = (
        f"INSERT INTO {table} (issue_id, project_id, document) VALUES (%s, %s, %s) "
        "ON CONFLICT (issue_id) DO UPDATE SET document = excluded.document"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _remember(learned: dict[int, set[str] | frozenset]) -> None:
    for issue_id, texts in learned.items():
        known = _known.get(issue_id)
        if texts is not _FULL and known is not None and known is not _FULL:
            texts = known | texts
        _known.put(issue_id, texts, 64 + sum(len(t) + 50 for t in texts))


def forget_all() -> None:
    """Drop what this process remembers (tests; after documents were rebuilt)."""
    _known.clear()


def document_text(texts: Iterable[str]) -> str:
    """A whole document from texts (for rebuilding documents outside digestion)."""
    return _extend("", list(dict.fromkeys(texts)))


def absorb_documents(target: Issue, source_ids: list[int]) -> None:
    """After merging Issues into `target`: its document gains the sources' words (bounded).

    Two queries; call it under the project's lock, as merging is.
    """
    documents = _documents([target.pk, *source_ids])
    parts = [documents.get(target.pk) or document_text([target.title, target.culprit])]
    parts += [documents[i] for i in source_ids if documents.get(i)]
    # The target's document only grows, so what processes remember of it stays true.
    _upsert([(target.pk, target.project_id, _extend("", parts))])


def create_document(issue: Issue) -> None:
    """A document for an Issue made outside digestion (an unmerged grouping's new Issue)."""
    _upsert([(issue.pk, issue.project_id, document_text([issue.title, issue.culprit]))])


# --- Queries ----------------------------------------------------------------------------------


def matching_issue_ids(project_id: int, terms: list[tuple[str, bool]], any_of: bool = False):
    """A subquery of the ids of the project's Issues whose documents match the terms.

    `terms` are (text, is_phrase): a word matches words starting with it, a phrase its words in
    order. All terms must match, or with `any_of` at least one. None when no term has a word
    (e.g. only punctuation), so the caller ignores it.
    """
    parts = [(words(text), phrase) for text, phrase in terms]
    parts = [(tokens, phrase) for tokens, phrase in parts if tokens]
    if not parts:
        return None
    if connection.vendor == "postgresql":
        return _postgres(project_id, parts, any_of)
    return _sqlite(project_id, parts, any_of)


def _sqlite(project_id: int, parts: list[tuple[list[str], bool]], any_of: bool) -> RawSQL:
    # Each term is an FTS5 phrase; a trailing * makes its last word a prefix. The words are
    # [^\W_]+ only, so nothing in them is FTS5 syntax.
    phrases = [f'"{" ".join(tokens)}"' + ("" if phrase else "*") for tokens, phrase in parts]
    expression = (" OR " if any_of else " AND ").join(phrases)
    base = connection.ops.quote_name(IssueSearchText._meta.db_table)
    sql = (
        f"SELECT t.issue_id FROM {FTS_TABLE} f JOIN {base} t ON t.issue_id = f.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND t.project_id = %s"
    )
    return RawSQL(sql, [expression, project_id])


def _postgres(project_id: int, parts: list[tuple[list[str], bool]], any_of: bool) -> RawSQL:
    # to_tsquery syntax from plain words: <-> joins a phrase's words, :* makes a prefix.
    queries = []
    for tokens, phrase in parts:
        query = " <-> ".join(tokens)
        queries.append(f"({query})" if phrase else f"({query}:*)")
    expression = (" | " if any_of else " & ").join(queries)
    base = connection.ops.quote_name(IssueSearchText._meta.db_table)
    sql = (
        f"SELECT issue_id FROM {base} WHERE search_vector "
        "@@ to_tsquery('simple'::regconfig, %s) AND project_id = %s"
    )
    return RawSQL(sql, [expression, project_id])
