"""Extra member attributes declared in the profile (e.g. diabetes_control)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import PopulationPlan

ATTRIBUTE_STREAM_BASE = 100  # sub-stream per attribute, by position in the spec


def sample_attributes(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """Draw each attribute (in spec order, so later ones may depend on earlier)."""
    ids, names, text, num = [], [], [], []
    for i, (name, dist) in enumerate(plan.spec.attributes.items()):
        rng = block_rng(plan.seed, m.block, Stream.DEMOGRAPHICS, sub=ATTRIBUTE_STREAM_BASE + i)
        values = dist.sample(m.n, rng, m.context())
        m.attributes[name] = values
        ids.append(m.person_id)
        names.append(np.full(m.n, name, dtype=object))
        if values.dtype.kind in "fiub":
            num.append(values.astype(float))
            text.append(np.full(m.n, None, dtype=object))
        else:
            text.append(values.astype(object))
            num.append(np.full(m.n, np.nan))
    if not ids:
        return pa.table({"person_id": pa.array([], pa.int64()), "attribute": pa.array([], pa.string()),
                         "value_text": pa.array([], pa.string()), "value_num": pa.array([], pa.float64())})
    return pa.table({
        "person_id": np.concatenate(ids),
        "attribute": pa.array(np.concatenate(names), pa.string()),
        "value_text": pa.array(np.concatenate(text), pa.string()),
        "value_num": pa.array(np.concatenate(num), pa.float64(), from_pandas=True),
    })
