"""Scenarios genuinely between two categories, each with the one a support lead would choose.

The gold category is what the customer needs done or answered first; the other is what the
ticket also, legitimately, is about. A withdrawal whose penalty raises a tax question is filed
under TAX when the question is the tax, and under WITHDRAWAL when the customer is asking how to
make the withdrawal and only mentions the tax in passing.
"""

from __future__ import annotations

from keel.reference.world.categories import Category
from keel.reference.world.scenarios.model import Scenario

W, T, X, S, G = (
    Category.WITHDRAWAL,
    Category.TRANSFER,
    Category.TAX,
    Category.SECURITY,
    Category.GENERAL,
)

WITHDRAWAL_AND_TAX = (
    Scenario(
        "cd-penalty-tax",
        X,
        ("KB-302", "KB-301", "KB-107"),
        False,
        (
            (
                "hard",
                "I broke my CD ending {last4} early this spring and paid a penalty. Does that penalty show up on a tax form, and can I write it off?",
            ),
            (
                "medium",
                "After cashing out my certificate early the penalty was {amount}. How will that be reported for taxes?",
            ),
            (
                "hard",
                "Took money out of my CD before it matured and you kept part of the interest. My accountant wants to know where that appears on the {year} forms.",
            ),
        ),
        other=W,
        need="cd",
        amount=(60, 450),
    ),
    Scenario(
        "cd-withdraw-tax-aside",
        W,
        ("KB-107", "KB-302"),
        False,
        (
            (
                "hard",
                "I need {amount} out of my CD ending {last4} next week. How do I do it and how big is the penalty? I suppose that ends up on my tax form too.",
            ),
            (
                "medium",
                "What's the process to pull {amount} from my certificate early? I'll ask my tax person about the rest, I just need the money.",
            ),
        ),
        other=X,
        need="cd",
        amount=(2_000, 12_000),
    ),
    Scenario(
        "ira-early-tax",
        X,
        ("KB-109", "KB-307", "KB-310"),
        False,
        (
            (
                "hard",
                "I'm 52 and want to take {amount} from my IRA. How much tax will you hold back, and is there a penalty on top?",
            ),
            (
                "medium",
                "If I withdraw from my IRA ending {last4} now, what withholding applies and what form will I get for it?",
            ),
        ),
        other=W,
        need="ira",
        amount=(3_000, 20_000),
    ),
    Scenario(
        "ira-withdraw-howto",
        W,
        ("KB-109",),
        False,
        (
            (
                "hard",
                "How do I request a withdrawal of {amount} from my IRA ending {last4}? I know some tax may be withheld, that's fine.",
            ),
            (
                "medium",
                "Please tell me how to take money out of my retirement account. I'm over 60 so I don't think there's a penalty.",
            ),
        ),
        other=X,
        need="ira",
        amount=(2_000, 15_000),
    ),
    Scenario(
        "cash-report-irs",
        W,
        ("KB-105",),
        False,
        (
            (
                "hard",
                "If I take out {amount} in cash, does the bank report me to the IRS? I don't want any tax trouble.",
            ),
            (
                "medium",
                "Will withdrawing {amount} in cash trigger some government report? Should I take it out in smaller amounts instead?",
            ),
        ),
        other=X,
        amount=(10_500, 25_000),
    ),
    Scenario(
        "ira-distribution-withheld",
        X,
        ("KB-109", "KB-307"),
        False,
        (
            (
                "hard",
                "I took {amount} out of my IRA and only got part of it in checking. Where did the rest go?",
            ),
            (
                "medium",
                "My IRA withdrawal came in short. Was that tax taken out, and will it show on a form?",
            ),
        ),
        other=W,
        need="ira",
        amount=(2_000, 15_000),
    ),
)

