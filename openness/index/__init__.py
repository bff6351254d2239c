"""`openness index`: an automatic, evidence-backed openness index of the Hub's models."""
