"""`python -m bench [all|etl|history|pages] [--sizes N,N]`: print benchmark figures."""

import argparse

from bench import etl_speed

parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
parser.add_argument("what", nargs="?", default="all", choices=("all", "etl", "history", "pages"))
parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated study counts (ETL)")
parser.add_argument(
    "--pages-size", type=int, default=100_000, help="synthetic studies for the large page timing"
)
parser.add_argument(
    "--history-size", type=int, default=100_000, help="synthetic studies per refresh (history)"
)
parser.add_argument("--history-refreshes", type=int, default=10, help="refreshes in the history benchmark")
args = parser.parse_args()
sizes = tuple(int(s) for s in args.sizes.split(","))
if args.what in ("all", "etl"):
    etl_speed.run(sizes)
if args.what in ("all", "history"):
    from bench import history

    history.run(args.history_size, args.history_refreshes)
if args.what in ("all", "pages"):
    # Imported here: it pulls in streamlit, which the ETL benchmark does not need.
    from bench import pages

    pages.run(args.pages_size)
