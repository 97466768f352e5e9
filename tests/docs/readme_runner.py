"""Run the shell commands of a Markdown file and compare their output with what it shows.

The conventions (also in README.md's "Keeping this README true" comment and in
/work/COORDINATION.md):

- ```sh / ```bash blocks: every line is a command (a trailing `\\` joins lines;
  `# ...` comments are ignored by the shell); each must exit 0.
- ```console blocks: `$ cmd` lines are commands; the lines after one, up to the
  next `$ `, are its expected output. They are compared in their stable parts:
  timings, rates and timestamps are masked, runs of spaces and table rules are
  collapsed, and the shown lines must appear in the actual output (stdout, then
  stderr) in order — so an example may leave lines out, or write `...` where it
  does. A shown line ending in ` ...` must match the start of an actual line.
- ```python blocks run with the test's interpreter and must exit 0 (their own
  asserts are the checks).
- `# exit N` at the end of a command: the exit code it must return.
- `--count N` / `-n N` above MAX_COUNT is lowered to MAX_COUNT, so the test stays
  cheap; a command whose count was lowered must not show output.
- Markers are HTML comments on the lines just before a block (invisible on GitHub):
    <!-- readme-test: skip reason="..." -->                skip the whole block
    <!-- readme-test: skip="healthsim chat" reason="..." --> skip the commands containing the text
    <!-- readme-test: file="bad.yaml" -->                  write the block into that file
  A skip needs a reason, and a skip="..." must match a command of its block.

Every command runs in one temporary directory, in document order (later
commands see earlier commands' files), where `.venv` links to the environment
running the tests.

Run it by hand to see each command's actual output (to update the README):
    .venv/bin/python tests/docs/readme_runner.py README.md
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_COUNT = 1_000
TIMEOUT = 600

_FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
_MARKER = re.compile(r"^<!--\s*readme-test:(.*?)-->\s*$")
_ATTR = re.compile(r'(\w[\w-]*)(?:="([^"]*)")?')
_COUNT = re.compile(r"(--count|-n)(\s+|=)(\d[\d_,]*)")
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")


@dataclass
class Command:
    text: str
    line: int  # 1-based line in the Markdown file
    kind: str = "sh"  # sh or python
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0
    skip: str | None = None  # the reason, when skipped
    capped: bool = False


@dataclass
class Block:
    lang: str
    line: int
    body: list[str]
    markers: list[dict[str, str]]


@dataclass
class Document:
    blocks: list[Block]
    problems: list[str]

    def steps(self) -> list[tuple[str, object]]:
        """('file', (name, text)) and ('command', Command) in document order."""
        out: list[tuple[str, object]] = []
        for block in self.blocks:
            files = [m["file"] for m in block.markers if m.get("file")]
            if files:
                out.append(("file", (files[0], "\n".join(block.body) + "\n")))
                continue
            commands = _commands(block)
            whole = [m for m in block.markers if "skip" in m and not m["skip"]]
            partial = [m for m in block.markers if m.get("skip")]
            for m in partial:
                if not any(m["skip"] in c.text for c in commands):
                    self.problems.append(f"line {block.line}: skip={m['skip']!r} matches no command of its block")
            for c in commands:
                if whole:
                    c.skip = whole[0].get("reason")
                for m in partial:
                    if m["skip"] in c.text:
                        c.skip = m.get("reason")
                out.append(("command", c))
        return out


def parse(path: Path) -> Document:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    blocks, problems, markers = [], [], []
    i = 0
    while i < len(lines):
        text = lines[i]
        m = _MARKER.match(text.strip())
        if m:
            attrs = {k: v for k, v in _ATTR.findall(m.group(1))}
            if "skip" in attrs and not attrs.get("reason"):
                problems.append(f"line {i + 1}: a readme-test skip needs reason=\"...\"")
            markers.append(attrs)
            i += 1
            continue
        fence = _FENCE.match(text)
        if fence:
            start, body = i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            blocks.append(Block(fence.group(1).lower(), start, body, markers))
            markers = []
            i += 1
            continue
        if text.strip():
            if markers:
                problems.append(f"line {i}: a readme-test marker must be right before a code block")
            markers = []
        i += 1
    return Document(blocks, problems)


def _commands(block: Block) -> list[Command]:
    if block.lang in ("sh", "bash", "shell"):
        return [_command(text, block.line + n) for n, text in _joined(block.body)]
    if block.lang == "console":
        out: list[Command] = []
        for n, text in enumerate(block.body):
            if text.startswith("$ "):
                out.append(_command(text[2:], block.line + n + 1))
            elif out:
                out[-1].expected.append(text)
        return out
    if block.lang == "python":
        return [Command("\n".join(block.body), block.line, kind="python")]
    return []


def _joined(body: list[str]):
    pending, first = "", 0
    for n, raw in enumerate(body, start=1):
        if not pending:
            first = n
        text = raw.rstrip()
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        text = (pending + text).strip()
        pending = ""
        if text and not text.startswith("#"):
            yield first, text


def _command(text: str, line: int) -> Command:
    m = _EXIT.search(text)
    c = Command(text, line, exit_code=int(m.group(1)) if m else 0)

    def cap(match: re.Match) -> str:
        n = int(match.group(3).replace(",", "").replace("_", ""))
        if n <= MAX_COUNT:
            return match.group(0)
        c.capped = True
        return f"{match.group(1)}{match.group(2)}{MAX_COUNT}"

    c.text = _COUNT.sub(cap, text)
    return c


# --- comparing outputs -------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_MASKS = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?"), "<time>"),
    (re.compile(r"\b\d+:\d{2}:\d{2}\b"), "<time>"),
    (re.compile(r"[\d,]+(\.\d+)? ([a-z]+)/s\b"), r"<n> \2/s"),
    (re.compile(r"\b\d+(\.\d+)? s\b"), "<t> s"),
]
_BOX = str.maketrans({c: " " for c in "│┃║╭╮╰╯"})
_RULES = re.compile(r"([━─═┄])\1+")


def normalize(line: str) -> str:
    """The stable part of an output line (see the module docstring)."""
    text = _ANSI.sub("", line).translate(_BOX)
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    text = _RULES.sub(r"\1", text)
    text = re.sub(r"\s*([╇╋┼┿╪])\s*", r"\1", text)
    return " ".join(text.split())


def compare(expected: list[str], actual: str) -> list[str]:
    """Problems: shown lines not found, in order, in the actual output."""
    got = [normalize(x) for x in actual.splitlines()]
    got = [x for x in got if x]
    at, problems = 0, []
    for want_raw in expected:
        want = normalize(want_raw)
        if not want or want == "...":
            continue
        prefix = want.endswith(" ...")
        want = want.removesuffix(" ...") if prefix else want
        hit = next((j for j in range(at, len(got)) if (got[j].startswith(want) if prefix else got[j] == want)),
                   None)
        if hit is None:
            import difflib

            near = difflib.get_close_matches(want, got, n=1, cutoff=0.5)
            problems.append(f"shown:  {want_raw.strip()}\n      actual has: {near[0] if near else '(nothing like it)'}")
            continue
        at = hit + 1
    return problems


# --- running -----------------------------------------------------------------

@dataclass
class Outcome:
    command: Command
    code: int | None = None
    stdout: str = ""
    stderr: str = ""
    problems: list[str] = field(default_factory=list)


def run(path: Path, workdir: Path, python: str = sys.executable) -> tuple[Document, list[Outcome]]:
    """Run every step of the document in `workdir`; the outcomes of the commands."""
    doc = parse(path)
    venv = workdir / ".venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.prefix))  # the environment running this: .venv/bin/healthsim resolves
    env = {**os.environ, "COLUMNS": "140", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("FORCE_COLOR", None)
    outcomes: list[Outcome] = []
    for kind, item in doc.steps():
        if kind == "file":
            name, text = item
            target = workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            continue
        c: Command = item  # type: ignore[assignment]
        o = Outcome(c)
        outcomes.append(o)
        if c.skip is not None:
            continue
        if c.capped and c.expected:
            o.problems.append(f"the command's count is above {MAX_COUNT:,} (lowered in the test), "
                              "so its output cannot be checked: show output only for small runs")
        argv = [python, "-c", c.text] if c.kind == "python" else ["/bin/bash", "-c", c.text]
        try:
            done = subprocess.run(argv, check=False, cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            o.problems.append(f"did not finish in {TIMEOUT} s")
            continue
        o.code, o.stdout, o.stderr = done.returncode, done.stdout, done.stderr
        if done.returncode != c.exit_code:
            tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
            o.problems.append(f"exit code {done.returncode}, expected {c.exit_code}:\n        " + "\n        ".join(tail))
        if c.expected:
            o.problems.extend(compare(c.expected, done.stdout + "\n" + done.stderr))
    return doc, outcomes


def report(path: Path, doc: Document, outcomes: list[Outcome]) -> str:
    lines = list(doc.problems)
    for o in outcomes:
        for p in o.problems:
            lines.append(f"{path.name}:{o.command.line}: $ {o.command.text.splitlines()[0][:120]}\n    {p}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "README.md").resolve()
    with tempfile.TemporaryDirectory(prefix="readme-") as tmp:
        doc, outcomes = run(path, Path(tmp))
        for o in outcomes:
            head = f"--- {path.name}:{o.command.line}: $ {shlex.quote(o.command.text)[:150]}"
            if o.command.skip is not None:
                print(f"{head}\n(skipped: {o.command.skip})")
                continue
            print(f"{head}  [exit {o.code}]")
            print(o.stdout.rstrip())
            if o.stderr.strip():
                print(o.stderr.rstrip())
        text = report(path, doc, outcomes)
        print("\n=== problems ===\n" + (text or "none"))
        return 1 if text else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
