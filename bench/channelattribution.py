#!/usr/bin/env python3
"""Times ChannelAttribution (the Python port of the R package, same authors, same C++ core)
on the paths `partner-attribution bench` wrote, and compares its credit with ours.

`bench` runs it when `python3` can import ChannelAttribution; by hand:

    python3 bench/channelattribution.py --paths DIR/paths.csv --ours DIR/ours.csv \
        --out DIR/theirs.json [--ncore 2]

paths.csv (`;`-separated, ChannelAttribution's own example layout): path (source tokens
joined by `>`, repeats of a source already dropped, as our chain sees them),
total_conversions, total_conversion_value, total_null.
ours.csv: token, then our credited conversions per model column (`first`, `last`,
`markov_1`, `markov_2`, `markov_3`).

Writes a JSON list to --out, one entry per model timed: its name, seconds, and the largest
relative difference between its credited conversions and ours over the sources we credit
(ChannelAttribution simulates the chain, so Markov differs within sampling noise; its
higher orders also define states differently: sliding windows of whole k-tuples). Exits 3
with the reason on stderr when ChannelAttribution cannot be imported.
"""

import argparse
import contextlib
import io
import json
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paths", required=True)
    parser.add_argument("--ours", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ncore", type=int, default=2)
    parser.add_argument("--orders", default="1,2,3")
    args = parser.parse_args()
    try:
        # The package prints a banner when imported and after each call: keep it quiet.
        with contextlib.redirect_stdout(io.StringIO()):
            import pandas as pd
            import ChannelAttribution as ca
    except Exception as why:  # any import failure means: skip, saying why
        print(f"ChannelAttribution cannot be imported: {why}", file=sys.stderr)
        sys.exit(3)

    paths = pd.read_csv(args.paths, sep=";", dtype={"path": str})
    ours = pd.read_csv(args.ours, sep=";", dtype={"token": str}).set_index("token")
    results = [time_heuristics(ca, paths, ours)]
    for order in [int(o) for o in args.orders.split(",")]:
        results.append(time_markov(ca, paths, ours, order, args.ncore))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(results, out)


def timed(call):
    """Seconds `call` takes, and its result (its printing swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        result = call()
        return time.perf_counter() - started, result


def largest_relative_difference(theirs, ours):
    """max |theirs - ours| / ours over the sources we credit (theirs missing counts as 0)."""
    largest = 0.0
    for token, credit in ours.items():
        if credit <= 0:
            continue
        largest = max(largest, abs(float(theirs.get(token, 0.0)) - credit) / credit)
    return largest


def time_heuristics(ca, paths, ours):
    """heuristic_models: first, last and linear touch in one call."""
    secs, result = timed(
        lambda: ca.heuristic_models(
            paths, "path", "total_conversions", var_value="total_conversion_value",
            flg_pro=False,
        )
    )
    result = result.set_index("channel_name")
    difference = max(
        largest_relative_difference(result["first_touch_conversions"], ours["first"]),
        largest_relative_difference(result["last_touch_conversions"], ours["last"]),
    )
    return {"model": "heuristic", "secs": secs, "largest_relative_difference": difference}


def time_markov(ca, paths, ours, order, ncore):
    """markov_model of `order` with the journeys that did not convert, its defaults else."""
    secs, result = timed(
        lambda: ca.markov_model(
            paths, "path", "total_conversions", var_value="total_conversion_value",
            var_null="total_null", order=order, ncore=ncore, verbose=False, flg_pro=False,
        )
    )
    result = result.set_index("channel_name")
    difference = largest_relative_difference(
        result["total_conversions"], ours[f"markov_{order}"]
    )
    return {
        "model": f"markov order {order}",
        "secs": secs,
        "largest_relative_difference": difference,
    }


if __name__ == "__main__":
    main()
