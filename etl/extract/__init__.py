"""Extract: fetch registry records (httpx) and read record files; writes raw pulls only."""
