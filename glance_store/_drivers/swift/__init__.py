"""The swift driver: see ``store`` (data), ``location`` (URL forms) and
``options`` (configuration and reference files)."""

from glance_store._drivers.swift.store import Store
from glance_store._drivers.swift.store import StoreLocation

__all__ = ['Store', 'StoreLocation']
