# ruff: noqa: E501
"""Demo content: a small forum with one closed facilitated dialogue and one open one.

`seed_demo()` (also `manage.py seed_demo`) builds it once; when the demo admin
account already exists it changes nothing. Sign in with:

    admin        / admin-demo-pass         staff, also the Django admin superuser
    facilitator  / facilitator-demo-pass   facilitator of the Dialogues category
    participant  / participant-demo-pass   a participant in both dialogues
    participant2 / participant2-demo-pass  a participant in both dialogues

The other demo accounts get random passwords. All people, organisations and
events below are invented for the demo.
"""

import re
import secrets
from datetime import datetime, timedelta
from textwrap import dedent

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import create_user
from facilitation.services import (
    create_series,
    set_schedule,
    set_series,
    set_summary,
)
from forum.markdown import render_markdown
from forum.models import Category, Post, Topic
from forum.quoting import quote_markdown
from forum.services import (
    create_category,
    create_topic,
    post_reply,
    recount_category,
    recount_topic,
    set_topic_pinned,
)
from forum.signals import history_loaded
from moderation.services import appoint_facilitator, lock_topic

ADMIN_USERNAME = "admin"


def _text(value: str) -> str:
    return dedent(value).strip()


# --- People -----------------------------------------------------------------
# password None: a random one. joined: days before today the account was made.

USERS = [
    {
        "username": "admin",
        "email": "admin@example.org",
        "password": "admin-demo-pass",
        "display_name": "Forum Team",
        "signature": "",
        "is_staff": True,
        "joined": 80,
    },
    {
        "username": "facilitator",
        "email": "maren.holt@example.org",
        "password": "facilitator-demo-pass",
        "display_name": "Maren Holt",
        "signature": "**Maren Holt**  \nDialogue facilitator, Open Circle Dialogue Network",
        "joined": 78,
    },
    {
        "username": "facilitator2",
        "email": "ibrahim.tahir@example.org",
        "password": None,
        "display_name": "Ibrahim Tahir",
        "signature": "**Ibrahim Tahir**  \nCo-facilitator, Open Circle Dialogue Network",
        "joined": 77,
    },
    {
        "username": "participant",
        "email": "lucia.fernandez@example.org",
        "password": "participant-demo-pass",
        "display_name": "Lucía Fernández Ortega",
        "signature": "**Lucía Fernández Ortega**  \nCommunity mediator, Casa de la Palabra, Medellín",
        "joined": 68,
    },
    {
        "username": "participant2",
        "email": "arjun.menon@example.org",
        "password": "participant2-demo-pass",
        "display_name": "Arjun Menon",
        "signature": "Arjun Menon  \n*Community liaison officer, ward office, Kochi*",
        "joined": 58,
    },
    {
        "username": "aminata",
        "email": "aminata.sow@example.org",
        "password": None,
        "display_name": "Aminata Sow",
        "signature": "**Aminata Sow**  \nCoordinatrice, Réseau des médiatrices de quartier de Thiès",
        "joined": 62,
    },
    {
        "username": "emir",
        "email": "emir.hadzic@example.org",
        "password": None,
        "display_name": "Emir Hadžić",
        "signature": "",
        "joined": 60,
    },
    {
        "username": "niamh",
        "email": "niamh.gallagher@example.org",
        "password": None,
        "display_name": "Niamh Gallagher",
        "signature": "Niamh Gallagher  \nGood relations officer, Lough Arden Borough Council",
        "joined": 47,
    },
    {
        "username": "thandiwe",
        "email": "thandiwe.nkosi@example.org",
        "password": None,
        "display_name": "Thandiwe Nkosi",
        "signature": "",
        "joined": 44,
    },
    {
        "username": "nino",
        "email": "nino.beridze@example.org",
        "password": None,
        "display_name": "Nino Beridze",
        "signature": "**Nino Beridze**  \nCaseworker, Neighbourhood Rights Desk, Tbilisi",
        "joined": 61,
    },
    {
        "username": "rafael",
        "email": "rafael.souza@example.org",
        "password": None,
        "display_name": "Rafael Souza Lima",
        "signature": "",
        "joined": 41,
    },
]

CATEGORIES = [
    {
        "name": "Dialogues",
        "slug": "dialogues",
        "description": "Facilitated dialogues on community peacebuilding. Each one runs for a few weeks around a set of prompting questions; when it ends, the facilitators summarise it and close the topic.",
        "position": 1,
        "facilitators": ["facilitator", "facilitator2"],
    },
    {
        "name": "General",
        "slug": "general",
        "description": "Open discussion, introductions and questions about using the forum.",
        "position": 2,
        "facilitators": [],
    },
]

# --- Topics -----------------------------------------------------------------
# Each topic starts `days_ago` days before today (at midnight UTC); every post has
# an "at" of (days after that start, "HH:MM"). Posts are listed in the order they
# were written. "parent" and "quote" name earlier posts by "key"; "selection"
# quotes only part of the quoted post. "{{post:KEY}}" in a body becomes that
# post's address.

