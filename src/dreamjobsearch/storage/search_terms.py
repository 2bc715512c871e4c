"""The search index's text encoding: the ranking rule (`domain/ranking.py`) as exact token equality.

Text is cut into *atoms*: maximal runs of word characters (regex `\\w`) and single other
characters, white space only separating them. Each atom becomes one index token carrying
what the rule's boundaries need to know:

- whether white space comes before it (it starts a white-space-separated chunk), so a phrase
  (`machine learning`: white space between) differs from `node.js` (atoms side by side);
- for a word atom, whether `+` or `#` follows it at once, so `C` does not match `C++`.

A keyword is encoded the same way, and it matches exactly when its tokens occur at
consecutive positions of one field (title or description): a full-text engine's phrase
query. Why this equals the regex rule: every word-run of a keyword lies between the
keyword's own symbols, white space, or a boundary the rule checks, so it must equal a whole
word-run of the text; the only flag a keyword cannot fix is whether white space precedes its
first atom (the rule allows either), hence two variants of the first token.

Case is folded exactly as Python's `re.IGNORECASE` does (simple lower case, plus the few
extra equivalences `re` knows, like the long s U+017F and `s`), so index and rule agree on
every character.
The one equivalence class that mixes word and non-word characters (Greek iota and the
combining ypogegrammeni, U+0345) cannot be encoded this way; keywords containing it are
matched by the regex itself (`needs_regex`).

Tokens are ASCII letters and digits only, so both SQLite FTS5 and PostgreSQL's tsvector
keep them intact: a flag letter, then `0` and the folded atom when that is short ASCII, or
`1` and a hash of it otherwise.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from dreamjobsearch.dedupe import description_words


def _re_extra_cases() -> dict[int, tuple[int, ...]]:
    """Python's own table of the extra case equivalences of `re.IGNORECASE` (long s and s, ...).

    A private module of `re` (CPython 3.11 and later); the tests check our folding against
    `re` itself, so a change there shows at once.
    """
    try:
        module = importlib.import_module("re._casefix")
    except ImportError:  # pragma: no cover -- present on every CPython this project supports
        return {}
    cases: dict[int, tuple[int, ...]] = module._EXTRA_CASES
    return cases


_RE_EXTRA_CASES = _re_extra_cases()

_ATOM = re.compile(r"(\w+)|.", re.DOTALL)
_PLAIN = re.compile(r"[a-z0-9]{1,60}")
_AFTER_WORD = frozenset("+#")
# Folds onto U+0345, a non-word character equivalent to word characters (see the docstring).
_MIXED_CLASS = "\u0345"
# Flag letters: word atoms by (starts a chunk, followed by + or #), symbols by (starts a chunk).
_WORD_FLAGS = {(False, False): "a", (True, False): "b", (False, True): "c", (True, True): "d"}
_SYMBOL_FLAGS = {False: "e", True: "f"}


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """`char` case-folded as `re.IGNORECASE` compares it: one representative per class."""
    lower = char.lower()
    # Only U+0130 (İ) lower-cases to two characters; its simple lower case is the first.
    lower = lower[0] if len(lower) != 1 else lower
    extra = _RE_EXTRA_CASES.get(ord(lower))
    return chr(min(ord(lower), *extra)) if extra else lower


def fold(text: str) -> str:
    """`text` case-folded character by character, as `re.IGNORECASE` compares."""
    if text.isascii():
        return text.lower()
    return "".join(map(fold_char, text))


def _body(atom: str) -> str:
    folded = fold(atom)
    if _PLAIN.fullmatch(folded):
        return "0" + folded
    digest = hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=10)
    return "1" + digest.hexdigest()


def _atom_tokens(chunk: str) -> list[tuple[str, bool, bool]]:
    """`(body, is_word, followed_by_plus_or_hash)` of each atom of a white-space-free chunk."""
    atoms = []
    for match in _ATOM.finditer(chunk):
        atom = match.group()
        # The regex decides what a word character is, exactly as the rule's `\w` does.
        is_word = match.group(1) is not None
        followed = is_word and chunk[match.end() : match.end() + 1] in _AFTER_WORD
        atoms.append((_body(atom), is_word, followed))
    return atoms


def _token(body: str, is_word: bool, followed: bool, starts: bool) -> str:
    flag = _WORD_FLAGS[(starts, followed)] if is_word else _SYMBOL_FLAGS[starts]
    return flag + body


@lru_cache(maxsize=65536)
def _chunk_encoding(chunk: str) -> tuple[tuple[str, ...], str]:
    # Texts repeat their chunks ("experience", "Python,"): cached, encoding is mostly
    # lookups, and the one lookup serves both the index and the description hash.
    tokens = tuple(
        _token(body, is_word, followed, index == 0)
        for index, (body, is_word, followed) in enumerate(_atom_tokens(chunk))
    )
    return tokens, description_words(chunk)


def text_tokens(text: str) -> list[str]:
    """The index tokens of a title or a description, in order."""
    tokens: list[str] = []
    for chunk in text.split():
        tokens.extend(_chunk_encoding(chunk)[0])
    return tokens


def tokens_and_words(text: str) -> tuple[list[str], str]:
    """The index tokens of a description and its `description_words` (what its dedupe
    hash reads), in one pass over its chunks: an import needs both of every posting."""
    tokens: list[str] = []
    words: list[str] = []
    for chunk in text.split():
        chunk_tokens, chunk_words = _chunk_encoding(chunk)
        tokens.extend(chunk_tokens)
        if chunk_words:
            words.append(chunk_words)
    return tokens, " ".join(words)


class _ChunkCache(dict[str, str]):
    """One text of each chunk (`encode(chunk)`), computed the first time it is asked for.

    A plain dict with `__missing__`: a description's index text is then one `join` of
    lookups done in C instead of a Python loop over its chunks (10,000 descriptions
    0.44-0.53 s to 0.36-0.42 s). Cleared once it holds `limit` chunks: it stays bounded.
    """

    def __init__(self, encode: Callable[[str], str], limit: int = 65536) -> None:
        super().__init__()
        self._encode = encode
        self._limit = limit

    def __missing__(self, chunk: str) -> str:
        if len(self) >= self._limit:
            self.clear()
        self[chunk] = encoded = self._encode(chunk)
        return encoded


_TOKEN_TEXTS = _ChunkCache(lambda chunk: " ".join(_chunk_encoding(chunk)[0]))
_WORDS = _ChunkCache(lambda chunk: _chunk_encoding(chunk)[1])


def token_text(text: str) -> str:
    """The index tokens of a title or a description as one text, separated by single
    spaces (`" ".join(text_tokens(text))`): what SQLite's index row holds."""
    return " ".join(map(_TOKEN_TEXTS.__getitem__, text.split()))


