"""SMS through an HTTP gateway (Indian DLT rules: a registered sender id and template ids)."""
