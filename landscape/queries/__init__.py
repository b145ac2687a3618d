"""Every query the app runs: typed functions (warehouse, filters, ...) -> Polars frames."""