def token_text_and_words(text: str) -> tuple[str, str]:
    """`token_text` of a description and its `description_words`: what an import into
    SQLite needs of every posting, from one cut into chunks."""
    chunks = text.split()
    joined = " ".join(map(_TOKEN_TEXTS.__getitem__, chunks))
    return joined, " ".join(filter(None, map(_WORDS.__getitem__, chunks)))


@dataclass(frozen=True, slots=True)
class KeywordTokens:
    """A keyword as a phrase of index tokens: either first token, then `rest` in order."""

    first: tuple[str, str]
    rest: tuple[str, ...]


def needs_regex(keyword: str) -> bool:
    """Whether the index cannot answer `keyword` exactly (see the module docstring)."""
    return _MIXED_CLASS in fold(keyword)


def keyword_tokens(keyword: str) -> KeywordTokens:
    """The phrase that finds `keyword` (already normalised: single spaces, no blanks)."""
    tokens: list[str] = []
    first_atom: tuple[str, bool, bool] | None = None
    for chunk in keyword.split():
        for index, (body, is_word, followed) in enumerate(_atom_tokens(chunk)):
            if first_atom is None:
                first_atom = (body, is_word, followed)
                continue
            tokens.append(_token(body, is_word, followed, index == 0))
    if first_atom is None:
        raise ValueError("a keyword needs at least one character")
    body, is_word, followed = first_atom
    return KeywordTokens(
        first=(
            _token(body, is_word, followed, True),
            _token(body, is_word, followed, False),
        ),
        rest=tuple(tokens),
    )