TRANSFER_AND_SECURITY = (
    Scenario(
        "unrecognized-p2p",
        S,
        ("KB-402", "KB-207", "KB-405"),
        True,
        (
            (
                "hard",
                "A QuickSend payment of {amount} went out on {date} to someone I don't know. I didn't send it.",
            ),
            (
                "medium",
                "There's a transfer of {amount} on {date} I never made, to a person I've never heard of. How did this get through?",
            ),
        ),
        other=T,
        need="p2p_out",
    ),
    Scenario(
        "unrecognized-wire",
        S,
        ("KB-402", "KB-206", "KB-406"),
        True,
        (
            (
                "hard",
                "There's a wire of {amount} out of my account on {date} that I never authorized. Can you stop it?",
            ),
            (
                "medium",
                "Why did {amount} leave my checking by wire on {date}? I have not sent any wires.",
            ),
        ),
        other=T,
        need="wire",
    ),
    Scenario(
        "p2p-purchase-scam",
        S,
        ("KB-407", "KB-207"),
        True,
        (
            (
                "hard",
                "I paid {amount} with QuickSend on {date} for concert tickets from someone online and now they've blocked me. Can you reverse it?",
            ),
            (
                "medium",
                "Sent {amount} on {date} to a seller on a marketplace for a puppy. The seller disappeared. I want the transfer cancelled.",
            ),
        ),
        other=T,
        need="p2p_out",
    ),
    Scenario(
        "wire-callback-check",
        T,
        ("KB-211", "KB-204", "KB-403"),
        True,
        (
            (
                "hard",
                "Someone from Larkspur called to verify my {amount} wire to a new payee. Is that a real thing or a scam? I haven't confirmed yet.",
            ),
            (
                "medium",
                "My wire of {amount} is on hold and I got a call asking me to confirm it. Should I trust the call?",
            ),
        ),
        other=S,
        amount=(10_500, 40_000),
    ),
    Scenario(
        "safe-account-scam",
        S,
        ("KB-407", "KB-211", "KB-403"),
        True,
        (
            (
                "hard",
                "A man from your fraud department says my account is compromised and I must move {amount} to a new safe account today. Which account number should I use?",
            ),
            (
                "medium",
                "I was told by the bank's investigator to wire {amount} to a holding account while they fix a breach. Can you speed up my wire?",
            ),
        ),
        other=T,
        amount=(3_000, 30_000),
    ),
    Scenario(
        "wire-missing-worried",
        T,
        ("KB-206", "KB-205"),
        False,
        (
            (
                "hard",
                "My wire of {amount} on {date} still hasn't reached my landlord. I'm scared it went to the wrong person, how can I find out where it is?",
            ),
            (
                "medium",
                "The money I wired on {date} ({amount}) hasn't shown up. Could someone have intercepted it?",
            ),
        ),
        other=S,
        need="wire",
    ),
)

