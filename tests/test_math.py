"""LaTeX in titles and abstracts: split into formulas, rendered as MathML, hostile input inert."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from paperboy.domain.tex import MAX_FORMULAS, has_math, plain_math, split_math
from paperboy.web.mathml import formula_mathml, render_math

MATHML_TAGS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "mtext", "msup", "msub",
               "mfrac", "mstyle", "mspace"}  # fmt: skip


class _Tags(HTMLParser):
    """Every element and attribute name a browser would see in the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


def formulas(text: str) -> list[str]:
    return [s.text for s in split_math(text) if s.math]


def test_every_delimiter_form_is_a_formula() -> None:
    text = r"Inline $x^2$, \(y_1\), display $$\sum_i z_i$$ and \[\int f\]."
    segments = split_math(text)
    assert formulas(text) == ["x^2", "y_1", r"\sum_i z_i", r"\int f"]
    assert [s.display for s in segments if s.math] == [False, False, True, True]
    assert "".join(s.source if s.math else s.text for s in segments) == text


def test_prices_and_lone_dollars_stay_text() -> None:
    assert formulas("It costs $5 and $10 per GPU hour.") == []
    assert formulas("A $ sign alone, and $ spaced $ ones.") == []
    assert formulas(r"Escaped \$x\$ is money") == []
    assert split_math(r"Escaped \$x\$ is money")[0].text == "Escaped $x$ is money"


def test_an_arrow_between_numbers_closes_before_the_digit() -> None:
    # From arXiv 2608.19553: read by Pandoc's rule alone, the closer before "89" was
    # passed over and the next dollars made a whole sentence one unbreakable formula.
    text = r"Acc@0.5 88.531\%$\to$89.725\%, Acc@0.9 55.788\%$\to$61.142\%). A frozen transfer"
    assert formulas(text) == [r"\to", r"\to"]
    assert formulas("prices from $5-$10 each") == []


def test_unbalanced_delimiters_stay_text() -> None:
    for text in (r"an \( unclosed formula", "an $unclosed one", r"\[ never closed", "$$ open"):
        assert formulas(text) == [], text
        assert "".join(s.text for s in split_math(text)) == text


def test_a_formula_renders_as_mathml_keeping_its_source() -> None:
    html = str(render_math(r"Cost $\mathcal{O}(n^2)$ per step"))
    assert html.startswith('Cost <math display="inline"><semantics>')
    assert '<annotation encoding="application/x-tex">\\mathcal{O}(n^2)</annotation>' in html
    assert html.endswith("</math> per step")
    root = ElementTree.fromstring(html[len("Cost ") : -len(" per step")])
    assert root.tag == "math" and root.find(".//msup") is not None


def test_common_macros_and_author_shorthands_render() -> None:
    for tex in (r"\mathbb{R}^n", r"\R^n", r"\alpha \leq \epsilon", r"\frac{1}{2}", r"\tilde{O}(\sqrt{n})",
                r"\arg\max_x f", r"\|x\|_2", r"10^{-3}", r"\text{ReLU}(x)", r"\mathbf{W}x + b"):  # fmt: skip
        assert formula_mathml(tex) is not None, tex


def test_a_formula_that_cannot_be_converted_stays_as_its_source() -> None:
    # An author's own macro, a stray alignment character, an empty group the converter refuses.
    for text in (r"see $\mymacro{x}$", r"a $x & y$ b", r"$\style{}$"):
        html = str(render_math(text))
        assert "<math" not in html, text
    assert str(render_math(r"see $\mymacro{x}$ here")) == r"see $\mymacro{x}$ here"
    assert str(render_math("a $x & y$ b")) == "a $x &amp; y$ b"


@pytest.mark.parametrize(
    "text",
    [
        "$<script>alert(1)</script>$",
        r"$\href{javascript:alert(1)}{click}$",
        r"$\text{<img src=x onerror=alert(1)>}$",
        r"$\mathrm{</math><script>alert(1)</script>}$",
        r'$\color{red" onmouseover="alert(1)}{x}$',
        r"\(<b>bold</b>",
        "$" * 10_000,
        r"$\frac{" * 300 + "$",
    ],
)
def test_hostile_formulas_never_become_markup(text: str) -> None:
    html = str(render_math(text))
    tags = _Tags()
    tags.feed(html)
    tags.close()
    assert tags.names <= MATHML_TAGS, tags.names - MATHML_TAGS
    assert tags.attributes <= {"display", "stretchy", "fence", "form", "encoding", "mathvariant"}, (
        tags.attributes
    )
    # Whatever is left is well formed: a formula cannot close the page's own elements.
    ElementTree.fromstring(f"<root>{html}</root>")


def test_hostile_attribute_values_are_dropped() -> None:
    html = formula_mathml(r"\color{red}{x}") or ""
    assert "mathcolor" not in html and "<mi>x</mi>" in html


def test_many_dollars_split_in_linear_time() -> None:
    # CPU time, not the wall clock: on a loaded machine a linear split waited 4.6 s for
    # its turn; a quadratic one would take many CPU seconds on these inputs.
    for text in ("$" * 10_000, "$a " * 10_000, "$a$ " * 5_000, r"\(" * 10_000):
        started = time.process_time()
        segments = split_math(text)
        assert time.process_time() - started < 0.5, text[:10]
        assert sum(s.math for s in segments) <= MAX_FORMULAS


def test_text_without_math_is_only_escaped() -> None:
    assert str(render_math("A < B & C")) == "A &lt; B &amp; C"
    assert not has_math("plain words, $5 and $10")
    assert has_math("with $x$")


def test_plain_math_reads_as_text_for_mail() -> None:
    text = r"We bound $\|x\|_2 \leq \epsilon$ on $\mathbb{R}^n$ as $\alpha \to \infty$ for $\mathrm{ReLU}$."
    assert plain_math(text) == "We bound ‖x‖_2 ≤ ϵ on ℝ^n as α → ∞ for ReLU."
    assert plain_math("costs $5 and $10") == "costs $5 and $10"


def test_function_names_get_the_thin_spaces_tex_gives_them() -> None:
    html = formula_mathml(r"n \log n") or ""
    thin = '<mspace width="0.1667em"></mspace>'
    assert f"<mi>n</mi>{thin}<mi>log</mi>{thin}" in html
