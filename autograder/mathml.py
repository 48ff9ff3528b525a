"""TeX formulas as MathML, so feedback pages show the notebooks' maths without MathJax.

Browsers draw MathML themselves (no script, no font download, nothing from the network), so
a feedback page stays one self-contained file. :func:`tex_to_mathml` covers the TeX the
course's notebooks use: letters and Greek, sub- and superscripts, ``\\frac``, ``\\sqrt``,
big operators (``\\sum``), named functions (``\\log``, ``\\tanh``), accents (``\\hat``),
``\\text``, ``\\mathcal``/``\\mathbb``/``\\mathbf``, ``\\left ... \\right`` and ``\\big``
delimiters, spacing, ``\\underbrace`` and the ``pmatrix``/``bmatrix``/``matrix``/``aligned``/
``cases`` environments. Anything else raises :class:`UnsupportedTeX`; the caller then shows
the formula's TeX source as it is.
"""

from __future__ import annotations

import functools
import html
import re

__all__ = ["UnsupportedTeX", "tex_to_mathml"]


class UnsupportedTeX(ValueError):
    """The formula uses TeX this converter does not know."""


GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ", "nabla": "∇", "partial": "∂",
    "infty": "∞", "emptyset": "∅", "hbar": "ℏ",
}
OPERATORS = {
    "cdot": "⋅", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆",
    "circ": "∘", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "gets": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⇔",
    "Leftrightarrow": "⇔", "leftrightarrow": "↔", "mapsto": "↦", "implies": "⟹",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "cup": "∪",
    "cap": "∩", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "ll": "≪",
    "gg": "≫", "mid": "∣", "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧",
    "lor": "∨", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    "prime": "′", "vert": "|", "Vert": "‖", "lVert": "‖", "rVert": "‖", "lvert": "|",
    "rvert": "|", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "colon": ":", "setminus": "∖", "perp": "⊥",
    "top": "⊤", "wedge": "∧", "vee": "∨",
}
BIG_OPERATORS = {"sum": "∑", "prod": "∏", "int": "∫", "bigcup": "⋃", "bigcap": "⋂"}
FUNCTIONS = {"log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "max", "min",
             "arg", "det", "dim", "sup", "inf", "lim", "argmax", "argmin", "sgn", "softmax"}
LIMIT_FUNCTIONS = {"max", "min", "lim", "sup", "inf", "argmax", "argmin"}
SPACES = {",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", " ": "0.25em",
          "quad": "1em", "qquad": "2em", "!": "-0.1667em", "enspace": "0.5em"}
ESCAPED = {"{": "{", "}": "}", "_": "_", "%": "%", "#": "#", "&": "&", "$": "$", "|": "‖"}
ACCENTS = {"hat": "^", "widehat": "^", "bar": "¯", "overline": "¯", "tilde": "~",
           "widetilde": "~", "vec": "→", "dot": "˙", "ddot": "¨", "check": "ˇ"}
IGNORED = {"displaystyle", "textstyle", "limits", "nolimits", "scriptstyle", "nonumber"}
SIZES = {"big": "1.2em", "Big": "1.6em", "bigg": "2.1em", "Bigg": "2.6em"}
DELIMITERS = {"(", ")", "[", "]", "|", "/", ".", "<", ">"}
ENVIRONMENTS = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("{", "}"),
                "vmatrix": ("|", "|"), "matrix": ("", ""), "cases": ("{", ""),
                "aligned": ("", ""), "align": ("", ""), "align*": ("", ""),
                "gathered": ("", ""), "array": ("", ""), "split": ("", "")}

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|.", re.S)


def _alphabet(upper: int, lower: int | None, special: dict[str, str]):
    def convert(ch: str) -> str:
        if ch in special:
            return special[ch]
        if "A" <= ch <= "Z":
            return chr(upper + ord(ch) - ord("A"))
        if lower is not None and "a" <= ch <= "z":
            return chr(lower + ord(ch) - ord("a"))
        return ch
    return convert