OTHER_PAIRS = (
    Scenario(
        "courier-cash-scam",
        S,
        ("KB-407", "KB-403", "KB-105"),
        True,
        (
            (
                "hard",
                "Someone claiming to be from Larkspur asked me to withdraw {amount} in cash and hand it to a courier for safekeeping. Is that normal?",
            ),
            (
                "medium",
                "The bank's security officer on the phone wants me to take out {amount} at the branch and not tell the teller why. He'll collect it tonight.",
            ),
        ),
        other=W,
        amount=(2_000, 9_000),
    ),
    Scenario(
        "atm-unrecognized",
        S,
        ("KB-402", "KB-401"),
        True,
        (
            (
                "hard",
                "There's an ATM withdrawal of {amount} on {date} at {atm} that I didn't make. My card is still in my wallet.",
            ),
            (
                "medium",
                "I see {amount} cash taken out on {date} and I was at work all day. How could that happen?",
            ),
        ),
        other=W,
        need="atm",
    ),
    Scenario(
        "wire-tax-payment",
        T,
        ("KB-204",),
        False,
        (
            (
                "hard",
                "I'm paying my estimated taxes to the IRS by wire, {amount}. What's the cut-off so it goes out today?",
            ),
            (
                "medium",
                "Need to send a federal tax payment of {amount} by wire before the deadline. How late in the day can I send it?",
            ),
        ),
        other=X,
        amount=(2_000, 9_500),
    ),
    Scenario(
        "moving-abroad",
        X,
        ("KB-306", "KB-313", "KB-205"),
        False,
        (
            (
                "hard",
                "I'm moving to {country} next month. Besides wiring most of my savings over, what tax forms do I need to update with you?",
            ),
            (
                "medium",
                "Relocating to {country} for work. Will you keep taxing my interest, and what do I need to fill in before I transfer money there?",
            ),
        ),
        other=T,
    ),
    Scenario(
        "interest-drop-tax",
        G,
        ("KB-803", "KB-301"),
        False,
        (
            (
                "hard",
                "My savings interest this month was lower than last month. Why did it drop? Also, will this interest go on a tax form?",
            ),
            (
                "medium",
                "Rate on my savings ending {last4} went down? I got less interest. And is interest taxable?",
            ),
        ),
        other=X,
        need="savings",
    ),
    Scenario(
        "garnishment-or-scam",
        G,
        ("KB-702", "KB-403"),
        True,
        (
            (
                "hard",
                "I got a letter saying my account is frozen because of a garnishment. I don't owe anyone, is this a scam?",
            ),
            (
                "medium",
                "A notice about a levy on my account came in the mail, and now my balance shows a hold. Is this real or fraud?",
            ),
        ),
        other=S,
    ),
    Scenario(
        "deceased-tax-form",
        G,
        ("KB-703", "KB-301"),
        True,
        (
            (
                "hard",
                "My father passed away in March. Who gets the 1099 for his accounts this year, and how do we get access to them?",
            ),
            (
                "medium",
                "As executor, do I need a tax form from you for my late mother's savings, and how do I close them?",
            ),
        ),
        other=X,
    ),
    Scenario(
        "w9-phishing",
        S,
        ("KB-403", "KB-304", "KB-305"),
        False,
        (
            (
                "hard",
                "I received an email saying I must update my W-9 through a link or you'll withhold 24% of my interest. Is this legitimate? I haven't clicked it.",
            ),
            (
                "medium",
                "A message says my tax certification is out of date and gives a link to fix it. Is that from you?",
            ),
        ),
        other=X,
    ),
    Scenario(
        "close-and-move",
        G,
        ("KB-801", "KB-202"),
        False,
        (
            (
                "hard",
                "I want to close my checking ending {last4} and move everything to my new bank. What's the best way to do both?",
            ),
            (
                "medium",
                "Switching banks. Should I transfer my balance out first or just close it and you send the money?",
            ),
        ),
        other=T,
        need="checking",
    ),
    Scenario(
        "dormant-blocked-transfer",
        G,
        ("KB-802", "KB-202"),
        False,
        (
            (
                "hard",
                "My transfer out of savings ending {last4} was blocked and the account is marked inactive. How do I get my money moved?",
            ),
            (
                "medium",
                "Tried to move my old savings to checking and it failed, something about dormancy.",
            ),
        ),
        other=T,
        need="dormant",
    ),
    Scenario(
        "savings-limit-transfer",
        T,
        ("KB-202", "KB-106"),
        False,
        (
            (
                "hard",
                "I need to move {amount} out of savings to another bank, but I've already made six transfers this month. Will I be charged, and is there a daily cap?",
            ),
            (
                "medium",
                "How much can I send from savings ending {last4} to an outside account today, and does it count as a withdrawal?",
            ),
        ),
        other=W,
        need="savings",
        amount=(3_000, 9_000),
    ),
    Scenario(
        "cash-check-or-wire",
        W,
        ("KB-105", "KB-112", "KB-204"),
        False,
        (
            (
                "hard",
                "I need to pay {amount} for a car tomorrow. Should I take it out in cash, get a cashier's check, or wire it? What's fastest?",
            ),
            (
                "medium",
                "The dealer takes cash or certified funds for {amount}. What's easiest to get from you by tomorrow morning?",
            ),
        ),
        other=T,
        amount=(8_000, 20_000),
    ),
    Scenario(
        "travel-decline",
        S,
        ("KB-409", "KB-504", "KB-408"),
        False,
        (
            (
                "hard",
                "My card was declined at a shop in Lisbon and I got a fraud alert text. It was me, I'm travelling. How do I fix this, and will I pay a foreign fee?",
            ),
            (
                "medium",
                "Fraud alert just blocked my purchase abroad. I confirmed it's me but want to avoid this for the rest of my trip.",
            ),
        ),
        other=G,
    ),
    Scenario(
        "poa-withdraw",
        G,
        ("KB-704",),
        True,
        (
            (
                "hard",
                "I have power of attorney for my aunt. Can I withdraw cash from her account to pay her nursing home?",
            ),
            (
                "medium",
                "As my father's agent, can I take {amount} out of his savings at a branch for his medical bills?",
            ),
        ),
        other=W,
        amount=(500, 6_000),
    ),
    Scenario(
        "unrecognized-merchant",
        S,
        ("KB-402", "KB-601", "KB-603"),
        True,
        (
            (
                "hard",
                "What is this {amount} charge from {merchant} on {date}? I don't remember buying anything there.",
            ),
            (
                "medium",
                "Can't place a {amount} payment to {merchant} on {date}. Could it be fraud, or a company billing under another name?",
            ),
        ),
        other=G,
        need="card",
    ),
    Scenario(
        "overdraft-from-transfer",
        G,
        ("KB-502", "KB-503", "KB-209"),
        False,
        (
            (
                "hard",
                "My scheduled transfer pushed me below zero and now there's a $34 overdraft fee on {date}. Why didn't the transfer just wait?",
            ),
            (
                "medium",
                "A transfer went out and then I got an overdraft charge on {date}. How do overdrafts work with transfers?",
            ),
        ),
        other=T,
        need="overdraft_fee",
    ),
    Scenario(
        "atm-fee-refund",
        W,
        ("KB-103", "KB-505"),
        True,
        (
            (
                "hard",
                "I was charged $3 at an ATM on {date} that I'm sure had the Allpoint sign. Can you refund it?",
            ),
            (
                "medium",
                "Please give me back the ATM fee from {date}, I thought that machine was free for me.",
            ),
        ),
        other=G,
        need="atm_fee",
    ),
)

AMBIGUOUS = (*WITHDRAWAL_AND_TAX, *TRANSFER_AND_SECURITY, *OTHER_PAIRS)
