"""Sources turn a subject (a repo id or a folder) into a Snapshot."""
