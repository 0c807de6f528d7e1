"""One module per `vincula` sub-command group; each exposes `register(app)`."""