STYLES = {
    "mathcal": _alphabet(0x1D49C, None, {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ",
                                        "L": "ℒ", "M": "ℳ", "R": "ℛ"}),
    "mathscr": _alphabet(0x1D49C, None, {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ",
                                        "L": "ℒ", "M": "ℳ", "R": "ℛ"}),
    "mathbb": _alphabet(0x1D538, None, {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ",
                                       "R": "ℝ", "Z": "ℤ"}),
    "mathbf": _alphabet(0x1D400, 0x1D41A, {}),
    "boldsymbol": _alphabet(0x1D400, 0x1D41A, {}),
}


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _mtext(text: str) -> str:
    """An mtext keeping its leading and trailing spaces (MathML would trim them)."""
    core = text.strip(" ")
    lead = "\u00a0" * (len(text) - len(text.lstrip(" ")))
    trail = "\u00a0" * (len(text) - len(text.rstrip(" ")))
    return f"<mtext>{lead}{_e(core)}{trail}</mtext>"


def _mo(text: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<mo{extra}>{_e(text)}</mo>"


class _Parser:
    """A recursive-descent reader of one formula's tokens into MathML strings."""

    def __init__(self, tex: str, display: bool):
        self.tokens = _TOKEN.findall(tex)
        self.pos = 0
        self.display = display

    # -- token access
    def peek(self, skip_space: bool = True) -> str | None:
        while skip_space and self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
            self.pos += 1
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise UnsupportedTeX("the formula ends too early")
        self.pos += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.take()
        if got != tok:
            raise UnsupportedTeX(f"expected {tok!r}, found {got!r}")

    # -- structure
    def expression(self, stop: tuple[str, ...] = ()) -> str:
        """Atoms (with their scripts) until a token of ``stop`` or the end."""
        items: list[str] = []
        while True:
            tok = self.peek()
            if tok is None or tok in stop:
                break
            if tok == "}":
                raise UnsupportedTeX("unbalanced }")
            if tok in ("\\right",):
                break
            items.append(self.scripted())
        return "".join(items)

    def group(self) -> str:
        """``{...}`` as one mrow, or the next single atom (TeX's argument rule)."""
        tok = self.peek()
        if tok == "{":
            self.take()
            inner = self.expression(stop=("}",))
            self.expect("}")
            return f"<mrow>{inner}</mrow>"
        if tok is None:
            raise UnsupportedTeX("missing argument")
        return self.atom(single=True)

    def raw_group(self) -> str:
        """The text of a ``{...}`` argument, unparsed (for \\text)."""
        self.expect("{")
        depth, parts = 1, []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return "".join(parts)
            parts.append(tok)
        raise UnsupportedTeX("unbalanced {")

    def scripted(self) -> str:
        base, kind = self.atom_with_kind()
        sub = sup = None
        while self.peek() in ("_", "^", "'"):
            tok = self.take()
            if tok == "'":
                sup = (sup or "") + "<mo>′</mo>"
            elif tok == "_":
                if sub is not None:
                    raise UnsupportedTeX("double subscript")
                sub = self.group()
            else:
                if sup is not None and not sup.startswith("<mo>′"):
                    raise UnsupportedTeX("double superscript")
                sup = (sup or "") + self.group()
        apply = "<mo>&#x2061;</mo>" if kind == "fn" else ""   # function application
        if sub is None and sup is None:
            return base + apply
        base = f"<mrow>{base}</mrow>"
        under = kind == "underbrace" or (self.display and kind in ("bigop", "limitfn"))
        if under:
            if sub is not None and sup is not None:
                return f"<munderover>{base}<mrow>{sub}</mrow><mrow>{sup}</mrow></munderover>"
            if sub is not None:
                return f"<munder>{base}<mrow>{sub}</mrow></munder>"
            return f"<mover>{base}<mrow>{sup}</mrow></mover>"
        if sub is not None and sup is not None:
            return f"<msubsup>{base}<mrow>{sub}</mrow><mrow>{sup}</mrow></msubsup>{apply}"
        if sub is not None:
            return f"<msub>{base}<mrow>{sub}</mrow></msub>{apply}"
        return f"<msup>{base}<mrow>{sup}</mrow></msup>{apply}"

    def _digit_follows(self) -> bool:
        nxt = self.peek(skip_space=False) or ""
        if nxt.isdigit():
            return True
        after = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else ""
        return nxt == "." and after.isdigit()

    def atom(self, single: bool = False) -> str:
        return self.atom_with_kind(single)[0]

    def atom_with_kind(self, single: bool = False) -> tuple[str, str]:
        tok = self.take()
        if tok == "{":
            inner = self.expression(stop=("}",))
            self.expect("}")
            return f"<mrow>{inner}</mrow>", "group"
        if tok.isdigit() or tok == ".":
            number = tok
            while not single and self._digit_follows():
                number += self.take()
            return f"<mn>{number}</mn>", "number"
        if tok.isalpha():
            return f"<mi>{_e(tok)}</mi>", "letter"
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok in ("^", "_"):
            raise UnsupportedTeX(f"a script {tok!r} with nothing before it")
        if tok == "&":
            raise UnsupportedTeX("& outside an environment")
        if tok in "([":
            return _mo(tok, stretchy="false"), "open"
        if tok in ")]":
            return _mo(tok, stretchy="false"), "close"
        if tok == "~":
            return '<mspace width="0.25em"/>', "space"
        return _mo("\u2212" if tok == "-" else tok), "op"

    def command(self, name: str) -> tuple[str, str]:
        if name in GREEK:
            return f"<mi>{GREEK[name]}</mi>", "letter"
        if name in OPERATORS:
            return _mo(OPERATORS[name]), "op"
        if name in BIG_OPERATORS:
            return _mo(BIG_OPERATORS[name], largeop="true"), "bigop"
        if name in FUNCTIONS:
            return f"<mi>{name}</mi>", "limitfn" if name in LIMIT_FUNCTIONS else "fn"
        if name in SPACES:
            return f'<mspace width="{SPACES[name]}"/>', "space"
        if name in ESCAPED:
            return _mo(ESCAPED[name]), "op"
        if name in IGNORED:
            return "", "space"
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.group(), self.group()
            return f"<mfrac>{num}{den}</mfrac>", "frac"
        if name == "sqrt":
            if self.peek() == "[":
                self.take()
                index = self.expression(stop=("]",))
                self.expect("]")
                return f"<mroot>{self.group()}<mrow>{index}</mrow></mroot>", "root"
            return f"<msqrt>{self.group()}</msqrt>", "root"
        if name in ("text", "textrm", "textit", "textbf", "mbox", "mathrm", "operatorname",
                    "mathit", "textnormal", "texttt", "mathtt"):
            text = self.raw_group()
            if name in ("mathrm", "operatorname"):
                return f'<mi mathvariant="normal">{_e(text)}</mi>', "letter"
            if "$" not in text:
                return _mtext(text), "text"
            parts = text.split("$")   # \text{... $maths$ ...}
            if len(parts) % 2 == 0:
                raise UnsupportedTeX("unbalanced $ inside \\text")
            inner = [_mtext(p) if i % 2 == 0 else
                     f"<mrow>{_Parser(p, False).expression()}</mrow>"
                     for i, p in enumerate(parts) if p]
            return f"<mrow>{''.join(inner)}</mrow>", "text"
        if name in STYLES:
            text = self.raw_group()
            if not re.fullmatch(r"[A-Za-z0-9 ]*", text):
                raise UnsupportedTeX(f"\\{name} of something other than letters")
            return "".join(f"<mi>{STYLES[name](ch)}</mi>" for ch in text if ch != " "), "letter"
        if name in ACCENTS:
            return (f'<mover accent="true">{self.group()}{_mo(ACCENTS[name])}</mover>',
                    "letter")
        if name == "underbrace":
            return f"<munder>{self.group()}{_mo('⏟', stretchy='true')}</munder>", "underbrace"
        if name == "overbrace":
            return f"<mover>{self.group()}{_mo('⏞', stretchy='true')}</mover>", "underbrace"
        if name.rstrip("lrm") in SIZES:
            size = SIZES[name.rstrip("lrm")]
            return _mo(self.delimiter(), minsize=size, maxsize=size, stretchy="true"), "op"
        if name == "left":
            open_ = self.delimiter()
            inner = self.expression()
            if self.peek() != "\\right":
                raise UnsupportedTeX("\\left without \\right")
            self.take()
            close = self.delimiter()
            return (f"<mrow>{_mo(open_, stretchy='true')}{inner}"
                    f"{_mo(close, stretchy='true')}</mrow>"), "group"
        if name == "begin":
            return self.environment(), "group"
        if name == "\\":
            raise UnsupportedTeX("a line break outside an environment")
        raise UnsupportedTeX(f"unknown command \\{name}")

    def delimiter(self) -> str:
        tok = self.take()
        if tok in DELIMITERS:
            return "" if tok == "." else tok
        if tok.startswith("\\") and tok[1:] in ESCAPED:
            return ESCAPED[tok[1:]]
        if tok.startswith("\\") and tok[1:] in OPERATORS:
            return OPERATORS[tok[1:]]
        raise UnsupportedTeX(f"{tok!r} is not a delimiter")

    def environment(self) -> str:
        name = self.raw_group()
        if name not in ENVIRONMENTS:
            raise UnsupportedTeX(f"unknown environment {name}")
        if name == "array":
            self.raw_group()   # the column spec
        rows: list[list[str]] = [[]]
        while True:
            cell = self.expression(stop=("&", "\\\\", "\\end"))
            rows[-1].append(cell)
            tok = self.take()
            if tok == "&":
                continue
            if tok == "\\\\":
                rows.append([])
                continue
            end = self.raw_group()
            if end != name:
                raise UnsupportedTeX(f"\\begin{{{name}}} closed by \\end{{{end}}}")
            break
        if rows and rows[-1] == [""]:
            rows.pop()
        aligned = name in ("aligned", "align", "align*", "split", "cases")
        trs = []
        for row in rows:
            tds = []
            for i, cell in enumerate(row):
                side = ("right" if i % 2 == 0 else "left") if aligned else "center"
                if name == "cases":
                    side = "left"
                tds.append(f'<mtd style="text-align:{side}; padding: 0.1em 0.2em">'
                           f"<mrow>{cell}</mrow></mtd>")
            trs.append(f"<mtr>{''.join(tds)}</mtr>")
        table = f"<mtable>{''.join(trs)}</mtable>"
        left, right = ENVIRONMENTS[name]
        if not left and not right:
            return table
        return (f"<mrow>{_mo(left, stretchy='true') if left else ''}{table}"
                f"{_mo(right, stretchy='true') if right else ''}</mrow>")


@functools.lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool = False) -> str:
    """``<math>`` for the TeX formula ``tex`` (without its ``$`` delimiters).

    display: a display (block) formula, centred on its own line, big operators with limits
    above and below. Raises UnsupportedTeX for TeX outside the supported subset.
    """
    parser = _Parser(tex, display)
    body = parser.expression()
    if parser.peek() is not None:
        raise UnsupportedTeX(f"unexpected {parser.peek()!r}")
    mode = ' display="block"' if display else ""
    annotation = f'<annotation encoding="application/x-tex">{_e(tex.strip())}</annotation>'
    return (f"<math{mode}>"
            f"<semantics><mrow>{body}</mrow>{annotation}</semantics></math>")
