"""Turning trained runs into browser bundles, and bundles into a static site."""
