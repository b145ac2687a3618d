"""Where the project keeps its files: database, raw pulls, bundled snapshot, vocabularies."""

from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT_DIR / "data"
DB_PATH = DATA_DIR / "warehouse.duckdb"
RAW_DIR = DATA_DIR / "raw"
SNAPSHOT_DIR = DATA_DIR / "snapshot"
SNAPSHOT_PATH = SNAPSHOT_DIR / "studies.ndjson.gz"
VOCAB_DIR = DATA_DIR / "vocab"
CURATED_DIR = DATA_DIR / "curated"
