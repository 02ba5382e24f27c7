"""Code and project links in what authors write: an abstract, a comments field.

Pure functions. Authors write links in every way: bare (github.com/org/repo), in LaTeX
(\\url{...}, \\href{...}{...}, org\\_name), broken across a hard-wrapped line, at the end
of a sentence ("...at https://github.com/org/repo."), in parentheses. `code_links` finds
them; `best_code_link` picks the one a reader wants first: a code repository (GitHub,
GitLab, Codeberg, Bitbucket, an anonymous review repository), else a Hugging Face model,
dataset or Space, else a project page (a github.io site, or a link the text labels as
code, project page, website or demo).
"""

from __future__ import annotations

import re

REPOSITORY, HUGGING_FACE, PROJECT_PAGE = 0, 1, 2

_REPOSITORY_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "anonymous.4open.science")
_HF_HOSTS = ("huggingface.co", "hf.co")
# Hugging Face paths that are not a model, dataset or Space.
_HF_NOT_REPOSITORY = {
    "papers", "docs", "blog", "posts", "learn", "spaces", "models", "datasets", "collections",
    "login", "join", "pricing", "settings", "organizations", "tasks",
}  # fmt: skip
# Hosts never taken for code, even when the text says "code at": they are papers and videos.
_NOT_CODE_HOSTS = (
    "arxiv.org", "doi.org", "dx.doi.org", "openreview.net", "youtube.com", "youtu.be",
    "aclanthology.org", "ieeexplore.ieee.org", "link.springer.com", "creativecommons.org",
)  # fmt: skip
MAX_LINK = 2_000

