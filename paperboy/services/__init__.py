"""What the product does: each module combines the foundation for one capability."""
