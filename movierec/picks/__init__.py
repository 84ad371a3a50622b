"""A profile's picks as pure functions, below the engine: ``scoring`` (a profile's scores per mode, the
blends, the list a person gets), ``rerank`` (MMR diversity, reasons), ``calibration`` (the predicted match)."""
