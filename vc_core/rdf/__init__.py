"""RDF datasets: the term model, N-Quads, and RDF Dataset Canonicalization (RDFC-1.0)."""