LOCKED_DIALOGUE = {
    "category": "dialogues",
    "title": "How do neighbourhood mediators and local councils build trust?",
    "days_ago": 38,
    "locked": True,
    "closing_note": "Thank you for two generous weeks. The next dialogue in this "
    "series starts soon.",
    "summary": _text("""
        Councils and neighbourhood mediators trust each other when **small promises
        are kept** and reported honestly, bad news included. Mediators keep their
        standing in the neighbourhood by being free to refuse, with reasons given in
        writing. A short written agreement that names roles rather than people helps
        trust survive staff turnover, and a third institution or a shared budget gives
        both sides real work to do together.
    """),
    "posts": [
        {
            "key": "open",
            "author": "facilitator",
            "at": (0, "09:10"),
            "body": _text("""
                Welcome to this two-week dialogue on the relationship between **neighbourhood mediators** and the **local councils** they work alongside.

                In many towns and cities, volunteer mediators settle disputes over noise, boundaries, water points and market stalls long before those disputes reach a court or the police. Councils depend on that work, yet the two sides often watch each other with some suspicion: mediators fear being used, and councils fear losing control. We would like to hear how trust between them is built, how it is lost, and what helps it recover.

                Please start with whichever question speaks to you:

                - What do local councils need from neighbourhood mediators in order to trust them? What do they *not* need?
                - What do mediators need from their council? What gets in the way?
                - What does a trusting relationship look like from day to day? Share your stories, including the ones that went wrong.
                - Which systems and institutions beyond individual people (budgets, elections, the police, land offices, faith and customary leaders) shape this trust, and how can they be brought in?

                You can reply to this opening post or to any participant, and use **Quote** to pick up a particular sentence. My co-facilitator Ibrahim and I will be reading along every day.
            """),
        },
        {
            "key": "lucia-promises",
            "author": "participant",
            "at": (0, "16:40"),
            "subject": "Trust grows from small promises kept",
            "body": _text("""
                Hello everyone, and thank you for opening this space.

                I have mediated in my comuna in Medellín for eleven years. What I have learned is that a council does not trust mediators because of a training certificate. It trusts us when we deliver small things it could not deliver alone:

                - a neighbour who agreed to move his car repair business off the pavement, and actually did;
                - a meeting where two families who had not spoken since a funeral sat at the same table;
                - a list of broken streetlights that we walked and checked ourselves, so the council officer did not have to guess.

                What we need from the council is the same thing in the other direction: small promises kept. When an official says *"we will come on Thursday"* and nobody comes, the neighbours do not blame the official. They blame us, because we were the ones who told them to be patient.
            """),
        },
        {
            "key": "maren-asks-lucia",
            "author": "facilitator",
            "at": (1, "08:55"),
            "subject": "Thank you, Lucía",
            "parent": "lucia-promises",
            "quote": "lucia-promises",
            "selection": "They blame us, because we were the ones who told them to be patient.",
            "body": _text("""
                Thank you for starting us off so concretely, Lucía. That last line stayed with me: when the council breaks a promise, it is the mediator who pays for it.

                Could you say more about what happens next? When a visit is missed, how do you repair your standing with the neighbours, and do you ever ask the council to help repair it? Was there a moment when the council began to treat your lists and reports as something it could rely on?
            """),
        },
        {
            "key": "lucia-turning-point",
            "author": "participant",
            "at": (1, "19:20"),
            "parent": "maren-asks-lucia",
            "quote": "maren-asks-lucia",
            "body": _text("""
                Yes, there was such a moment, and I remember it well.

                For the first few years we simply absorbed the damage. Then, with two other mediators, we changed three things:

                1. **We stopped promising on the council's behalf.** Now we say: *"The officer told me Thursday. I will call her on Wednesday and tell you what she says."* We only promise what we do ourselves.
                2. **We write everything down and share it both ways.** After each walk through the neighbourhood, the same one-page list goes to the council and is pinned up at the community house.
                3. **We ask the council to come and explain when it fails.** The first time an engineer came to the community house and said *"we were wrong, the money was moved to another project"*, people were angry for ten minutes, and then they trusted him more, not less.

                The real turning point was the year of the floods. Our list of blocked drains was the only one that was up to date, and the council used it line by line. After that they started calling us *before* they made plans, not after.
            """),
        },
        {
            "key": "aminata-thies",
            "author": "aminata",
            "at": (2, "10:05"),
            "subject": "Médiatrices de quartier et mairie (women mediators and the town hall)",
            "body": _text("""
                Good morning to all. Sorry for my English, I am a French speaker, so I will write some parts in French. I hope it is okay, maybe somebody can help to translate.

                I coordinate a network of women who do mediation in the neighbourhoods of Thiès, in Senegal, since 2014.

                Dans nos quartiers, les conflits les plus fréquents concernent les limites des parcelles, l'eau et les dettes entre voisins. Avant, les familles allaient directement chez le délégué de quartier ou à la mairie, et souvent l'affaire traînait pendant des mois. Aujourd'hui, beaucoup de familles viennent d'abord chez les médiatrices, parce que nous connaissons les gens et nous parlons leur langue.

                Au début, la mairie ne nous prenait pas au sérieux. On nous disait : « Ce sont des histoires de femmes. » Ce qui a tout changé, c'est que nous avons commencé à tenir un cahier de toutes les médiations, avec les accords signés par les deux parties. Quand le maire a vu que plus de deux cents conflits avaient été réglés en une année sans passer par le tribunal, il a demandé à nous rencontrer.

                Ce dont nous avons besoin maintenant, ce n'est pas d'abord de l'argent. C'est d'être invitées quand la mairie prend des décisions sur les parcelles et sur les bornes-fontaines, parce que ce sont ces décisions qui créent les conflits que nous réglons ensuite.

                So, in short: the town hall needs our records and our knowledge of the families, and we need a seat at the table **before** the decision, not only after the problem.
            """),
        },
        {
            "key": "arjun-council-side",
            "author": "participant2",
            "at": (2, "14:30"),
            "subject": "The view from the council side",
            "body": _text("""
                I work on the other side of this relationship. I am a community liaison officer in a municipal ward office in Kochi, India, so I am often the official who did not come on Thursday. Lucía, your post was uncomfortable to read, in a useful way.

                From inside a council, this is what I think we need from mediators:

                1. **Predictability.** I need to know which cases a mediator will handle and which ones they will bring to us, so we are not surprised by an agreement we are then expected to enforce.
                2. **Honest reports, including bad news.** A mediator who only tells us what went well is not much help when a dispute turns into a protest.
                3. **Independence we can explain upwards.** Our elected councillors sometimes ask why we should listen to people we do not employ. The answer that works is: *because they are trusted by people who do not trust us.*

                What we do *not* need is a mediator who becomes a second councillor and campaigns for one side of the ward. It happens, especially in the months before an election, and it damages everyone.
            """),
        },
        {
            "key": "niamh-agreement",
            "author": "niamh",
            "at": (3, "09:40"),
            "parent": "arjun-council-side",
            "body": _text("""
                Arjun, I could have written your third point myself. I'm a good relations officer with a borough council in Northern Ireland, and explaining the independence of community mediators to elected members is half of my job.

                One thing that has helped us is a short written agreement with each mediation group: what they share with us, what they keep confidential, and what happens when they disagree with a council decision. It is only two pages long, but when a councillor complains I can point to something both sides signed rather than to my own judgement.

                The harder part is memory. Officers move on, councillors change at every election, and the mediators are often the only people who remember what was promised three years ago.
            """),
        },
        {
            "key": "arjun-memory",
            "author": "participant2",
            "at": (3, "13:15"),
            "subject": "Institutional memory",
            "parent": "niamh-agreement",
            "body": _text("""
                That is exactly our problem too, Niamh. Our ward office has had four liaison officers in six years, and I am the fourth.

                Would you be willing to share what goes into your two-page agreement? Even the headings would help. I suspect several of us could adapt it, and it might give the institution a memory that does not depend on one person staying in post.
            """),
        },
        {
            "key": "emir-mostar",
            "author": "emir",
            "at": (4, "11:00"),
            "subject": 'When the mediator is seen as "the council\'s person"',
            "body": _text("""
                Greetings from Mostar, in Bosnia and Herzegovina. I run a youth centre that trains young people from both sides of the city as peer mediators, mostly for conflicts in schools, sports clubs and apartment buildings.

                I want to add a risk nobody has named yet. In a divided city, the closer a mediator gets to the council, the more one community starts to see them as *the council's person*, and the council itself is often seen as belonging to one side. Our mediators have been called traitors for sitting in a municipal meeting.

                > A bridge that only one side walks on is not a bridge. It is a pier.

                One of our trainees wrote that on the whiteboard during a workshop, and we never erased it. So for us the question is not only how to build trust with the council, but how to do it without losing the trust of the neighbourhoods.
            """),
        },
        {
            "key": "ibrahim-asks-emir",
            "author": "facilitator2",
            "at": (4, "17:25"),
            "subject": "Staying trusted by both sides",
            "parent": "emir-mostar",
            "quote": "emir-mostar",
            "selection": "Our mediators have been called traitors for sitting in a municipal meeting.",
            "body": _text("""
                Thank you, Emir, and thanks to your trainee for the line about the pier, which I suspect will travel well beyond this dialogue.

                This is a real dilemma and I would like to hear more about how you handle it in practice. When a young mediator is called a traitor, what does your centre do? Do you ever decide *not* to work with the council on an issue because the cost in the neighbourhood would be too high? How do you make that decision?
            """),
        },
        {
            "key": "emir-three-questions",
            "author": "emir",
            "at": (5, "10:10"),
            "subject": "How we decide",
            "parent": "ibrahim-asks-emir",
            "body": _text("""
                Thank you, Ibrahim. We do say no, and more often than people expect.

                Before we accept any joint work with the municipality, the mediators answer three questions in a closed meeting, without staff in the room:

                - Would we be comfortable if this meeting were reported in the local news on *both* sides of the city?
                - Is the council asking us to help people solve a problem, or to help the council avoid one?
                - Can we bring mediators from both communities into it, not just one?

                If the answer to any of them is no, we explain our reasons to the council in writing. The surprising thing is that the council has respected us more since we started doing this than when we said yes to everything. A refusal with reasons seems to build more trust than an agreement without them.
            """),
        },
        {
            "key": "thandiwe-fire-brigade",
            "author": "thandiwe",
            "at": (5, "15:45"),
            "subject": "The same test works in Cape Town",
            "parent": "emir-three-questions",
            "body": _text("""
                Emir, your second question (solve a problem or avoid one?) is going straight into our next street committee meeting.

                I volunteer with a network of street committees in an informal settlement on the edge of Cape Town. The city sends us requests to "calm the community" whenever there is a protest about electricity or evictions. For a long time we agreed, and our credibility went down every single time. People said the committees had become the city's fire brigade.
            """),
        },
        {
            "key": "emir-what-changed",
            "author": "emir",
            "at": (6, "08:30"),
            "parent": "thandiwe-fire-brigade",
            "body": _text("""
                "The city's fire brigade": we have heard almost the same words here. What changed for you, Thandiwe? Did the committees stop answering those requests, or did you find a way to answer them on different terms?
            """),
        },
        {
            "key": "thandiwe-different-terms",
            "author": "thandiwe",
            "at": (6, "18:50"),
            "subject": "Different terms",
            "parent": "emir-what-changed",
            "body": _text("""
                Different terms, though it took us two years to get there.

                Now, when the city asks us to calm a protest, we answer that we will come only if an official with the authority to decide comes too, and sits in the hall with the residents rather than behind a table at the front. We facilitate; we do not carry messages. The first time, the official was nervous and the meeting was loud, but people went home with a date and a name. That is worth more than calm.
            """),
        },
        {
            "key": "maren-thanks-aminata",
            "author": "facilitator",
            "at": (7, "09:20"),
            "subject": "Merci, Aminata",
            "parent": "aminata-thies",
            "quote": "aminata-thies",
            "selection": "we need a seat at the table **before** the decision, not only after the problem.",
            "body": _text("""
                Merci beaucoup, Aminata, and please never apologise for your English here: your post is one of the clearest we have had. (For those who do not read French: Aminata describes how the town hall began to take the women mediators seriously once they kept a written record of every agreement, more than two hundred of them in a single year.)

                Your point about being invited before the decision connects with what Thandiwe and Emir are describing: mediators are often asked to clean up after decisions they had no part in. Could you tell us more about how you have tried to get that seat at the table? Has the town hall ever invited the network into a decision about plots or standpipes, and what happened when it did?
            """),
        },
        {
            "key": "aminata-standpipe",
            "author": "aminata",
            "at": (8, "11:35"),
            "parent": "maren-thanks-aminata",
            "body": _text("""
                Thank you Maren, you are kind. Yes, one time, and I will tell it in French because it is easier for me.

                L'année dernière, la mairie voulait déplacer une borne-fontaine dans un quartier près de la gare. Cette fois, le chef du service technique nous a appelées avant. Nous avons organisé trois réunions avec les femmes qui utilisent la borne tous les jours, et elles ont proposé un autre emplacement, plus près de l'école. La mairie a accepté.

                Résultat : aucun conflit, et pour la première fois, les femmes du quartier ont vu la mairie comme une alliée.

                It was only one time, but now we tell this story every time we meet the councillors.
            """),
        },
        {
            "key": "nino-third-institution",
            "author": "nino",
            "at": (8, "16:00"),
            "subject": "Bringing in a third institution",
            "body": _text("""
                Hello from Tbilisi. I would like to take up the fourth question, about institutions beyond individuals.

                I work at a small municipal rights desk that receives residents' complaints about the city administration. We are funded by the city, but we report to the city assembly, not to the mayor's office. Over the last three years we have begun referring suitable complaints to neighbourhood mediators, especially disputes between residents of old apartment blocks about shared courtyards, roofs and stairwells.

                What we have noticed is that a **third institution** can make trust between mediators and the administration much easier:

                - mediators can bring a problem to us instead of going straight to an official they may have to work with next week;
                - the administration accepts a recommendation more easily when it comes from a body with a formal mandate;
                - residents see that the mediator is not alone, and not simply "sent by the city".

                Of course, this only works if the third institution is itself trusted, which is not guaranteed anywhere.
            """),
        },
        {
            "key": "rafael-budget",
            "author": "rafael",
            "at": (9, "12:30"),
            "subject": "When the council needs us, not only the other way round",
            "parent": "nino-third-institution",
            "quote": "nino-third-institution",
            "selection": "a **third institution** can make trust between mediators and the administration much easier",
            "body": _text("""
                I agree, Nino, and from Porto Alegre I would add one more institution: the budget itself.

                For years our neighbourhood associations took part in the city's participatory budget assemblies. Once residents decide part of the investment budget in open meetings, the council *needs* people who can run those meetings fairly: people who can stop a meeting of four hundred residents from being captured by the loudest association, and who can help two streets that both want the same paving project reach an agreement.

                In those years we mediators were not asking the council for recognition. The council was asking us. When the assemblies were cut back, that need disappeared, and much of the trust went with it. What I learned is that trust follows *shared work with real stakes*, not goodwill alone.
            """),
        },
        {
            "key": "maren-earlier-dialogue",
            "author": "facilitator",
            "at": (10, "09:05"),
            "subject": "Lessons from an earlier dialogue",
            "parent": "rafael-budget",
            "quote": "rafael-budget",
            "selection": "trust follows *shared work with real stakes*, not goodwill alone.",
            "body": _text("""
                Thank you, Rafael. This sentence seems to me to sum up much of what has been said so far.

                It also reminds me of an earlier dialogue we hosted, on listening circles between residents and their local police. The subject was different, but several of its lessons seem relevant here. From the [summary of that dialogue](https://example.org/dialogues/2025-listening-circles/summary):

                - **Shared tasks came before shared values.** Groups that first worked on something concrete together, such as a safe route to school, found it easier to talk about harder subjects later.
                - **Written records protected relationships from staff turnover.** Circles that kept simple notes outlived the departure of the officers who had started them.
                - **A neutral host mattered.** Meetings held in a library or a place of worship were seen as fairer than meetings held at the police station.
                - **Saying no openly built credibility.** Participants trusted partners who could explain a refusal more than partners who agreed to everything.

                Do these match your experience with councils? Niamh and Arjun, I am thinking especially of your exchange about institutional memory. Is there anything here you would push back on?
            """),
        },
        {
            "key": "niamh-headings",
            "author": "niamh",
            "at": (10, "15:20"),
            "subject": "Our two-page agreement",
            "parent": "maren-earlier-dialogue",
            "body": _text("""
                They match very closely, Maren, especially the second point. Arjun asked earlier what goes into our two-page agreement, so here are the headings:

                1. Who the mediation group is, and who its council contact is (a role, not only a name).
                2. Which kinds of cases the group takes on, and which it refers to the council or the police.
                3. What the group shares with the council: numbers and themes, never names without consent.
                4. How either side raises a disagreement, and how quickly the other must reply.
                5. A yearly meeting to review the agreement, open to residents.

                Point 5 matters most. It is the only time in the year when an elected member, an officer and a mediator have to sit in the same room and read the same page.
            """),
        },
        {
            "key": "arjun-role-not-name",
            "author": "participant2",
            "at": (11, "08:45"),
            "parent": "niamh-headings",
            "quote": "niamh-headings",
            "selection": "a role, not only a name",
            "body": _text("""
                Thank you, Niamh, I have shared this with my colleagues. Naming a role rather than a person is such a simple idea, but it would have saved us at least two broken relationships in the last few years. I will report back if we manage to try it in our ward.
            """),
        },
        {
            "key": "summary",
            "author": "facilitator",
            "at": (13, "17:00"),
            "subject": "Summary and thanks: this dialogue is now closed",
            "body": _text("""
                Dear all,

                This dialogue is now closing. Thank you to everyone who took part, and to the many readers who followed without posting. Ibrahim and I have gathered the main threads below; follow the links to read each contribution in full.

                **What councils need from mediators**

                1. Predictability, and honest reports that include bad news ([Arjun]({{post:arjun-council-side}})).
                2. Written records of what has been achieved ([Aminata]({{post:aminata-thies}}), [Lucía]({{post:lucia-turning-point}})).
                3. Independence that officials can explain to their elected members.

                **What mediators need from councils**

                1. Small promises kept, and officials who come and explain when they are not ([Lucía]({{post:lucia-promises}})).
                2. A seat at the table *before* decisions are made, not only after the conflict ([Aminata]({{post:aminata-standpipe}})).
                3. Respect for a refusal that comes with reasons ([Emir]({{post:emir-three-questions}}), [Thandiwe]({{post:thandiwe-different-terms}})).

                **Systems and institutions**

                - A written agreement that names roles and survives staff turnover ([Niamh]({{post:niamh-headings}})).
                - A trusted third institution, such as a rights desk ([Nino]({{post:nino-third-institution}})).
                - Shared work with real stakes, such as a participatory budget ([Rafael]({{post:rafael-budget}})).

                > Trust follows shared work with real stakes, not goodwill alone.

                We will publish a summary of this dialogue alongside the earlier ones. Until then, introductions and follow-up conversations are welcome in the *General* category. We hope to see you all in the next dialogue.
            """),
        },
    ],
}

