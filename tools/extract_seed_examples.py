"""Copy the JSON examples of the seed documents verbatim into tests/language/data/seed_examples/.

    python tools/extract_seed_examples.py /work/shared/seeds

Each ```json block of the documents below becomes one file named after its
document and position (`profile-builder__2.json`). A block holding several
one-line objects (the journey builder's timing options) becomes one file per
line. Specs shown as a builder's answer inside a conversation block
("Builder Output:", "Journey Output:", "Combined Specification:") are copied too,
from their first brace. Comments (`// ...`) are kept in the file as written; the test strips
them the way a reader would. Re-run when the seed documents change.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = [
    "generation-framework-readme.md",
    "linked/skills/generation/builders/profile-builder.md",
    "linked/skills/generation/builders/journey-builder.md",
    "linked/skills/generation/builders/quick-generate.md",
    "linked/skills/generation/executors/profile-executor.md",
    "linked/skills/generation/executors/journey-executor.md",
    "linked/skills/generation/distributions/distribution-types.md",
    "linked/skills/generation/templates/profiles/commercial-healthy.md",
    "linked/skills/generation/templates/profiles/commercial-maternity.md",
    "linked/skills/generation/templates/profiles/medicaid-pediatric.md",
    "linked/skills/generation/templates/profiles/medicare-advantage-complex.md",
    "linked/skills/generation/templates/profiles/medicare-diabetic.md",
    "linked/skills/generation/templates/journeys/annual-enrollment.md",
    "linked/skills/generation/templates/journeys/care-transition.md",
    "linked/skills/generation/templates/journeys/chf-first-year.md",
    "linked/skills/generation/templates/journeys/diabetic-annual.md",
    "linked/skills/generation/templates/journeys/diabetic-first-year.md",
    "linked/skills/generation/templates/journeys/disenrollment.md",
    "linked/skills/generation/templates/journeys/hf-exacerbation.md",
    "linked/skills/generation/templates/journeys/new-member-onboarding.md",
    "linked/skills/generation/templates/journeys/oncology-treatment-cycle.md",
    "linked/skills/generation/templates/journeys/surgical-episode.md",
    "linked/skills/generation/README.md",
    "linked/skills/generation/executors/cross-domain-sync.md",
    "linked/skills/generation/distributions/README.md",
    "linked/skills/generation/distributions/age-distributions.md",
    "linked/skills/generation/distributions/cost-distributions.md",
    "linked/skills/generation/journeys/journey-patterns.md",
]
OUT = Path(__file__).resolve().parent.parent / "tests" / "language" / "data" / "seed_examples"
FENCE = re.compile(r"^```(\w*)\s*$", re.MULTILINE)
OUTPUT = re.compile(r"^(?:Builder Output|Journey Output|Combined Specification):\s*\n(\{.*\})\s*$",
                    re.DOTALL | re.MULTILINE)


def _blocks(text: str):
    """(language, body) of each fenced block, fences paired in order."""
    fences = list(FENCE.finditer(text))
    for opening, closing in zip(fences[::2], fences[1::2], strict=False):
        yield opening.group(1), text[opening.end() + 1:closing.start()]


def main(seeds: Path) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    n = 0
    for doc in DOCS:
        text = (seeds / doc).read_text(encoding="utf-8")
        stem = Path(doc).stem if Path(doc).stem != "README" else f"{Path(doc).parent.name}-readme"
        blocks = list(_blocks(text))
        for i, body in enumerate((b for lang, b in blocks if lang == "json"), 1):
            (OUT / f"{stem}__{i}.json").write_text(body, encoding="utf-8")
            n += 1
        # Specs shown as a builder's answer inside a conversation block ("Builder Output:\n{...}")
        outputs = (o.group(1) for lang, b in blocks if lang == "" and (o := OUTPUT.search(b)))
        for i, body in enumerate(outputs, 1):
            (OUT / f"{stem}__output{i}.json").write_text(body + "\n", encoding="utf-8")
            n += 1
    print(f"{n} examples written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/seeds")))
