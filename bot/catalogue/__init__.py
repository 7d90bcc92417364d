"""The catalogue from the business: products and prices held once in the store, read by
flows through ``turn.services.catalogue`` (docs/flows.md, "Services")."""

from bot.catalogue.model import Catalogue, Product, parse_catalogue
from bot.catalogue.service import CatalogueService, FixedCatalogue, StoredCatalogue

__all__ = ["Catalogue", "CatalogueService", "FixedCatalogue", "Product", "StoredCatalogue",
           "parse_catalogue"]