# Anything worth a closer look; most abstracts have none of it. Substring tests: the
# re module has no fast path for an alternation like this one.
_ANCHORS = ("://", "www.", "github", "gitlab", "huggingface", "hf.co", "codeberg", "bitbucket")
_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&()*+,;=%]"
_TAIL = re.compile(f"{_URL_CHARS}+")
_SCHEME_LINK = re.compile(f"https?://{_URL_CHARS}+", re.IGNORECASE)
# Links written without a scheme: a code host's path, a www. address, a github.io site.
_BARE_HOSTS = ("github.com/", "gitlab.com/", "codeberg.org/", "bitbucket.org/", "huggingface.co/", "hf.co/")
_BARE_LINKS = tuple((host, re.compile(re.escape(host) + f"{_URL_CHARS}+")) for host in _BARE_HOSTS)
_WWW_LINK = re.compile(f"www\\.{_URL_CHARS}+")
_GITHUB_IO = re.compile(f"[A-Za-z0-9-]+\\.github\\.io\\b(?:/{_URL_CHARS}*)?")
# What may not come just before a bare link: it would be part of a longer name or address.
_GLUED = re.compile(r"[\w.@/-]")
_SPLIT_SCHEME = re.compile(r"(https?):(?:[ \t]*\n[ \t]*|[ \t]+)//")
# LaTeX around and inside links.
_HREF = re.compile(r"\\href\s*\{([^{}]*)\}")
_URL_COMMAND = re.compile(r"\\(?:url|path|nolinkurl)\s*\{([^{}]*)\}")
_ESCAPES = (
    ("\\_", "_"), ("\\%", "%"), ("\\#", "#"), ("\\&", "&"), ("\\~{}", "~"), ("{\\textasciitilde}", "~"),
    ("\\textasciitilde{}", "~"), ("\\textasciitilde", "~"), ("$\\sim$", "~"), ("\\~", "~"), ("\\/", "/"),
)  # fmt: skip
_LABEL = re.compile(
    r"(?:project\s*(?:page|website|homepage|site|webpage)|home\s*page|web\s*page|web\s*site|"
    r"\bsite|\bcode|\bcodes|\bimplementation|\bdemos?|\brepository|\brepo)\b[^.!?;]{0,60}$",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\"*"
_CLOSING = {")": "(", "]": "[", "}": "{"}


def code_links(*texts: str | None) -> list[str]:
    """Every code, model or project link in the texts, best first (see best_code_link),
    each once, normalised: https:// added to bare links, trailing punctuation, unmatched
    closing brackets and a repository's ".git" taken off."""
    found: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    position = 0
    for text in texts:
        if not text or not _may_hold_link(text):
            position += len(text or "") + 1
            continue
        text = _untex(text)
        for start, raw in _raw_links(text):
            link = _tidy(raw)
            kind = _kind(link, text[max(0, start - 80) : start])
            key = link.lower().rstrip("/")
            if kind is None or key in seen or len(link) > MAX_LINK:
                continue
            seen.add(key)
            found.append((kind, position + start, link))
        position += len(text) + 1
    return [link for _, _, link in sorted(found)]


def _may_hold_link(text: str) -> bool:
    # Every link has a "/" but a bare www. or github.io address; most texts have no "/".
    if "/" not in text and "www." not in text and ".github.io" not in text:
        return False
    return any(anchor in text for anchor in _ANCHORS)


def _raw_links(text: str) -> list[tuple[int, str]]:
    """(start, link as written) for each link, in order; a link cut by a hard wrap is
    joined with its continuation."""
    spans: list[tuple[int, int]] = [m.span() for m in _SCHEME_LINK.finditer(text)]
    bare: list[re.Match[str]] = []
    for host, pattern in _BARE_LINKS:
        if host in text:
            bare.extend(pattern.finditer(text))
    if "www." in text:
        bare.extend(_WWW_LINK.finditer(text))
    if ".github.io" in text:
        bare.extend(_GITHUB_IO.finditer(text))
    for match in sorted(bare, key=lambda m: m.start()):
        start, end = match.span()
        if start >= 4 and text.startswith("www.", start - 4):
            start -= 4  # www.github.com/...
        if start and _GLUED.match(text, start - 1):
            continue
        if any(s <= start < e for s, e in spans):
            continue
        spans.append((start, end))
    links = []
    for start, end in sorted(spans):
        link = text[start:end]
        while end < len(text) and text[end] in " \n" and _cut(link, text[end]):
            after = end + 1
            while after < len(text) and text[after] in " \t":
                after += 1
            more = _TAIL.match(text, after)
            if more is None:
                break
            link += more.group(0)
            end = more.end()
        links.append((start, link))
    return links


def _cut(link: str, by: str) -> bool:
    """Whether a link followed by a line break (or a space) was cut there: it ends in "/"
    before a code host's owner/name is whole ("https://github.com/ org/repo"), or, at a
    line break, in "-" or "_" (which never end a link)."""
    if by == "\n" and link.endswith(("-", "_")):
        return True
    return link.endswith("/") and not _whole_repository_path(link)


def best_code_link(abstract: str | None, comments: str | None = None) -> str | None:
    """The link a reader wants first, or None: a repository, else a Hugging Face model,
    dataset or Space, else a project page; the earliest of its kind (abstract first)."""
    links = code_links(abstract, comments)
    return links[0] if links else None


def _untex(text: str) -> str:
    """Undo what LaTeX and text extraction do to links: \\url{}, \\href{}{}, escaped
    characters, and a space or line break after the scheme ("https: //github.com")."""
    if "http" in text and _SPLIT_SCHEME.search(text):
        text = _SPLIT_SCHEME.sub(r"\1://", text)
    if "\\" not in text and "$" not in text:
        return text
    text = _HREF.sub(r" \1 ", text)
    text = _URL_COMMAND.sub(r" \1 ", text)
    for escaped, plain in _ESCAPES:
        if escaped in text:
            text = text.replace(escaped, plain)
    return text


def _whole_repository_path(link: str) -> bool:
    """Whether a link ending in "/" already names a whole thing (host/owner/name/)."""
    host, path = _split(link)
    if host.endswith(".github.io"):
        return True
    segments = [s for s in path.split("/") if s]
    return len(segments) >= 2 or not (host in _REPOSITORY_HOSTS or host in _HF_HOSTS)


def _tidy(link: str) -> str:
    while link:
        last = link[-1]
        if last in _TRAILING:
            link = link[:-1]
        elif last in _CLOSING and link.count(last) > link.count(_CLOSING[last]):
            link = link[:-1]
        else:
            break
    if not link.lower().startswith(("http://", "https://")):
        link = "https://" + link
    host, path = _split(link)
    if host in ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org") and path.endswith(".git"):
        link = link[: -len(".git")]
    return link


def _split(link: str) -> tuple[str, str]:
    rest = link.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.lower().split("@")[-1].split(":")[0]
    return host.removeprefix("www."), path.split("?")[0].split("#")[0]


def _kind(link: str, before: str) -> int | None:
    host, path = _split(link)
    if "." not in host:
        return None
    segments = [s for s in path.split("/") if s]
    if host in _REPOSITORY_HOSTS:
        return REPOSITORY if segments else None
    if host in _HF_HOSTS:
        if segments and segments[0] in ("spaces", "models", "datasets"):
            # A Space is always owner/name; a few old datasets and models have no owner.
            return HUGGING_FACE if len(segments) >= (3 if segments[0] == "spaces" else 2) else None
        if len(segments) >= 2 and segments[0] not in _HF_NOT_REPOSITORY:
            return HUGGING_FACE  # huggingface.co/org/model
        return None
    if host.endswith(".github.io"):
        return PROJECT_PAGE
    if any(host == h or host.endswith("." + h) for h in _NOT_CODE_HOSTS):
        return None
    if _LABEL.search(before):
        return PROJECT_PAGE
    return None
