"""OpenStack Image service (Images API v2) with store-aware locations."""
