from tests.catalogue.catalogue_copy import catalogue_dir, store

__all__ = ["catalogue_dir", "store"]
