"""The synthetic fintech world: a bank's articles, customers and tickets, from a fixed seed."""

from keel.world.articles import Article
from keel.world.build import SEED, ensure_world
from keel.world.categories import Category
from keel.world.knowledge import KnowledgeBase, SearchHit
from keel.world.tickets import Ticket
from keel.world.world import World

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
