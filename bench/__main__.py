"""`python -m bench [etl|pages] [--sizes N,N]`: print benchmark figures."""

import argparse

from bench import etl_speed

parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
parser.add_argument("what", nargs="?", default="all", choices=("all", "etl"))
parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated study counts")
args = parser.parse_args()
sizes = tuple(int(s) for s in args.sizes.split(","))
if args.what in ("all", "etl"):
    etl_speed.run(sizes)
