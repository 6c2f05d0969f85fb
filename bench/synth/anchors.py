"""Anchor synthesizers and the neutral judge, run inside the benchmark's virtual environments.

  python anchors.py sdv TRAIN OUT ROWS        SDV GaussianCopulaSynthesizer, fit + sample
  python anchors.py mst TRAIN OUT ROWS EPS DELTA   smartnoise-synth MST, fit + sample
  python anchors.py quality TRAIN SYNTH       SDMetrics QualityReport (JSON on stdout)

Prints one JSON line. Times are in-process (fit + sample), excluding interpreter start and
imports, which favours the anchors.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402

NUMERIC = {"age"}


def metadata_dict(df):
    return {
        "columns": {
            c: {"sdtype": "numerical" if c in NUMERIC else "categorical"} for c in df.columns
        }
    }


def main():
    mode = sys.argv[1]
    train = pd.read_csv(sys.argv[2])
    if mode == "sdv":
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        meta = Metadata.load_from_dict({"tables": {"t": metadata_dict(train)}})
        t0 = time.perf_counter()
        s = GaussianCopulaSynthesizer(meta)
        try:
            s.fit(train)
        except Exception:
            # SDV 2 takes {table name: DataFrame} even for one table.
            s.fit({"t": train})
        out = s.sample(int(sys.argv[4]))
        if isinstance(out, dict):
            out = out["t"]
        dt = time.perf_counter() - t0
        out.to_csv(sys.argv[3], index=False)
        print(json.dumps({"seconds": dt}))
    elif mode == "mst":
        from snsynth import Synthesizer

        t0 = time.perf_counter()
        s = Synthesizer.create("mst", epsilon=float(sys.argv[5]), delta=float(sys.argv[6]))
        # Every column categorical: MST's domains then come from the data (not private), which
        # favours MST slightly; datalab releases its domains with DP.
        s.fit(train, preprocessor_eps=0.0, categorical_columns=list(train.columns))
        out = s.sample(int(sys.argv[4]))
        dt = time.perf_counter() - t0
        out.to_csv(sys.argv[3], index=False)
        print(json.dumps({"seconds": dt}))
    elif mode == "quality":
        from sdmetrics.reports.single_table import QualityReport

        synth = pd.read_csv(sys.argv[3])
        synth = synth[train.columns]
        r = QualityReport()
        r.generate(train, synth, metadata_dict(train), verbose=False)
        props = r.get_properties()
        print(
            json.dumps(
                {
                    "overall": r.get_score(),
                    "properties": {row["Property"]: row["Score"] for _, row in props.iterrows()},
                }
            )
        )


if __name__ == "__main__":
    main()
