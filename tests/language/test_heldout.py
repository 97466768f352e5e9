"""The held-out request slices: frozen, measured, never tuned on.

heldout.yaml (71 rows), heldout2.yaml (109 rows), heldout3.yaml (60 rows) and heldout4.yaml
(62 rows), the last three written 2026-12-03 before the parser was run on them, are pinned by their sha256 so that no row is edited to make it pass: a change to
either file fails here and has to be argued in review. Defects they reveal are fixed with new
phrasings in requests.yaml (the tuning table). The scores are MEASURED, not asserted beyond a
floor against regressions: `python -m tests.language.score heldout2.yaml` prints the score and
every miss (docs/conversation.md records the measured figures).
"""

from __future__ import annotations

import hashlib

import pytest
from tests.language.score import score
from tests.language.table import HERE

FROZEN = {
    "heldout.yaml": "509da01eb1a3922285fe515b29adf90b71ae8031c291485334ac5d33747cf21e",
    "heldout2.yaml": "6ceb5d9659c20947416d7225489f81f0c8ddc5ca5960139a25129ac4024eede4",
    "heldout3.yaml": "353c898c106f5d6f856389b134df4ee5d65c03c42bd099dab28fbb256d0b4797",
    "heldout4.yaml": "7e6deb474b0596bb58370ce6e3bc10113a8cc85a263aaa6ee19efe785acbacb9",
}
# Floors against regressions (strict). First measurements, before any fix informed by the misses:
# heldout2 97/109 (89.0%), heldout 66/71 (93.0%) — the held-out figures. After general fixes tested
# with new phrasings in requests.yaml: 108/109 and 68/71 (no longer blind, so only a floor).
# heldout3 (60 rows, written after those fixes) measured blind at first run: 57/60 (95.0%).
# heldout4 (62 rows, written after the probe fixes of 2026-12-03 ~10:00, committed in 83ff087 before
# the parser was run on it) measured blind at first run: 62/62 (100%).
FLOOR = {"heldout.yaml": 68 / 71, "heldout2.yaml": 108 / 109, "heldout3.yaml": 57 / 60, "heldout4.yaml": 62 / 62}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_held_out_slice_is_unchanged(name):
    digest = hashlib.sha256((HERE / name).read_bytes()).hexdigest()
    assert digest == FROZEN[name], f"{name} was edited: held-out rows are frozen (add new rows to requests.yaml)"


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_held_out_slice_does_not_regress(name):
    share, misses = score(name, strict=True)
    assert share >= FLOOR[name] - 1e-9, "\n".join(f"{t!r}: {f}" for t, f in misses)
