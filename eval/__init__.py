"""Quality metrics and benchmarks; reads the same public interfaces as the product."""
