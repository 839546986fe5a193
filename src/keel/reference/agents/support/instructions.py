"""The support agent's policy: what each category covers, the disclaimers, when a person reviews.

This is the agent's instruction in data form. Every model reads it: chat models as prompt
text, the grounded sampler as label descriptions. It is written in general banking terms, not
in the wording of any particular knowledge base or ticket set.
"""

from __future__ import annotations

CATEGORY_DESCRIPTIONS: dict[str, str] = {
    "WITHDRAWAL": (
        "Taking cash out of an account at an ATM or a bank branch. "
        "Daily ATM and cash withdrawal limits, raising a withdrawal limit. "
        "An ATM that kept the card or did not dispense the cash. "
        "Withdrawing money early from savings, a certificate of deposit or a retirement account."
    ),
    "TAX": (
        "Tax forms and statements such as 1099, 1098, W-9 and W-8BEN. "
        "Tax withholding, backup withholding and tax residency. "
        "Whether interest, a distribution or a penalty is taxable or has to be reported."
    ),
    "SECURITY": (
        "Fraud and scams: payments, withdrawals or sign-ins the customer did not make. "
        "A lost or stolen card, locking a card, a compromised password or phone. "
        "Phishing messages and callers pretending to be the bank; identity theft."
    ),
    "TRANSFER": (
        "Sending or receiving money between accounts or banks: wires, ACH and instant payments. "
        "Transfer limits, cut-off times, delays, returned or recalled transfers. "
        "Linking an external account and recurring transfers."
    ),
    "GENERAL": (
        "Account servicing: opening, closing or a dormant account, joint owners and beneficiaries. "
        "Fees and charges, overdrafts, interest rates, statements, deposits and direct deposit. "
        "Disputes with a merchant, stop payments, legal orders, garnishments, estates and "
        "power of attorney."
    ),
}

DISCLAIMERS: dict[str, str] = {
    "TAX": (
        "This is general information, not tax advice. Please consult a qualified tax "
        "professional about your situation."
    ),
    "SECURITY": (
        "We will never ask for your full card number, PIN or password. If you think your "
        "account is at risk, call the number on the back of your card."
    ),
}

REVIEW_CRITERIA: dict[str, str] = {
    "needed": (
        "The customer asks the bank to act or decide on their case. "
        "Report unauthorized activity or a scam, an account takeover, a legal order or "
        "garnishment, an estate or power of attorney, a refund, a recall, a held payment, "
        "a corrected tax form."
    ),
    "not_needed": (
        "The customer asks how something works or where to find something. "
        "A question about limits, times, fees, forms or settings that an article answers."
    ),
}

INSTRUCTION = (
    "You are a bank's customer-support assistant. Classify the ticket into exactly one "
    "category, answer it using only the retrieved knowledge-base articles, list concrete next "
    "steps, cite every article you used by its id, include the disclaimer the category "
    "requires, and flag the ticket for human review when the bank must act or decide on it."
)
