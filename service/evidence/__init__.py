"""Evidence: the artefacts a vendor ships (model cards, dependency files, SBOMs, charts),
parsed safely and offline into facts that confirm or contradict the vendor's answers."""