# Which prompting questions (numbered from 1) some replies answer.
ANSWERS = {
    "lucia-promises": [2, 3],
    "arjun-council-side": [1],
    "aminata-thies": [2],
    "emir-mostar": [2, 3],
    "niamh-agreement": [3, 4],
    "nino-third-institution": [4],
    "rafael-budget": [4],
    "arjun-voice-note": [1],
}


def _questions(body: str) -> list[str]:
    return [
        line.strip()[2:].replace("*", "")
        for line in body.splitlines()
        if line.strip().startswith("- ")
    ]


OPEN_DIALOGUE = {
    "category": "dialogues",
    "title": "Rumours, group chats and local disputes: how do we stop a quarrel going viral?",
    "days_ago": 4,
    "locked": False,
    "closes_in_days": 10,
    "posts": [
        {
            "key": "open",
            "author": "facilitator",
            "at": (0, "10:00"),
            "body": _text("""
                Welcome to a new dialogue, and welcome back to those who took part in the last one.

                A dispute between two neighbours used to stay on their street. Today a photo, a voice note or a half-true story can reach thousands of people in an afternoon, and a quarrel over a parking space can turn into a quarrel between two communities before any mediator has heard of it. We would like to learn from your experience:

                - Where you work, how have rumours or messages in group chats turned a local dispute into something bigger?
                - What have mediators, councils or community groups done that *actually* slowed a rumour down?
                - Who should be the trusted voice when a rumour spreads: a mediator, an official, a faith or customary leader, or someone else entirely?

                This dialogue stays open for two weeks. As before, reply to this post or to anyone in the conversation.
            """),
        },
        {
            "key": "arjun-voice-note",
            "author": "participant2",
            "at": (0, "15:30"),
            "subject": "A voice note that travelled faster than we did",
            "body": _text("""
                Last monsoon, a boundary wall collapsed between two plots in our ward, and a voice note claimed that one family had knocked it down deliberately to grab land. Within two hours it had been forwarded into every residents' group in the area, with a different religion attached to each version.

                The wall had fallen because of the rain. By the time our engineer confirmed it, there were forty people outside the two houses.
            """),
        },
        {
            "key": "thandiwe-trusted-voice",
            "author": "thandiwe",
            "at": (1, "09:10"),
            "body": _text("""
                For us the trusted voice is almost never the official. It is the person people already phone when something goes wrong: a taxi rank marshal, a church choir leader, the woman who runs the spaza shop on the corner.

                What has worked is asking those people *in advance* whether they are willing to be called when a rumour starts, so we are not looking for them in the middle of a crisis.
            """),
        },
        {
            "key": "ibrahim-asks-arjun",
            "author": "facilitator2",
            "at": (1, "14:00"),
            "subject": "Thank you, Arjun",
            "parent": "arjun-voice-note",
            "quote": "arjun-voice-note",
            "selection": "By the time our engineer confirmed it, there were forty people outside the two houses.",
            "body": _text("""
                Thank you for this, Arjun: it shows how little time there is between a rumour and a crowd.

                What happened in front of the two houses? Who spoke to the crowd, and did the engineer's finding help once people had gathered, or was it too late for facts by then?
            """),
        },
        {
            "key": "arjun-in-front-of-houses",
            "author": "participant2",
            "at": (2, "11:20"),
            "parent": "ibrahim-asks-arjun",
            "body": _text("""
                The engineer's report alone did not help at all. What calmed things was an elderly neighbour who belonged to neither family and had watched the wall fall from her window. She recorded her own voice note, in her own words, and the same groups forwarded it.

                We learned two things: a witness is more convincing than an expert, and the answer has to travel through the same channels as the rumour.
            """),
        },
        {
            "key": "lucia-first-to-know",
            "author": "participant",
            "at": (2, "19:05"),
            "subject": "Our 'first to know' list",
            "body": _text("""
                In our comuna we keep what we call a *first to know* list: about thirty residents, from different streets and different ages, who agree to do three things when a worrying message reaches them:

                1. Not forward it.
                2. Send it to one of the mediators instead.
                3. Wait for a reply before they say anything about it.

                It is not perfect, and thirty people cannot stop a whole city. But it gives us an hour or two, and an hour or two is often enough to find out what really happened.
            """),
        },
    ],
}

