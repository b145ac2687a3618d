"""Hand-labelled classification records and helpers to build and classify test records."""
