"""Name, place and merchant pools the bank generator draws from (all fictional businesses)."""

from __future__ import annotations

from dataclasses import dataclass

_FIRST_NAMES_TEXT = """
    Aisha Alejandro Amara Andrea Anil Ben Bianca Carlos Chen Chloe Daniel Deepa Dmitri Elena
    Emeka Emily Fatima Felix Gabriel Grace Hana Hector Ibrahim Ingrid Isaac Jamal Jasmine
    Jonas Julia Kai Karen Kenji Laila Leon Lucia Malik Maria Marcus Maya Mei Miguel Nadia
    Naomi Nikhil Noah Olga Omar Priya Rafael Rosa Ruth Samuel Sara Sean Sofia Tariq Tomas
    Uma Victor Wei Yara Yusuf Zoe Patrick Helen Frank Linda George Irene Walter Dolores
"""
FIRST_NAMES = tuple(_FIRST_NAMES_TEXT.split())

_LAST_NAMES_TEXT = """
    Abbott Adeyemi Alvarez Andersen Bauer Bennett Brooks Castillo Chen Chowdhury Cohen Costa
    Diaz Dubois Edwards Eriksen Fischer Flores Garcia Gupta Haddad Hansen Hughes Ito Jensen
    Kaplan Kim Kowalski Larsen Lee Lopez Mahmoud Martin Meyer Morales Murphy Nakamura Nguyen
    Novak Okafor Olsen Park Patel Perez Petrov Quinn Ramirez Reyes Rossi Russo Sato Schmidt
    Shah Silva Singh Sullivan Tanaka Torres Turner Varga Wagner Walsh Wang Weber Williams
    Wong Yamamoto Young Zhang Ziegler
"""
LAST_NAMES = tuple(_LAST_NAMES_TEXT.split())

CITIES = (
    ("Portland", "OR"),
    ("Austin", "TX"),
    ("Columbus", "OH"),
    ("Raleigh", "NC"),
    ("Denver", "CO"),
    ("Madison", "WI"),
    ("Tucson", "AZ"),
    ("Richmond", "VA"),
    ("Omaha", "NE"),
    ("Sacramento", "CA"),
    ("Boise", "ID"),
    ("Albany", "NY"),
    ("Providence", "RI"),
    ("Spokane", "WA"),
    ("Savannah", "GA"),
    ("Tampa", "FL"),
    ("Pittsburgh", "PA"),
    ("Ann Arbor", "MI"),
    ("Des Moines", "IA"),
    ("Burlington", "VT"),
    ("Santa Fe", "NM"),
    ("Louisville", "KY"),
    ("Reno", "NV"),
    ("Anchorage", "AK"),
)

EMAIL_DOMAINS = ("mail.example", "inbox.example", "post.example", "webmail.example")

FOREIGN_RESIDENCIES = ("DE", "GB", "CA", "MX", "IN", "FR", "JP", "BR")


@dataclass(frozen=True)
class Merchant:
    """A card merchant: name, category, typical amount range in cents, relative frequency."""

    name: str
    category: str
    low_cents: int
    high_cents: int
    weight: int
    country: str = "US"


MERCHANTS = (
    Merchant("Corner Market", "grocery", 1_200, 14_000, 9),
    Merchant("Fresh Basket Grocers", "grocery", 2_500, 21_000, 7),
    Merchant("Bluebird Coffee", "restaurants", 350, 1_400, 8),
    Merchant("Riverside Diner", "restaurants", 1_500, 8_500, 5),
    Merchant("Northline Fuel", "fuel", 2_500, 8_000, 6),
    Merchant("Metro Transit", "transit", 275, 4_000, 5),
    Merchant("QuickRide", "transit", 800, 4_500, 4),
    Merchant("Harbor Pharmacy", "health", 800, 9_000, 4),
    Merchant("Cedar Hardware", "home", 1_000, 25_000, 3),
    Merchant("Lumen Electronics", "electronics", 4_000, 90_000, 2),
    Merchant("ShopRight Online", "online retail", 1_000, 30_000, 6),
    Merchant("Pixel Streaming", "subscriptions", 1_599, 1_599, 3),
    Merchant("Tempo Fitness Club", "subscriptions", 3_900, 3_900, 2),
    Merchant("City Cinema", "entertainment", 1_200, 4_500, 2),
    Merchant("Skyway Airlines", "travel", 12_000, 90_000, 1),
    Merchant("Atlas Hotels", "travel", 15_000, 70_000, 1),
    Merchant("Cafe Lumiere Paris", "restaurants", 1_500, 9_000, 1, "FR"),
    Merchant("Mercado da Ribeira Lisboa", "grocery", 1_000, 6_000, 1, "PT"),
    Merchant("Kyoto Station Shops", "retail", 1_500, 12_000, 1, "JP"),
)

BILLERS = (
    ("Brightwave Energy", "utilities", 6_000, 22_000),
    ("Clearstream Water", "utilities", 3_000, 9_000),
    ("Orbit Mobile", "phone", 4_500, 12_000),
    ("Safeguard Auto Insurance", "insurance", 8_000, 21_000),
    ("Fiberlink Internet", "internet", 5_000, 9_000),
)

EMPLOYERS = (
    "Acme Logistics Payroll",
    "Brightside Health Payroll",
    "Summit Schools Payroll",
    "Vantage Software Payroll",
    "Greenfield Foods Payroll",
    "Harborview Hospital Payroll",
)

# (name, network, relative frequency): most customers use the bank's own or partner machines.
ATMS = (
    ("LARKSPUR ATM", "larkspur", 55),
    ("ALLPOINT ATM", "partner", 25),
    ("CARDTRONIX ATM", "other", 12),
    ("CORNER MARKET ATM", "other", 8),
)

FOREIGN_ATMS = (
    ("BANCO ATM MADRID", "ES"),
    ("SPARKASSE ATM BERLIN", "DE"),
    ("HSBX ATM LONDON", "GB"),
)
