"""Scenarios with one clear category (the wording may still be indirect: that is difficulty)."""

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

WITHDRAWAL_SCENARIOS = (
    Scenario(
        "atm-limit",
        W,
        ("KB-101", "KB-102"),
        False,
        (
            (
                "easy",
                "The ATM declined my withdrawal of {amount} today. What is the daily ATM limit on my debit card?",
            ),
            (
                "easy",
                "What's the most cash I can take out of an ATM in one day with my Larkspur card?",
            ),
            (
                "medium",
                "Tried to get {amount} out at the machine near my office and it just said exceeds limit. A teller gave me more than that last month, so what gives?",
            ),
        ),
        amount=(850, 1_400),
    ),
    Scenario(
        "atm-limit-increase",
        W,
        ("KB-102", "KB-101"),
        False,
        (
            (
                "easy",
                "Can I temporarily raise my ATM withdrawal limit to {amount} for this weekend?",
            ),
            (
                "medium",
                "I'm buying a used car from a private seller on Saturday and he only takes cash, about {amount}. Can my card be set to allow that for one day?",
            ),
        ),
        amount=(1_000, 2_900),
    ),
    Scenario(
        "atm-fee",
        W,
        ("KB-103",),
        False,
        (
            ("easy", "Why was I charged a $3.00 fee after my ATM withdrawal on {date}?"),
            (
                "medium",
                "I noticed an extra $3 taken out right after I got cash at {atm} on {date}. Is that your fee, and how do I avoid it next time?",
            ),
        ),
        need="atm_fee",
    ),
    Scenario(
        "atm-not-dispensed",
        W,
        ("KB-104",),
        True,
        (
            (
                "easy",
                "The ATM at {atm} took {amount} from my account on {date} but never gave me the cash.",
            ),
            (
                "medium",
                "On {date} I asked for {amount} at {atm}, the machine whirred, showed an error and nothing came out. My balance still went down. Can you put it back?",
            ),
            (
                "hard",
                "Only part of the money came out of the machine on {date}. I asked for {amount}, the receipt says {amount}, but I counted less in my hand.",
            ),
        ),
        need="atm",
    ),
    Scenario(
        "branch-cash",
        W,
        ("KB-105",),
        False,
        (
            (
                "easy",
                "I'd like to withdraw {amount} in cash at my branch on Friday. Do I need to order it ahead?",
            ),
            (
                "medium",
                "My contractor wants to be paid {amount} in cash. Can I just walk into the branch tomorrow morning and get it?",
            ),
        ),
        amount=(5_200, 9_500),
    ),
    Scenario(
        "savings-excess-fee",
        W,
        ("KB-106",),
        False,
        (
            (
                "easy",
                "Why did I get a $10 excess withdrawal fee on my savings account ending {last4}?",
            ),
            (
                "medium",
                "How many times a month can I take money out of my savings before you start charging me?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "cd-early-howto",
        W,
        ("KB-107", "KB-108"),
        False,
        (
            ("easy", "How do I withdraw {amount} from my CD ending {last4} before it matures?"),
            (
                "medium",
                "My certificate doesn't mature for another year but I need {amount} of it for a medical bill. Can I take part of it out?",
            ),
        ),
        need="cd",
        amount=(2_000, 15_000),
    ),
    Scenario(
        "cd-maturity",
        W,
        ("KB-108",),
        False,
        (
            (
                "easy",
                "My CD ending {last4} matured last week. Can I still take the money out without a penalty?",
            ),
            (
                "medium",
                "Got a notice that my certificate is about to renew. I don't want it to roll over, what are my options?",
            ),
        ),
        need="cd",
    ),
    Scenario(
        "cardless-atm",
        W,
        ("KB-110", "KB-101"),
        False,
        (
            ("easy", "Can I use my phone to take cash out of an ATM? I left my card at home."),
            (
                "medium",
                "Is there a way to get cash at your machines with just the app? My card is at home and I need {amount}.",
            ),
        ),
        amount=(40, 300),
    ),
    Scenario(
        "deposit-hold",
        W,
        ("KB-111",),
        False,
        (
            (
                "easy",
                "I deposited a check for {amount} on {date} but I can't withdraw all of it yet. When will it be available?",
            ),
            (
                "medium",
                "Why doesn't my available balance include the {amount} check I put in through the app on {date}?",
            ),
        ),
        need="check_deposit",
    ),
    Scenario(
        "cashiers-check",
        W,
        ("KB-112", "KB-105"),
        False,
        (
            (
                "easy",
                "I need a cashier's check for {amount} for my house closing. How do I get one and what does it cost?",
            ),
            (
                "medium",
                "The title company wants certified funds of {amount}. What do you offer for that and how fast?",
            ),
        ),
        amount=(12_000, 45_000),
    ),
)

TRANSFER_SCENARIOS = (
    Scenario(
        "internal-transfer",
        T,
        ("KB-201", "KB-209"),
        False,
        (
            (
                "easy",
                "How do I set up a monthly transfer from checking to my savings account ending {last4}?",
            ),
            (
                "medium",
                "If I move money from checking to savings at 11:30 at night, when does it actually show up?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "ach-timing",
        T,
        ("KB-202",),
        False,
        (
            ("easy", "How long does a transfer to my account at another bank take?"),
            (
                "medium",
                "I sent {amount} to my credit union account on Friday evening and it still isn't there. Is that normal?",
            ),
        ),
        amount=(300, 4_000),
    ),
    Scenario(
        "ach-limit",
        T,
        ("KB-202", "KB-211"),
        False,
        (
            (
                "easy",
                "I'm trying to move {amount} to my brokerage account at another bank and it says I'm over the limit. What are the transfer limits?",
            ),
            (
                "medium",
                "The app won't let me push {amount} out to my other bank in one go. Do I have to split it over several days?",
            ),
        ),
        amount=(11_000, 30_000),
    ),
    Scenario(
        "link-account",
        T,
        ("KB-203",),
        False,
        (
            (
                "easy",
                "I never saw the two small test deposits for linking my other bank account. What should I do?",
            ),
            (
                "medium",
                "Linking my credit union account keeps failing. It asks me for two amounts and I think I typed them wrong.",
            ),
        ),
    ),
    Scenario(
        "wire-cutoff",
        T,
        ("KB-204",),
        False,
        (
            ("easy", "What is the cut-off time to send a domestic wire today?"),
            (
                "medium",
                "I need {amount} to reach the title company this afternoon. If I send the wire at 4:30 will it still go out today?",
            ),
        ),
        amount=(2_000, 9_000),
    ),
    Scenario(
        "international-wire",
        T,
        ("KB-205", "KB-212"),
        False,
        (
            (
                "easy",
                "How do I send {amount} to my sister's bank in {country}? What information do I need?",
            ),
            (
                "medium",
                "What does it cost to send money to a bank in {country}, and will their bank take a cut too?",
            ),
        ),
        amount=(500, 8_000),
    ),
    Scenario(
        "wire-trace",
        T,
        ("KB-206",),
        False,
        (
            ("easy", "My wire of {amount} sent on {date} hasn't arrived. Can you trace it?"),
            (
                "medium",
                "The person I paid says they still don't have the {amount} I sent by wire on {date}. What can you do from your side?",
            ),
        ),
        need="wire",
    ),
    Scenario(
        "wire-recall",
        T,
        ("KB-206",),
        True,
        (
            (
                "easy",
                "I sent a wire for {amount} on {date} to the wrong account number. Please recall it.",
            ),
            (
                "medium",
                "I typed one digit wrong in the beneficiary account on my {date} wire of {amount}. Is there any way to get it back?",
            ),
        ),
        need="wire",
    ),
    Scenario(
        "quicksend-limit",
        T,
        ("KB-207",),
        False,
        (
            ("easy", "Why can't I send {amount} with QuickSend?"),
            (
                "medium",
                "My roommate needs {amount} for her half of the rent and the app won't let me send it all at once.",
            ),
        ),
        amount=(2_600, 5_000),
    ),
    Scenario(
        "returned-ach",
        T,
        ("KB-208",),
        False,
        (
            ("easy", "A transfer I made came back as returned. Why would that happen?"),
            (
                "medium",
                "There's a $12 returned item fee on my account. A payment from my old employer bounced back out of my account, what happened?",
            ),
        ),
    ),
    Scenario(
        "recurring-cancel",
        T,
        ("KB-209",),
        False,
        (
            ("easy", "How do I cancel a recurring transfer?"),
            (
                "medium",
                "I still have a standing order going to my old landlord every month. It has to stop before the 1st.",
            ),
        ),
    ),
    Scenario(
        "incoming-wire",
        T,
        ("KB-210",),
        False,
        (
            ("easy", "What details do I give someone who wants to wire me money from {country}?"),
            (
                "medium",
                "My employer abroad wants my bank details to pay me. What do they need exactly?",
            ),
        ),
    ),
    Scenario(
        "wire-held",
        T,
        ("KB-211", "KB-204"),
        True,
        (
            ("easy", "My wire for {amount} to a new payee is on hold. Why, and when will it go?"),
            (
                "medium",
                "I set up a new payee yesterday and sent {amount}. The status says pending verification. I need it to arrive today.",
            ),
        ),
        amount=(10_500, 40_000),
    ),
)

TAX_SCENARIOS = (
    Scenario(
        "1099-int-when",
        X,
        ("KB-301", "KB-309"),
        False,
        (
            ("easy", "When will my 1099-INT for {year} be available?"),
            (
                "medium",
                "Where do I find the tax form that shows the interest my savings earned last year?",
            ),
        ),
    ),
    Scenario(
        "no-1099",
        X,
        ("KB-301", "KB-309"),
        False,
        (
            ("easy", "I didn't receive a 1099-INT for my savings account ending {last4}. Why not?"),
            (
                "medium",
                "My savings only earned a few dollars in {year}. Do I still get a tax form from you, and do I need one?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "1099-b",
        X,
        ("KB-303", "KB-309"),
        False,
        (
            ("easy", "My 1099-B is missing cost basis for some of my sales. What do I do?"),
            (
                "medium",
                "When will the composite tax statement for my investment account be ready? My accountant is waiting.",
            ),
        ),
    ),
    Scenario(
        "w-9",
        X,
        ("KB-304",),
        False,
        (
            ("easy", "How do I update my W-9? I changed my last name after getting married."),
            (
                "medium",
                "I got a letter saying my name and taxpayer number don't match IRS records. What do I need to send you?",
            ),
        ),
    ),
    Scenario(
        "backup-withholding",
        X,
        ("KB-305", "KB-304"),
        False,
        (
            ("easy", "Why was 24% withheld from the interest on my savings?"),
            (
                "medium",
                "There's federal tax taken out of my savings interest every month. I never asked for that.",
            ),
        ),
    ),
    Scenario(
        "w-8ben",
        X,
        ("KB-306",),
        False,
        (
            ("easy", "My W-8BEN expires this year. How do I renew it?"),
            (
                "medium",
                "I live in {country} and have a Larkspur savings account. Do I owe US tax on the interest?",
            ),
        ),
        need="foreign",
    ),
    Scenario(
        "1099-r",
        X,
        ("KB-307",),
        False,
        (
            ("easy", "What does code 7 in box 7 of my 1099-R mean?"),
            (
                "medium",
                "I moved my old IRA to another custodian and now I have a 1099-R. Do I owe tax on that?",
            ),
        ),
    ),
    Scenario(
        "corrected-form",
        X,
        ("KB-308", "KB-301"),
        True,
        (
            (
                "easy",
                "My 1099-INT shows the wrong taxpayer identification number. Please send a corrected form.",
            ),
            (
                "medium",
                "The interest on my 1099-INT doesn't match what my December statement says. I think the form is wrong.",
            ),
        ),
    ),
    Scenario(
        "form-1098",
        X,
        ("KB-311",),
        False,
        (
            ("easy", "Where can I get my Form 1098 for mortgage interest?"),
            (
                "medium",
                "My loan was moved to you in the middle of the year. Why does my mortgage interest statement only show part of the interest?",
            ),
        ),
    ),
    Scenario(
        "state-withholding",
        X,
        ("KB-310", "KB-109"),
        False,
        (
            (
                "easy",
                "Do you withhold state tax on IRA distributions? I moved to a new state last year.",
            ),
            (
                "medium",
                "Which state's tax comes out of my IRA payments if I live in {state} now but opened the account somewhere else?",
            ),
        ),
    ),
    Scenario(
        "fatca-self-cert",
        X,
        ("KB-313",),
        False,
        (
            (
                "easy",
                "You sent me a request for a tax residency self-certification. Why do you need this?",
            ),
            (
                "medium",
                "Why am I being asked about my country of tax residence? I just added a phone number from {country}.",
            ),
        ),
    ),
    Scenario(
        "tax-how-to-file",
        X,
        ("KB-312", "KB-301"),
        False,
        (
            (
                "medium",
                "Can you tell me which line of my return the interest from my savings goes on?",
            ),
            (
                "hard",
                "Your form says {year} interest of a few hundred dollars. Do I really have to report it, or is that below some limit?",
            ),
        ),
    ),
)

SECURITY_SCENARIOS = (
    Scenario(
        "lost-card",
        S,
        ("KB-401", "KB-408"),
        False,
        (
            ("easy", "I lost my debit card. How do I block it and get a new one?"),
            (
                "medium",
                "I can't find my wallet since yesterday's train ride. My card ending {last4} was in it.",
            ),
            (
                "hard",
                "Left my bag in a cab last night and everything in it is gone, including the plastic from you guys. What now?",
            ),
        ),
        need="checking",
    ),
    Scenario(
        "unauthorized-card",
        S,
        ("KB-402", "KB-401", "KB-601"),
        True,
        (
            ("easy", "There's a charge of {amount} at {merchant} on {date} that I did not make."),
            (
                "medium",
                "I've never shopped at {merchant}, yet {amount} went out on {date}. My card has been with me the whole time.",
            ),
        ),
        need="card",
    ),
    Scenario(
        "phishing-no-click",
        S,
        ("KB-403",),
        False,
        (
            (
                "easy",
                "I got an email from Larkspur Security asking me to verify my account through a link. Is it real?",
            ),
            (
                "medium",
                "Someone texted me that my account is locked and gave me a number to call. Is that you? I haven't called.",
            ),
        ),
    ),
    Scenario(
        "phishing-clicked",
        S,
        ("KB-403", "KB-405", "KB-406"),
        True,
        (
            (
                "easy",
                "I clicked a link in a text that looked like it came from you and entered my password and the code you sent me.",
            ),
            (
                "medium",
                "I think I was scammed: a caller said he was from your fraud team and I read him the code that came to my phone.",
            ),
        ),
    ),
    Scenario(
        "two-step-new-phone",
        S,
        ("KB-404",),
        False,
        (
            ("easy", "I changed my phone number and can't receive the verification codes anymore."),
            (
                "medium",
                "New phone, new number, and now the app keeps asking for a code I never get. How do I get back in?",
            ),
        ),
    ),
    Scenario(
        "suspicious-sign-in",
        S,
        ("KB-405", "KB-411"),
        True,
        (
            (
                "easy",
                "I got an alert about a sign-in from a new device in another state. It wasn't me.",
            ),
            (
                "medium",
                "I got an email saying my password was changed, but I didn't change anything.",
            ),
        ),
    ),
    Scenario(
        "identity-theft",
        S,
        ("KB-406",),
        True,
        (
            (
                "easy",
                "Someone opened a credit card in my name and now I'm worried about my Larkspur accounts too.",
            ),
            (
                "medium",
                "My contact email on my profile was changed to one I don't recognize and I can't sign in anymore.",
            ),
        ),
    ),
    Scenario(
        "lock-card",
        S,
        ("KB-408",),
        False,
        (
            (
                "easy",
                "How do I temporarily freeze my card? I think it's just somewhere in the house.",
            ),
            (
                "medium",
                "Misplaced my card ending {last4}, probably in my car. I don't want to cancel it yet. Any in-between option?",
            ),
        ),
        need="checking",
    ),
    Scenario(
        "security-alerts",
        S,
        ("KB-409",),
        False,
        (
            ("easy", "Can I get a text every time my card is used online?"),
            (
                "medium",
                "How would I know right away if someone uses my card? I'd like to be told about anything over {amount}.",
            ),
        ),
        amount=(50, 500),
    ),
    Scenario(
        "elder-exploitation",
        S,
        ("KB-410", "KB-407"),
        True,
        (
            (
                "easy",
                "My mother is 82 and I think her new online friend is getting her to send him money from her account.",
            ),
            (
                "medium",
                "Dad has been withdrawing large amounts every week for a man who calls him. He won't listen to us. Can the bank do anything?",
            ),
        ),
    ),
    Scenario(
        "password-reset",
        S,
        ("KB-411",),
        False,
        (
            (
                "easy",
                "I forgot my password and my username. How do I get back into online banking?",
            ),
            ("medium", "Locked out after too many tries. Do I have to wait or can I reset it now?"),
        ),
    ),
)

GENERAL_SCENARIOS = (
    Scenario(
        "maintenance-fee",
        G,
        ("KB-501",),
        False,
        (
            ("easy", "Why am I being charged a $12 monthly fee on my checking?"),
            (
                "medium",
                "Every month there's $12 gone from my account ending {last4}. What is it and how do I stop it?",
            ),
        ),
        need="maintenance_fee",
    ),
    Scenario(
        "overdraft-fee",
        G,
        ("KB-502", "KB-503"),
        False,
        (
            ("easy", "Why was I charged a $34 overdraft fee on {date}?"),
            (
                "medium",
                "My balance went a little below zero on {date} and now there's a $34 charge. How does that work?",
            ),
        ),
        need="overdraft_fee",
    ),
    Scenario(
        "overdraft-refund",
        G,
        ("KB-505", "KB-502"),
        True,
        (
            ("easy", "Please refund the overdraft fee from {date}. My paycheck was a day late."),
            (
                "medium",
                "I've banked with you for years and this is my first overdraft, on {date}. Could you waive the $34?",
            ),
        ),
        need="overdraft_fee",
    ),
    Scenario(
        "overdraft-protection",
        G,
        ("KB-503", "KB-502"),
        False,
        (
            ("easy", "Can I link my savings to my checking so I don't get overdraft fees?"),
            (
                "medium",
                "Is there a way for my savings ending {last4} to cover my checking automatically if I spend too much?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "foreign-fee",
        G,
        ("KB-504",),
        False,
        (
            ("easy", "Why is there a foreign transaction fee on my purchase at {merchant}?"),
            (
                "medium",
                "On {date} I paid {amount} at {merchant} on holiday and then saw an extra fee. Which cards don't charge that?",
            ),
        ),
        need="foreign_card",
    ),
    Scenario(
        "merchant-dispute",
        G,
        ("KB-601", "KB-602"),
        True,
        (
            (
                "easy",
                "I was charged {amount} by {merchant} on {date} for an order that never arrived, and they don't answer. I want to dispute it.",
            ),
            (
                "medium",
                "{merchant} billed me {amount} on {date} for something I returned weeks ago. They keep promising a refund that never comes.",
            ),
        ),
        need="card",
    ),
    Scenario(
        "duplicate-pending",
        G,
        ("KB-603",),
        False,
        (
            (
                "easy",
                "I see the same charge from {merchant} twice and one is still pending. Was I charged double?",
            ),
            (
                "medium",
                "The hotel put a hold bigger than my bill on my card. When does the extra come back?",
            ),
        ),
        need="card",
    ),
    Scenario(
        "subscription-trial",
        G,
        ("KB-605", "KB-601"),
        False,
        (
            ("easy", "I forgot to cancel a free trial and got charged. Can you get my money back?"),
            (
                "medium",
                "I cancelled my gym membership in March but they keep charging me every month. How do I make it stop?",
            ),
        ),
    ),
    Scenario(
        "stop-payment",
        G,
        ("KB-507",),
        False,
        (
            ("easy", "How do I stop payment on a check I wrote?"),
            (
                "medium",
                "I mailed a check for {amount} and it got lost in the post. Can you make sure nobody cashes it?",
            ),
        ),
        amount=(80, 2_500),
    ),
    Scenario(
        "subpoena",
        G,
        ("KB-701",),
        True,
        (
            (
                "easy",
                "I'm an attorney and need to serve a subpoena for account records. Where do I send it?",
            ),
            (
                "medium",
                "I got a notice that my bank records were subpoenaed in a lawsuit. What happens now and can I stop it?",
            ),
        ),
    ),
    Scenario(
        "garnishment",
        G,
        ("KB-702",),
        True,
        (
            ("easy", "My account has been garnished. Why can't I use my money?"),
            (
                "medium",
                "There's a $100 legal process fee and a hold on my account. The only money in there is my Social Security.",
            ),
        ),
    ),
    Scenario(
        "deceased-customer",
        G,
        ("KB-703", "KB-808"),
        True,
        (
            ("easy", "My husband passed away. How do I access his accounts?"),
            (
                "medium",
                "I'm the executor of my aunt's estate. What do you need from me to release her savings?",
            ),
        ),
    ),
    Scenario(
        "power-of-attorney",
        G,
        ("KB-704",),
        True,
        (
            (
                "easy",
                "I have power of attorney for my father. How do I get it added to his account?",
            ),
            (
                "medium",
                "My mother can't manage her finances anymore after a stroke. I have the paperwork from her lawyer. What do I bring in?",
            ),
        ),
    ),
    Scenario(
        "legal-freeze",
        G,
        ("KB-705", "KB-702"),
        True,
        (
            (
                "easy",
                "My account was frozen and the branch won't tell me why. I need access to pay rent.",
            ),
            (
                "medium",
                "All my cards are declined and the app says restricted. Nobody will explain it to me.",
            ),
        ),
    ),
    Scenario(
        "divorce-joint",
        G,
        ("KB-706", "KB-809"),
        True,
        (
            ("easy", "I'm getting divorced. Can you remove my husband from our joint account?"),
            (
                "medium",
                "My ex emptied our joint account yesterday. Is that even allowed? We're separated.",
            ),
        ),
    ),
    Scenario(
        "close-account",
        G,
        ("KB-801",),
        False,
        (
            ("easy", "How do I close my checking account?"),
            (
                "medium",
                "I'm moving abroad and won't need my savings ending {last4} anymore. What do I do with it?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "dormant-account",
        G,
        ("KB-802",),
        False,
        (
            ("easy", "My savings account ending {last4} is marked dormant. What does that mean?"),
            (
                "medium",
                "Haven't touched my old savings for a couple of years. Will it be handed to the state?",
            ),
        ),
        need="dormant",
    ),
    Scenario(
        "interest-calc",
        G,
        ("KB-803",),
        False,
        (
            ("easy", "How is the interest on my savings calculated?"),
            (
                "medium",
                "My savings account ending {last4} says {apy} APY, but the interest each month looks much smaller than that. Why?",
            ),
        ),
        need="savings",
    ),
    Scenario(
        "statements",
        G,
        ("KB-804",),
        False,
        (
            ("easy", "How can I download my statements from three years ago?"),
            (
                "medium",
                "I need my last twelve months of statements for a mortgage application. Can I get paper copies?",
            ),
        ),
    ),
    Scenario(
        "update-contact",
        G,
        ("KB-805",),
        False,
        (
            ("easy", "How do I change my mailing address?"),
            ("medium", "I moved to {city} and got a new email. Can I update both at once?"),
        ),
    ),
    Scenario(
        "mobile-deposit",
        G,
        ("KB-807", "KB-111"),
        False,
        (
            ("easy", "What is the limit for depositing checks with the app?"),
            ("medium", "The app rejected my {amount} check. Is there a cap on mobile deposits?"),
        ),
        amount=(5_200, 9_000),
    ),
    Scenario(
        "beneficiaries",
        G,
        ("KB-808",),
        False,
        (
            ("easy", "How do I add a beneficiary to my savings account?"),
            (
                "medium",
                "I want my kids to get my CD ending {last4} if something happens to me, without probate. How?",
            ),
        ),
        need="cd",
    ),
    Scenario(
        "fdic",
        G,
        ("KB-810",),
        False,
        (
            ("easy", "Is my money insured if the bank fails?"),
            ("medium", "I have about {amount} across checking and savings. Is all of it covered?"),
        ),
        amount=(180_000, 400_000),
    ),
    Scenario(
        "direct-deposit",
        G,
        ("KB-811",),
        False,
        (
            ("easy", "How do I set up direct deposit for my paycheck?"),
            (
                "medium",
                "My friend gets paid two days early with you. Why didn't my pay come early this time?",
            ),
        ),
    ),
    Scenario(
        "joint-owner",
        G,
        ("KB-809", "KB-704"),
        False,
        (
            ("easy", "How do I add my wife as a joint owner on my checking account?"),
            ("medium", "Can my son help pay my bills from my account without owning it?"),
        ),
    ),
)

CLEAR = (
    *WITHDRAWAL_SCENARIOS,
    *TRANSFER_SCENARIOS,
    *TAX_SCENARIOS,
    *SECURITY_SCENARIOS,
    *GENERAL_SCENARIOS,
)
