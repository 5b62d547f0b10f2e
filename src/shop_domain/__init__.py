"""The pure domain model of `shop`: attrs classes and the standard library, nothing else."""
