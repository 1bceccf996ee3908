"""Data-aware sampling: coordinated (priority / threshold) sampling, and
(with later issues) leverage, Lewis, sensitivity, DPP and volume sampling."""

from .coordinated import CoordinatedSketch, coordinated_sketch, estimate_product

__all__ = ["CoordinatedSketch", "coordinated_sketch", "estimate_product"]