GENERAL_TOPICS = [
    {
        "category": "general",
        "title": "Welcome: how this forum works",
        "days_ago": 70,
        "pinned": True,
        "posts": [
            {
                "key": "open",
                "author": "admin",
                "at": (0, "08:30"),
                "body": _text("""
                    Welcome to the forum of the Open Circle Dialogue Network. A few things worth knowing before you post:

                    - **Dialogues** are facilitated conversations that run for a few weeks around a set of questions. When one ends, the facilitators post a summary and close the topic; it stays readable, but nobody can reply any more.
                    - **General** is for everything else: introductions, questions about the forum and follow-ups to past dialogues.
                    - Each reply can have a **subject**. If you leave it empty, the first words of your post are shown instead.
                    - Use **Reply** under a post to answer that person; replies are shown as a thread beneath it. You can also read a topic in the *flat* view, oldest post first.
                    - Use **Quote** to include someone's words in your reply. If you select part of a post first, only that part is quoted.
                    - Posts are written in Markdown; see the [formatting question]({{topic:markdown}}) for examples.
                    - You can add a short signature to your profile; it is shown under each of your posts.

                    If anything is unclear, reply here and we will help.
                """),
            },
            {
                "key": "edit-question",
                "author": "participant",
                "at": (4, "12:15"),
                "subject": "Editing a post",
                "body": _text("""
                    Thank you for the clear introduction. Can I still change a post after I have sent it? I sometimes notice a typo only afterwards.
                """),
            },
            {
                "key": "edit-answer",
                "author": "admin",
                "at": (4, "16:40"),
                "parent": "edit-question",
                "body": _text("""
                    Yes: use **Edit** on your own post. The post will show that it was edited. Once a dialogue has been closed, its posts can no longer be changed.
                """),
            },
        ],
    },
    {
        "category": "general",
        "title": "Introduce yourself",
        "days_ago": 60,
        "posts": [
            {
                "key": "open",
                "author": "facilitator",
                "at": (0, "09:00"),
                "body": _text("""
                    This is the place to say hello. Tell us where you are writing from and what brings you to community dialogue. A sentence or two is plenty.
                """),
            },
            {
                "key": "aminata",
                "author": "aminata",
                "at": (1, "10:30"),
                "body": _text("""
                    Bonjour à toutes et à tous! I am Aminata, from Thiès in Senegal. I coordinate a network of women mediators in our neighbourhoods.
                """),
            },
            {
                "key": "nino",
                "author": "nino",
                "at": (2, "17:05"),
                "body": _text("""
                    Hello from Tbilisi. I work on residents' complaints at a municipal rights desk and I am here to learn how others work with their councils.
                """),
            },
            {
                "key": "emir",
                "author": "emir",
                "at": (3, "20:45"),
                "subject": "Hello from Mostar",
                "body": _text("""
                    I run a youth centre where young people from both sides of the city train as peer mediators. Looking forward to the dialogues.
                """),
            },
        ],
    },
    {
        "key": "markdown",
        "category": "general",
        "title": "How do I show a code block or keep my line breaks?",
        "days_ago": 45,
        "posts": [
            {
                "key": "open",
                "author": "participant2",
                "at": (0, "11:10"),
                "body": _text("""
                    I want to share the text of a short message template we send to residents, exactly as it is written. When I paste it, the lines run together into one paragraph. How do I keep it as it is?
                """),
            },
            {
                "key": "answer",
                "author": "admin",
                "at": (0, "14:25"),
                "subject": "Code blocks and line breaks",
                "body": _text("""
                    Put three backticks on a line before the text and three after it. Everything in between is shown exactly as typed, in a fixed-width font:

                    ````
                    ```
                    Dear neighbour,
                    The mediation meeting is on Thursday at 18:00
                    at the community house.
                    ```
                    ````

                    For a word or two inside a sentence, use single backticks: `like this`.

                    Some other formatting that works here:

                    - `**bold**` and `*italics*`
                    - `[link text](https://example.org)` for a link
                    - a line starting with `>` for a quotation
                    - lines starting with `1.` or `-` for numbered and bulleted lists

                    To end a line without starting a new paragraph, finish it with a backslash (`\\`) or two spaces.
                """),
            },
            {
                "key": "thanks",
                "author": "participant2",
                "at": (1, "09:00"),
                "parent": "answer",
                "quote": "answer",
                "selection": "For a word or two inside a sentence, use single backticks: `like this`.",
                "body": _text("""
                    That works, thank you. Here is our template:

                    ```
                    Dear neighbour,
                    The ward office and the mediators invite you
                    to a meeting about the shared water tank.
                    ```
                """),
            },
        ],
    },
]

