"""LaTeX in titles and abstracts as MathML, rendered on the server (no script, CSP unchanged).

Text is split into text and formulas (paperboy.domain.tex); text is escaped; each formula
goes through latex2mathml and then through an allow-list: the converter's output is
parsed as XML and written out again element by element, keeping only presentation
MathML elements and plain attributes (no href, no colours, no events), so a formula can
never add HTML to the page. A formula the converter refuses, or whose output uses an
element we do not know, or that holds a command the converter does not know (an author's
own macro, shown as "\\foo"), stays as the escaped source text.

The TeX source is kept in each formula's <annotation encoding="application/x-tex">, for
copying and for readers that do not show MathML. Conversions are cached per formula.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from functools import lru_cache
from html import escape

from latex2mathml.converter import convert
from markupsafe import Markup
from markupsafe import escape as escape_text  # as the templates escape: quotes too

from paperboy.domain.tex import split_math

# Enough for a day of papers several times over; each entry is a few hundred bytes.
CACHE_SIZE = 20_000
# Texts holding a formula (each a title or abstract and its HTML, a few KB): a few days' worth.
TEXT_CACHE_SIZE = 4_000
# Deeper nesting than any real formula; refused before the converter recurses into it.
MAX_DEPTH = 40

_NS = "{http://www.w3.org/1998/Math/MathML}"
_ELEMENTS = frozenset(
    "math semantics annotation mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot "
    "mover munder munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose merror "
    "mmultiscripts mprescripts none".split()
)
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence form separator lspace rspace accent accentunder "
    "columnalign columnlines columnspacing rowalign rowlines rowspacing frame framespacing "
    "equalrows equalcolumns linethickness minsize maxsize movablelimits symmetric largeop width "
    "height depth voffset displaystyle scriptlevel mathsize notation open close align columnspan "
    "rowspan separators".split()
)
# Attribute values are words, numbers and lengths ("0.167em", "true", "center left").
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9 .%+\-#]{0,64}$")
# A command latex2mathml did not know comes back as text starting with a backslash.
_UNKNOWN_COMMAND = re.compile(r"^\\[A-Za-z]")
_FUNCTIONS = frozenset(
    "log ln lg exp sin cos tan sinh cosh tanh arcsin arccos arctan det dim ker deg gcd".split()
)
_THIN = '<mspace width="0.1667em"></mspace>'
# Common author shorthands, written out in forms the converter knows.
_MACROS = (
    (re.compile(r"\\([RNZQC])(?![A-Za-z])"), r"\\mathbb{\1}"),
    (re.compile(r"\\eps(?![A-Za-z])"), r"\\epsilon"),
    (re.compile(r"\\(arg|argmin|argmax)(?![A-Za-z])"), r"\\operatorname{\1}"),
    (re.compile(r"\\textsc(?![A-Za-z])"), r"\\text"),
)


def render_math(text: str | None) -> Markup:
    """The text as safe HTML: escaped, with each formula as MathML (or its source as text)."""
    if not text:
        return Markup("")
    if "$" not in text and "\\" not in text:
        return escape_text(text)
    return _render_with_math(text)


# Titles and abstracts of a whole day's list are rendered on every request: remember them.
@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _render_with_math(text: str) -> Markup:
    parts: list[str] = []
    for segment in split_math(text):
        if not segment.math:
            parts.append(escape_text(segment.text))
            continue
        mathml = formula_mathml(segment.text, segment.display)
        parts.append(mathml if mathml is not None else escape_text(segment.source))
    return Markup("".join(parts))


@lru_cache(maxsize=CACHE_SIZE)
def formula_mathml(tex: str, display: bool = False) -> str | None:
    """One formula as a <math> element holding its source; None when it cannot be shown."""
    if _too_deep(tex):
        return None
    expanded = tex
    for pattern, replacement in _MACROS:
        expanded = pattern.sub(replacement, expanded)
    try:
        converted = convert(expanded, display="block" if display else "inline")
        root = ElementTree.fromstring(converted)
    except Exception:  # latex2mathml raises many kinds (and RecursionError); all mean "cannot"
        return None
    if root.tag != _NS + "math":
        return None
    try:
        body = "".join(_serialise(child) for child in root)
    except _Refused:
        return None
    if len(root) != 1:
        body = f"<mrow>{body}</mrow>"  # <semantics> takes one presentation element
    mode = "block" if display else "inline"
    return (
        f'<math display="{mode}"><semantics>{body}'
        f'<annotation encoding="application/x-tex">{escape(tex, quote=False)}</annotation>'
        "</semantics></math>"
    )


def clear_caches() -> None:
    """Forget every conversion (for measuring a cold start)."""
    _render_with_math.cache_clear()
    formula_mathml.cache_clear()


class _Refused(Exception):
    """The converter's output holds something the allow-list does not take."""


def _serialise(element: ElementTree.Element) -> str:
    tag = element.tag.removeprefix(_NS)
    if tag not in _ELEMENTS or tag in ("math", "semantics", "annotation"):
        raise _Refused(tag)
    attributes = "".join(
        f' {name}="{escape(value)}"'
        for name, value in sorted(element.attrib.items())
        if name in _ATTRIBUTES and _PLAIN_VALUE.match(value)
    )
    text = element.text or ""
    if _UNKNOWN_COMMAND.match(text):
        raise _Refused(text)
    inner = escape(text, quote=False) + "".join(
        _serialise(child) + escape(child.tail or "", quote=False) for child in element
    )
    if tag == "mi" and text in _FUNCTIONS and not len(element):
        # TeX puts a thin space around \log, \sin ...; the converter leaves "nlogn".
        return f"{_THIN}<mi>{inner}</mi>{_THIN}"
    return f"<{tag}{attributes}>{inner}</{tag}>"


def _too_deep(tex: str) -> bool:
    depth = deepest = 0
    for char in tex:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
    return deepest > MAX_DEPTH
