"""The synthetic fintech world: a bank's articles, customers and tickets, from a fixed seed."""

from keel.reference.world.articles import Article
from keel.reference.world.build import SEED, ensure_world
from keel.reference.world.categories import Category
from keel.reference.world.knowledge import KnowledgeBase, SearchHit
from keel.reference.world.tickets import Ticket
from keel.reference.world.world import World

__all__ = [
    "SEED",
    "Article",
    "Category",
    "KnowledgeBase",
    "SearchHit",
    "Ticket",
    "World",
    "ensure_world",
]
