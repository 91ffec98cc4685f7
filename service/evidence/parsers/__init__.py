"""One parser per family of evidence file: text in, facts out, nothing executed or fetched."""
