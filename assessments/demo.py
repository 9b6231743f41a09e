"""Demo data for the embedded run: one customer, three assessments, one Harver admin.

Each assessment comes with a short questionnaire (three or four statements per competency, some
reversed) and cut-offs, so a demo candidate can take the built-in assessment end to end.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction

from accounts.models import HARVER_ADMIN_GROUP, Account
from assessments.models import Assessment, Competency, QuestionnaireItem

DEMO_ACCOUNT = "Acme Retail"
DEMO_ADMIN_USERNAME = "admin"
DEMO_ASSESSMENTS: list[tuple[str, str, list[tuple[str, int]]]] = [
    (
        "Store Associate Assessment",
        "ACME-STORE-01",
        [("Conscientiousness", 3), ("Agreeableness", 2), ("Customer focus", 3)],
    ),
    (
        "Customer Service Representative",
        "ACME-CSR-02",
        [("Customer focus", 3), ("Resilience", 2), ("Verbal reasoning", 1)],
    ),
    (
        "Warehouse Team Lead",
        "ACME-WH-03",
        [("Numerical reasoning", 2), ("Leadership", 3), ("Conscientiousness", 2)],
    ),
]
# Job code → (great fit from, good fit from).
DEMO_CUT_OFFS = {"ACME-STORE-01": (70, 50), "ACME-CSR-02": (75, 55), "ACME-WH-03": (70, 45)}
# Competency → its statements, (text, reversed); a reversed statement counts against it.
DEMO_ITEMS: dict[str, list[tuple[str, bool]]] = {
    "Conscientiousness": [
        ("I finish the tasks I start, even the dull ones.", False),
        ("I double-check my work before I hand it over.", False),
        ("I often leave things until the last minute.", True),
        ("I keep my workplace tidy and organised.", False),
    ],
    "Agreeableness": [
        ("I enjoy helping colleagues who are falling behind.", False),
        ("I find it hard to see things from someone else's point of view.", True),
        ("I try to find a solution that works for everyone in a disagreement.", False),
    ],
    "Customer focus": [
        ("I go out of my way to make a customer's visit a good one.", False),
        ("I stay friendly with customers who are rude to me.", False),
        ("Customers' problems are not my concern once they have paid.", True),
        ("I ask customers what they need instead of guessing.", False),
    ],
    "Resilience": [
        ("I bounce back quickly after a difficult conversation.", False),
        ("Criticism of my work stays on my mind for days.", True),
        ("I stay calm when many things need doing at once.", False),
    ],
    "Verbal reasoning": [
        ("I can explain a complicated policy in plain words.", False),
        ("I spot mistakes and gaps in written instructions.", False),
        ("Long emails are hard for me to follow.", True),
    ],
    "Numerical reasoning": [
        ("I can quickly work out whether stock numbers add up.", False),
        ("I am comfortable reading tables and charts.", False),
        ("I avoid tasks that involve figures.", True),
    ],
    "Leadership": [
        ("People come to me when they need a decision.", False),
        ("I give clear instructions when the team is under pressure.", False),
        ("I would rather not tell a colleague that their work is not good enough.", True),
        ("I make sure everyone in my team knows what is expected of them.", False),
    ],
}

# The Dutch the demo's candidates read (an assessment in Dutch, or a Dutch browser where the
# assessment lets it choose): each competency name and statement above, by its English.
DEMO_DUTCH: dict[str, str] = {
    "Conscientiousness": "Zorgvuldigheid",
    "Agreeableness": "Meegaandheid",
    "Customer focus": "Klantgerichtheid",
    "Resilience": "Veerkracht",
    "Verbal reasoning": "Verbaal redeneren",
    "Numerical reasoning": "Numeriek redeneren",
    "Leadership": "Leiderschap",
    "I finish the tasks I start, even the dull ones.": "Ik maak de taken af waaraan ik begin, "
    "ook de saaie.",
    "I double-check my work before I hand it over.": "Ik controleer mijn werk nog eens voordat "
    "ik het overdraag.",
    "I often leave things until the last minute.": "Ik laat dingen vaak tot het laatste moment "
    "liggen.",
    "I keep my workplace tidy and organised.": "Ik houd mijn werkplek netjes en geordend.",
    "I enjoy helping colleagues who are falling behind.": "Ik help graag collega's die achterop "
    "raken.",
    "I find it hard to see things from someone else's point of view.": "Ik vind het moeilijk om "
    "dingen vanuit het standpunt van een ander te zien.",
    "I try to find a solution that works for everyone in a disagreement.": "Bij onenigheid zoek "
    "ik een oplossing die voor iedereen werkt.",
    "I go out of my way to make a customer's visit a good one.": "Ik doe extra moeite om het "
    "bezoek van een klant goed te laten verlopen.",
    "I stay friendly with customers who are rude to me.": "Ik blijf vriendelijk tegen klanten "
    "die onbeleefd tegen me zijn.",
    "Customers' problems are not my concern once they have paid.": "De problemen van klanten "
    "zijn mijn zaak niet meer zodra ze hebben betaald.",
    "I ask customers what they need instead of guessing.": "Ik vraag klanten wat ze nodig "
    "hebben in plaats van te raden.",
    "I bounce back quickly after a difficult conversation.": "Ik herstel snel na een moeilijk "
    "gesprek.",
    "Criticism of my work stays on my mind for days.": "Kritiek op mijn werk blijft dagenlang "
    "door mijn hoofd gaan.",
    "I stay calm when many things need doing at once.": "Ik blijf kalm als er veel tegelijk "
    "moet gebeuren.",
    "I can explain a complicated policy in plain words.": "Ik kan ingewikkeld beleid in "
    "eenvoudige woorden uitleggen.",
    "I spot mistakes and gaps in written instructions.": "Ik zie fouten en gaten in "
    "geschreven instructies.",
    "Long emails are hard for me to follow.": "Lange e-mails kan ik moeilijk volgen.",
    "I can quickly work out whether stock numbers add up.": "Ik kan snel nagaan of "
    "voorraadaantallen kloppen.",
    "I am comfortable reading tables and charts.": "Ik lees gemakkelijk tabellen en grafieken.",
    "I avoid tasks that involve figures.": "Ik vermijd taken waarbij cijfers komen kijken.",
    "People come to me when they need a decision.": "Mensen komen naar mij als er een besluit "
    "nodig is.",
    "I give clear instructions when the team is under pressure.": "Ik geef duidelijke "
    "instructies als het team onder druk staat.",
    "I would rather not tell a colleague that their work is not good enough.": "Ik zeg een "
    "collega liever niet dat zijn of haar werk niet goed genoeg is.",
    "I make sure everyone in my team knows what is expected of them.": "Ik zorg ervoor dat "
    "iedereen in mijn team weet wat er van hem of haar wordt verwacht.",
}


def demo_translations(text: str) -> dict[str, str]:
    """The translations a demo competency name or statement is stored with."""
    return {"nl": DEMO_DUTCH[text]} if text in DEMO_DUTCH else {}


@dataclass
class DemoLogin:
    username: str
    password: str


@transaction.atomic
def load_demo_data() -> DemoLogin:
    """Create what is missing; reset the admin's password so the printed login always works."""
    account, _ = Account.objects.get_or_create(name=DEMO_ACCOUNT)
    for name, job_code, competencies in DEMO_ASSESSMENTS:
        great_fit_min, good_fit_min = DEMO_CUT_OFFS[job_code]
        assessment, _ = Assessment.objects.get_or_create(
            account=account,
            job_code=job_code,
            defaults={"name": name, "great_fit_min": great_fit_min, "good_fit_min": good_fit_min},
        )
        has_items = assessment.questionnaire_items.exists()
        for position, (competency_name, weight) in enumerate(competencies):
            competency, _ = Competency.objects.get_or_create(
                assessment=assessment,
                name=competency_name,
                defaults={
                    "weight": weight,
                    "position": position,
                    "translations": demo_translations(competency_name),
                },
            )
            if has_items:
                continue  # an admin may have edited the questionnaire; leave it as it is
            for item_position, (text, is_reversed) in enumerate(DEMO_ITEMS[competency_name]):
                QuestionnaireItem.objects.create(
                    assessment=assessment,
                    competency=competency,
                    text=text,
                    translations=demo_translations(text),
                    is_reversed=is_reversed,
                    position=item_position,
                )
    admin, _ = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={"email": "admin@harver.test", "is_staff": True, "is_superuser": True},
    )
    password = secrets.token_urlsafe(12)
    admin.set_password(password)
    admin.save()
    admin.groups.add(Group.objects.get(name=HARVER_ADMIN_GROUP))
    account.members.add(admin)
    return DemoLogin(username=admin.username, password=password)
