"""campaignkit: personalised campaign design and campaign-effect prediction, checked against known truth.

Stages, one subpackage each (see ``README.md``):

- :mod:`campaignkit.data` - the synthetic world, loaders, validation with quarantine, preprocessing
- :mod:`campaignkit.features` - RFM, behaviour aggregates and event sequences (DuckDB)
- :mod:`campaignkit.models` - the behaviour Transformer with uplift heads, and baselines
- :mod:`campaignkit.metrics` - classification, calibration, uplift and policy-value metrics
- :mod:`campaignkit.report` - the papermill report runner behind ``campaignkit report``

Shared by every stage: :mod:`campaignkit.config` (paths; random state through ``resolve_seed`` and
``resolve_rng``), :mod:`campaignkit._atomic` (atomic writes) and :mod:`campaignkit._helpers` (the Axes a plot
draws on, file checksums).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
