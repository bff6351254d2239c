"""The license engine: identify a license, find its clauses, judge it against the OSD."""