TOPICS = [*GENERAL_TOPICS, LOCKED_DIALOGUE, OPEN_DIALOGUE]

_PLACEHOLDER = re.compile(r"\{\{(post|topic):([\w-]+)\}\}")


def _when(now: datetime, days_ago: int, at: tuple[int, str]) -> datetime:
    start = (now - timedelta(days=days_ago)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    day, clock = at
    hour, minute = (int(part) for part in clock.split(":"))
    return start + timedelta(days=day, hours=hour, minutes=minute)


def _same_text(selection: str, body: str) -> bool:
    return " ".join(selection.split()) in " ".join(body.split())


class _Builder:
    def __init__(self, stdout=None):
        self.stdout = stdout
        self.now = timezone.now()
        self.users: dict[str, User] = {}
        self.categories: dict[str, Category] = {}
        # Topic addresses are filled in lazily, so a body may link a later topic.
        self.topic_keys: dict[str, Topic] = {}
        self.post_times: list[tuple[int, datetime]] = []
        self.topic_times: list[tuple[int, datetime]] = []
        self.pending_links: list[Post] = []

    def say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(line)

    def build(self) -> None:
        self.add_series()
        for spec in USERS:
            self.add_user(spec)
        for spec in CATEGORIES:
            self.add_category(spec)
        for spec in sorted(TOPICS, key=lambda t: -t["days_ago"]):
            self.add_topic(spec)
        self.fill_links()
        for pk, when in self.post_times:
            Post.objects.filter(pk=pk).update(created_at=when)
        for pk, when in self.topic_times:
            Topic.objects.filter(pk=pk).update(created_at=when)
        # The demo's notifications are history: dated, unread, never emailed.
        history_loaded.send(sender=_Builder, post_ids=[pk for pk, _ in self.post_times])
        # Only the demo's own rows: the demo may join a large forum (the benchmark).
        demo_topics = Topic.objects.filter(pk__in=[pk for pk, _ in self.topic_times])
        for topic in demo_topics.only("pk"):
            recount_topic(topic=topic)
        for category in Category.objects.filter(
            pk__in=demo_topics.values("category_id")
        ).only("pk"):
            recount_category(category=category)
        # A closed dialogue was locked a little after its last post.
        for topic in demo_topics.filter(is_locked=True):
            Topic.objects.filter(pk=topic.pk).update(
                locked_at=topic.last_post_at + timedelta(hours=2)
            )

    def add_user(self, spec: dict) -> None:
        password = spec["password"] or secrets.token_urlsafe(24)
        user = create_user(
            username=spec["username"],
            email=spec["email"],
            password=password,
            display_name=spec["display_name"],
            signature=spec["signature"],
            is_staff=spec.get("is_staff", False),
        )
        user.date_joined = self.now - timedelta(days=spec["joined"])
        User.objects.filter(pk=user.pk).update(date_joined=user.date_joined)
        self.users[spec["username"]] = user

    def add_series(self) -> None:
        self.series = create_series(
            name="Neighbourhood mediation dialogues",
            slug="neighbourhood-mediation",
            description="Facilitated dialogues between neighbourhood mediators, "
            "councils and community groups.",
        )

    def add_category(self, spec: dict) -> None:
        category = create_category(
            name=spec["name"],
            slug=spec["slug"],
            description=spec["description"],
            position=spec["position"],
        )
        for username in spec["facilitators"]:
            appoint_facilitator(user=self.users[username], category=category)
        self.categories[spec["slug"]] = category

    def add_topic(self, spec: dict) -> None:
        opening, *replies = spec["posts"]
        dialogue = spec["category"] == "dialogues"
        topic = create_topic(
            category=self.categories[spec["category"]],
            author=self.users[opening["author"]],
            title=spec["title"],
            body=opening["body"],
            # A dialogue's prompting questions are the opening post's bullet list.
            prompts=_questions(opening["body"]) if dialogue else [],
        )
        if dialogue:
            set_series(topic=topic, series=self.series)
        prompts = list(topic.prompts.order_by("position"))
        if "key" in spec:
            self.topic_keys[spec["key"]] = topic
        first = topic.first_post
        posts = {opening["key"]: first}
        previous = _when(self.now, spec["days_ago"], opening["at"])
        if previous <= self.users[opening["author"]].date_joined:
            raise ValueError(f"{spec['title']}: written before its author joined")
        self.topic_times.append((topic.pk, previous))
        self.post_times.append((first.pk, previous))
        self.note_links(first)
        for reply in replies:
            when = _when(self.now, spec["days_ago"], reply["at"])
            if not previous < when < self.now:
                raise ValueError(f"{spec['title']}: {reply['key']} is out of order")
            previous = when
            if when <= self.users[reply["author"]].date_joined:
                raise ValueError(f"{reply['key']}: written before its author joined")
            quoted = posts[reply["quote"]] if "quote" in reply else None
            selection = reply.get("selection", "")
            if quoted is not None and not _same_text(selection, quoted.body):
                raise ValueError(f"{reply['key']}: the selection is not in the quote")
            body = self.expand(reply["body"], posts)
            if quoted is not None:
                body = quote_markdown(quoted, selection=selection) + body
            post = post_reply(
                topic=topic,
                author=self.users[reply["author"]],
                body=body,
                subject=reply.get("subject", ""),
                parent=posts[reply["parent"]] if "parent" in reply else None,
                quoting=quoted,
                prompts=[prompts[n - 1] for n in ANSWERS.get(reply["key"], [])],
            )
            posts[reply["key"]] = post
            self.post_times.append((post.pk, when))
            self.note_links(post)
        if spec.get("summary"):
            set_summary(
                topic=topic,
                editor=self.users[opening["author"]],
                summary=spec["summary"],
            )
        if spec.get("closes_in_days"):
            set_schedule(
                topic=topic,
                opens_at=None,
                closes_at=self.now + timedelta(days=spec["closes_in_days"]),
            )
        if spec.get("locked"):
            lock_topic(
                topic=topic,
                actor=self.users[opening["author"]],
                note=spec.get("closing_note", ""),
            )
        if spec.get("pinned"):
            set_topic_pinned(topic=topic, pinned=True)
        self.say(
            f"  {spec['title']} ({len(spec['posts'])} posts"
            f"{', locked' if spec.get('locked') else ''})"
        )

    @staticmethod
    def expand(body: str, posts: dict[str, Post]) -> str:
        def address(match: re.Match) -> str:
            kind, key = match.groups()
            if kind == "post":
                return posts[key].get_absolute_url()
            return match.group(0)  # topic links are filled in once all exist

        return _PLACEHOLDER.sub(address, body)

    def note_links(self, post: Post) -> None:
        if _PLACEHOLDER.search(post.body):
            self.pending_links.append(post)

    def fill_links(self) -> None:
        """Point {{topic:KEY}} links at their topics (a topic may be made later)."""
        for post in self.pending_links:
            body = _PLACEHOLDER.sub(
                lambda m: (
                    self.topic_keys[m.group(2)].get_absolute_url()
                    if m.group(1) == "topic"
                    else m.group(0)
                ),
                post.body,
            )
            if _PLACEHOLDER.search(body):
                raise ValueError(f"unresolved link in post {post.pk}")
            Post.objects.filter(pk=post.pk).update(
                body=body, body_html=render_markdown(body)
            )


def seed_demo(stdout=None) -> bool:
    """Create the demo forum; return False (changing nothing) if it is present."""
    with transaction.atomic():
        if User.objects.filter(username=ADMIN_USERNAME).exists():
            return False
        _Builder(stdout).build()
    return True
