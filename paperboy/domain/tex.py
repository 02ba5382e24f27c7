"""Finding the LaTeX formulas in a title or abstract: text and formula segments.

Delimiters: `$...$`, `$$...$$`, `\\(...\\)` and `\\[...\\]`; `\\$` is a literal dollar.
A single `$` follows Pandoc's rule, so prices do not turn into formulas: the opening `$`
has a non-space character right after it, the closing one a non-space character right
before it and no digit right after it ("costs $5 and $10" stays text), unless the formula
holds a command ("from 88%$\\to$89%" is an arrow between two numbers).

Bounded for hostile input: a formula is at most MAX_FORMULA_CHARS long, a closing
delimiter is looked for among the next CLOSE_CANDIDATES dollars only, and after
MAX_FORMULAS formulas the rest is text, so splitting is linear in the text's length.
Pure functions: the web page renders formulas as MathML (paperboy.web.math), digests as
text (plain_math).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_FORMULA_CHARS = 500
MAX_FORMULAS = 200
CLOSE_CANDIDATES = 16


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text, or one formula: `text` is then the TeX between the delimiters and
    `source` the formula as written, delimiters included. start/end index the input."""

    text: str
    start: int
    end: int
    math: bool = False
    display: bool = False
    source: str = ""


def split_math(text: str) -> list[Segment]:
    """The text cut into text and formula segments, in order; joined sources give the input
    back, except that `\\$` reads as `$` in text segments."""
    segments: list[Segment] = []
    buffer: list[str] = []
    buffer_start = 0
    formulas = 0
    i = 0
    n = len(text)

    def flush(upto: int) -> None:
        nonlocal buffer, buffer_start
        if buffer:
            segments.append(Segment("".join(buffer), buffer_start, upto))
        buffer = []
        buffer_start = upto

    while i < n:
        char = text[i]
        if char not in "$\\" or formulas >= MAX_FORMULAS:
            # Copy the run up to the next possible delimiter in one step.
            stop = n if formulas >= MAX_FORMULAS else _next_delimiter(text, i)
            if not buffer:
                buffer_start = i
            buffer.append(text[i:stop].replace("\\$", "$") if formulas >= MAX_FORMULAS else text[i:stop])
            i = stop
            continue
        found = _formula_at(text, i)
        if found is None:
            if not buffer:
                buffer_start = i
            if text.startswith("\\$", i):
                buffer.append("$")
                i += 2
            else:
                buffer.append(char)
                i += 1
            continue
        inner, end, display = found
        flush(i)
        segments.append(Segment(inner, i, end, math=True, display=display, source=text[i:end]))
        formulas += 1
        i = end
        buffer_start = i
    flush(n)
    return segments


def has_math(text: str) -> bool:
    """Whether the text holds at least one formula."""
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        return False
    return any(s.math for s in split_math(text))


_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
    "varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi "
    "Pi Sigma Upsilon Phi Psi Omega"
).split()
_GREEK_CHARS = "αβγδϵεζηθϑικλμνξπϖρϱσςτυϕφχψωΓΔΘΛΞΠΣΥΦΨΩ"
_SYMBOLS = {
    **dict(zip(_GREEK, _GREEK_CHARS, strict=True)),
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "times": "×", "cdot": "·",
    "cdots": "⋯", "ldots": "…", "dots": "…", "pm": "±", "mp": "∓", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "Leftrightarrow": "⇔", "mapsto": "↦", "infty": "∞",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "cup": "∪",
    "cap": "∩", "emptyset": "∅", "forall": "∀", "exists": "∃", "partial": "∂", "nabla": "∇",
    "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "ell": "ℓ", "log": "log", "exp": "exp",
    "min": "min", "max": "max", "lim": "lim", "sin": "sin", "cos": "cos", "langle": "⟨",
    "rangle": "⟩", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖", "quad": " ", "qquad": "  ",
    ",": " ", ";": " ", "!": "", "{": "{", "}": "}", "%": "%", "&": "&", "_": "_", "#": "#",
}  # fmt: skip
_DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
# Commands whose braces only change the font: \mathrm{x} reads as x.
_FONT = re.compile(r"\\(?:mathrm|mathbf|mathit|mathsf|mathtt|mathcal|boldsymbol|bm|text|textrm|textbf|"
                   r"textit|operatorname|mbox)\s*\{([^{}]*)\}")  # fmt: skip
_BLACKBOARD = re.compile(r"\\mathbb\s*\{\s*([A-Z])\s*\}|\\mathbb\s+([A-Z])")
_COMMAND = re.compile(r"\\([A-Za-z]+|[|,;!{}%&_#])")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*")


def plain_math(text: str) -> str:
    """The text with each formula made readable as plain text: delimiters dropped, common
    commands as their Unicode symbols (\\alpha as α, \\leq as ≤, \\mathbb{R} as ℝ), font
    commands unwrapped; anything else stays as the author wrote it. For mail."""
    if "$" not in text and "\\" not in text:
        return text
    return "".join(_plain_formula(s.text) if s.math else s.text for s in split_math(text))


def _plain_formula(tex: str) -> str:
    tex = _SIZING.sub("", tex)
    tex = _BLACKBOARD.sub(lambda m: _DOUBLE_STRUCK.get(m.group(1) or m.group(2), m.group(0)), tex)
    for _ in range(3):  # nested font commands, e.g. \mathbf{\mathrm{x}}
        tex = _FONT.sub(r"\1", tex)
    tex = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), tex)
    return " ".join(tex.split())


_COMMAND_START = re.compile(r"\\[A-Za-z]")


def _next_delimiter(text: str, start: int) -> int:
    dollar = text.find("$", start)
    slash = text.find("\\", start)
    found = [p for p in (dollar, slash) if p >= 0]
    return min(found) if found else len(text)


def _formula_at(text: str, i: int) -> tuple[str, int, bool] | None:
    """(inner TeX, end index, display) when a formula opens at i, else None."""
    if text.startswith("\\(", i) or text.startswith("\\[", i):
        close = "\\)" if text[i + 1] == "(" else "\\]"
        end = text.find(close, i + 2, i + 2 + MAX_FORMULA_CHARS + 2)
        inner = text[i + 2 : end] if end >= 0 else ""
        if end < 0 or not inner.strip():
            return None
        return inner, end + 2, close == "\\]"
    if text[i] != "$":
        return None
    if text.startswith("$$", i):
        end = text.find("$$", i + 2, i + 2 + MAX_FORMULA_CHARS + 2)
        inner = text[i + 2 : end] if end >= 0 else ""
        if end < 0 or not inner.strip():
            return None
        return inner, end + 2, True
    if i + 1 >= len(text) or text[i + 1].isspace():
        return None
    position = i + 1
    for _ in range(CLOSE_CANDIDATES):
        found = text.find("$", position, i + 1 + MAX_FORMULA_CHARS + 1)
        if found < 0:
            return None
        escaped = text[found - 1] == "\\"
        after = text[found + 1] if found + 1 < len(text) else ""
        if not escaped and not text[found - 1].isspace():
            # A digit after the closing $ usually means a price ("$5-$10"), but not after
            # a command: arXiv abstracts write "88.5%$\to$89.7%", and passing over that
            # closer would pair the next dollars wrongly and make a sentence one formula.
            if not after.isdigit() or _COMMAND_START.search(text, i + 1, found) is not None:
                return text[i + 1 : found], found + 1, False
        position = found + 1
    return None
