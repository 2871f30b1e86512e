"""campaignkit: personalised campaign design and campaign-effect prediction, checked against known truth.

Stages, one subpackage each, in import order (see ``README.md`` and ``CONTRIBUTING.md``):

- :mod:`campaignkit.data` - the canonical schema, loaders, validation with quarantine, preprocessing, Hillstrom
- :mod:`campaignkit.data.world` - the synthetic world: a structural causal model with exact campaign effects
- :mod:`campaignkit.features` - per-user features as of a cutoff, event sequences and the feature store (DuckDB)
- :mod:`campaignkit.models` - the model contract, the gradient-boosting learners, policies, the prediction object
- :mod:`campaignkit.models.deep` - the deep behaviour model (networks, Lightning module, data module, trainer)
- :mod:`campaignkit.explain` - SHAP explanations of uplift and choice, reason codes, faithfulness checks
- :mod:`campaignkit.design` - segments, budgeted assignment with a certificate, budget curves, campaign parameters
- :mod:`campaignkit.evaluation` - scores against a referee: the world's truth or a randomised log
- :mod:`campaignkit.forecast` - cross-fitting, plan forecasts with intervals, realised lift, off-policy values
- :mod:`campaignkit.loop` - the feedback loop: plan, run with a holdout, measure, retrain, round after round
- :mod:`campaignkit.metrics` - classification, calibration, uplift, effect and policy-value metrics (of the kit it
  reads only :mod:`campaignkit.errors`, :mod:`campaignkit.config` and :mod:`campaignkit._helpers`)

The report runner behind ``campaignkit report``:

- :mod:`campaignkit.report` - execute the numbered notebooks with papermill into a report folder
- :mod:`campaignkit.report_html` - notebook HTML that reads offline (maths as MathML)
- :mod:`campaignkit.report_index` - the report's ``index.html``
- :mod:`campaignkit.cli` - the ``campaignkit`` command (``python -m campaignkit``: :mod:`campaignkit.__main__`)
- :mod:`campaignkit.nbparams` - a notebook's declared parameters and the values a report run uses
- :mod:`campaignkit.notebook` - ``glue`` a key metric in a notebook and read it back
- :mod:`campaignkit.progress` - progress bars where someone watches, one line per step in logs

Shared by every stage:

- :mod:`campaignkit.config` - paths, the data home and seeds (``resolve_seed``, ``resolve_rng``)
- :mod:`campaignkit.errors` - the kit's exceptions (``CampaignkitError`` and its subclasses)
- :mod:`campaignkit.privacy` - keyed pseudonyms and small-group suppression for reports
- :mod:`campaignkit._atomic` - atomic writes: a killed run leaves the old version or the new one
- :mod:`campaignkit._helpers` - the Axes a plot draws on, file checksums
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
