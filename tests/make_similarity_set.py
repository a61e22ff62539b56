"""Writes the similarity test set: per code item, the independent correct solutions of
tests/solutions/<item>/correct/ and disguised copies of three of them.

    .venv/bin/python tests/make_similarity_set.py

A copy is named ``<original>--<how>.py``: ``renamed`` (every name the code binds, except the
entry points the task asks for), ``commented`` (comments and docstrings added), ``reordered``
(imports and top-level definitions in another order), ``reformatted`` (ruff with 2-space indents,
single quotes and short lines), ``disguised`` (all four). The output is committed; this script
says how it was made. The detector under test is not used here.
"""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "tests" / "solutions"
OUT = ROOT / "tests" / "similarity"
NEW_NAMES = [
    "thing", "stuff", "value", "tmp", "result", "net", "obj", "data_x", "helper", "item", "out", "aux",
    "xx", "yy", "zz", "first", "second", "third", "total", "acc", "part", "piece", "nn", "k2",
]  # fmt: skip
COMMENTS = [
    "# here we do the main step",
    "# TODO check this again",
    "# this part was tricky",
    "# as in the lecture",
    "# build it step by step",
]


def entry_points(item: str) -> set[str]:
    starter = (ROOT / "content").glob(f"*/*/{item}/starter.py")
    names: set[str] = set()
    for path in starter:
        tree = ast.parse(path.read_text())
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    return names


def renamed(source: str, keep: set[str]) -> str:
    tree = ast.parse(source)
    bound: list[str] = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            name = node.id
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.arg) and node.arg != "self":
            name = node.arg
        if name and name not in keep and name not in bound:
            bound.append(name)
    mapping = {
        old: NEW_NAMES[i % len(NEW_NAMES)] + ("" if i < len(NEW_NAMES) else str(i)) for i, old in enumerate(bound)
    }
    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    out, depth, in_def = [], 0, False
    for i, tok in enumerate(toks):
        if tok.type == tokenize.OP:
            depth += tok.string in "([{"
            depth -= tok.string in ")]}"
            in_def = in_def and not (tok.string == ":" and depth == 0)
        if tok.type == tokenize.NAME and tok.string == "def":
            in_def = True
        after_dot = i > 0 and toks[i - 1].string == "."
        keyword_arg = depth > 0 and not in_def and i + 1 < len(toks) and toks[i + 1].string == "="
        if tok.type == tokenize.NAME and tok.string in mapping and not after_dot and not keyword_arg:
            tok = tok._replace(string=mapping[tok.string])
        out.append(tok)
    return tokenize.untokenize(out)


def commented(source: str) -> str:
    lines = source.splitlines()
    out = ['"""My solution for this exercise."""', ""]
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped and i % 3 == 0 and not stripped.startswith((")", "]", "}")) and not line.rstrip().endswith(","):
            out.append(line[: len(line) - len(stripped)] + COMMENTS[i % len(COMMENTS)])
        out.append(line + ("  # ok" if stripped.startswith("return") else ""))
    return "\n".join(out) + "\n"


def reordered(source: str) -> str:
    tree = ast.parse(source)
    lines = source.splitlines()
    imports, others = [], []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[start - 1 : node.end_lineno])
        (imports if isinstance(node, ast.Import | ast.ImportFrom) else others).append(text)
    # Definitions last-first, but assignments a definition might run at import time stay first.
    assigns = [
        t
        for t, n in zip(others, [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)], strict=True)
        if not isinstance(n, ast.FunctionDef | ast.ClassDef)
    ]
    defs = [t for t in others if t not in assigns]
    return (
        "\n".join(reversed(imports)) + "\n\n" + "\n\n".join(assigns) + "\n\n\n" + "\n\n\n".join(reversed(defs)) + "\n"
    )


def reformatted(source: str) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), "format", "--isolated", "--line-length", "50", "--config", "indent-width = 2",
         "--config", "format.quote-style = 'single'", "--config", "format.skip-magic-trailing-comma = true", "-"],
        input=source, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def main() -> None:
    for item_dir in sorted(SOLUTIONS.iterdir()):
        correct = sorted((item_dir / "correct").glob("*.py"))
        if not correct:
            continue
        item = item_dir.name
        target = OUT / item
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for path in correct:
            shutil.copy(path, target / path.name)
        # Copies of three solutions that are not the reference itself (a copy of the reference
        # is subtracted away by design).
        candidates = [p for p in correct if "reference" not in p.name]
        a, b, c = candidates[1], candidates[4], candidates[-2]
        keep = entry_points(item)
        copies = {
            (a, "renamed"): renamed(a.read_text(), keep),
            (a, "commented"): commented(a.read_text()),
            (b, "reordered"): reordered(b.read_text()),
            (b, "reformatted"): reformatted(b.read_text()),
            (c, "disguised"): reformatted(commented(reordered(renamed(c.read_text(), keep)))),
        }
        for (orig, how), text in copies.items():
            ast.parse(text)  # every copy is still valid Python
            (target / f"{orig.stem}--{how}.py").write_text(text)
        print(f"{item}: {len(correct)} independent, {len(copies)} copies")


if __name__ == "__main__":
    main()
