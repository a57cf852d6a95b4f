"""A realistic demo dataset: a small chain of repair shops and a year of its service desk.

Fixwell sells and repairs electronics and appliances in London, Berlin and
Madrid. Its customers write, call, fill in the web form, chat, text and walk
in, in English, German, Spanish and French; eight staff answer them.

This module is a fixture loader, and the one place outside the domain
actions that writes models directly: running thousands of conversations
through `receive` and the actions would take minutes and would stamp them all
with today's date. Instead it builds the rows the actions would have written
(messages, outbox-free replies, tags, the activity log with the same verbs
and data) and saves them with `bulk_create`, with timestamps spread over the
last twelve months. Demo replies are marked as sent and have no outbox rows,
so no demo mail ever leaves the machine; every address is under a reserved
example domain.

The same seed gives the same names, texts and shape of data.
"""

import math
import random
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from helpline.conversations.models import (
    OPEN_STATUSES,
    Channel,
    Conversation,
    Delivery,
    Direction,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Wait,
)
from helpline.conversations.waits import BusinessClock, answer, makes_customer_wait, new_wait
from helpline.core import demo_responsiveness
from helpline.core.models import Activity, Location, Mailbox, Role, Team, User
from helpline.customers.models import Customer, Identity, IdentityKind

DEMO_VERB = "demo.loaded"
DEMO_PASSWORD = "helpline-demo"  # every demo agent's password; printed by the commands
SHOP_DOMAIN = "fixwell.example"
CUSTOMER_DOMAINS = ["example.com", "example.org", "example.net"]


class DemoAlreadyLoaded(RuntimeError):
    pass


def demo_loaded() -> bool:
    return Activity.objects.filter(verb=DEMO_VERB).exists()


@dataclass
class DemoSummary:
    seed: int
    counts: dict = field(default_factory=dict)
    agents: list = field(default_factory=list)  # (username, role, locations)
    seconds: float = 0.0


# -- the organisation ---------------------------------------------------------

LOCATIONS = [
    # name, timezone, country, language
    ("London Covent Garden", "Europe/London", "GB", "en"),
    ("Berlin Mitte", "Europe/Berlin", "DE", "de"),
    ("Madrid Centro", "Europe/Madrid", "ES", "es"),
]

AGENTS = [
    # username, first, last, role, location indexes
    ("olivia", "Olivia", "Bennett", Role.ADMIN, [0, 1, 2]),
    ("markus", "Markus", "Weber", Role.MANAGER, [1]),
    ("lucia", "Lucía", "Fernández", Role.MANAGER, [2, 0]),
    ("james", "James", "Carter", Role.AGENT, [0]),
    ("priya", "Priya", "Shah", Role.AGENT, [0, 1]),
    ("jonas", "Jonas", "Becker", Role.AGENT, [1]),
    ("carmen", "Carmen", "Ruiz", Role.AGENT, [2]),
    ("amelie", "Amélie", "Laurent", Role.AGENT, [1, 2]),
]

TEAMS = [("Customer care", None), ("Workshop", None)]

MAILBOXES = [
    # address, display name, location index
    (f"help@{SHOP_DOMAIN}", "Fixwell Customer Care", 0),
    (f"hilfe@{SHOP_DOMAIN}", "Fixwell Kundenservice", 1),
    (f"ayuda@{SHOP_DOMAIN}", "Fixwell Atención al cliente", 2),
]

# -- customers ----------------------------------------------------------------

LANGUAGE_OF = {"GB": "en", "DE": "de", "ES": "es", "FR": "fr"}
# Where a location's customers come from.
COUNTRY_MIX = {
    "GB": [("GB", 80), ("FR", 10), ("ES", 5), ("DE", 5)],
    "DE": [("DE", 80), ("FR", 10), ("GB", 10)],
    "ES": [("ES", 80), ("FR", 10), ("GB", 10)],
}

NAMES = {
    "GB": (
        "Oliver Amelia Harry Isla George Ava Noah Mia Jack Grace Leo Emily Arthur Sophie "
        "Thomas Chloe William Ruby Charlie Lily",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright "
        "Thompson Evans Walker White Roberts Green Hall Wood Clarke",
    ),
    "DE": (
        "Lukas Anna Leon Lea Finn Hannah Paul Emma Jonas Mia Felix Lena Maximilian Sophie "
        "Elias Marie Ben Laura Noah Clara",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger",
    ),
    "ES": (
        "Hugo Lucía Martín Sofía Pablo María Daniel Paula Alejandro Julia Álvaro Carmen "
        "Diego Elena Javier Marta Adrián Laura Mateo Alba",
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
        "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres",
    ),
    "FR": (
        "Gabriel Louise Raphaël Jade Léo Ambre Arthur Alice Louis Emma Jules Chloé Hugo Léa "
        "Adam Inès Lucas Manon Nathan Camille",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier",
    ),
}

# -- what customers write ------------------------------------------------------

PRODUCTS = {
    "en": ["laptop", "washing machine", "coffee machine", "headphones", "phone", "e-bike"],
    "de": ["Laptop", "Waschmaschine", "Kaffeemaschine", "Kopfhörer", "Handy", "E-Bike"],
    "es": ["portátil", "lavadora", "cafetera", "auriculares", "móvil", "bicicleta eléctrica"],
    "fr": ["ordinateur portable", "lave-linge", "machine à café", "casque", "téléphone", "vélo"],
}

TOPICS = {
    "order": {
        "en": (
            ["Where is my order {order}?", "Order {order} not delivered yet"],
            [
                "Hello,\n\nI ordered a {product} on your website {days} days ago (order {order}) "
                "and it still hasn't arrived. The tracking page hasn't changed since Monday. "
                "Can you tell me when it will come?\n\nThanks,\n{first}",
                "Hi, my order {order} was supposed to arrive yesterday but nothing came. "
                "I stayed at home all day. What happened?\n\n{first}",
            ],
            [
                "Hello {first},\n\nsorry for the wait. Your order {order} left our warehouse "
                "this morning and the courier will deliver it tomorrow between 9 and 13.\n\n"
                "Best regards,\n{agent}",
                "Hi {first},\n\nthe courier had a delay in your area. I have asked them to "
                "prioritise order {order}; you will get a text with the time slot.\n\n{agent}",
            ],
        ),
        "de": (
            ["Wo bleibt meine Bestellung {order}?", "Bestellung {order} noch nicht angekommen"],
            [
                "Guten Tag,\n\nich habe vor {days} Tagen einen {product} bestellt "
                "(Bestellung {order}), aber er ist immer noch nicht da. Die Sendungsverfolgung "
                "zeigt seit Montag nichts Neues. Wann kommt die Lieferung?\n\n"
                "Viele Grüße\n{first}",
                "Hallo, meine Bestellung {order} sollte gestern kommen, es kam aber nichts. "
                "Ich war den ganzen Tag zu Hause. Was ist passiert?\n\n{first}",
            ],
            [
                "Hallo {first},\n\nentschuldigen Sie die Wartezeit. Ihre Bestellung {order} hat "
                "heute früh unser Lager verlassen und wird morgen zwischen 9 und 13 Uhr "
                "geliefert.\n\nFreundliche Grüße\n{agent}",
                "Hallo {first},\n\nder Paketdienst hatte Verzögerungen in Ihrem Gebiet. Ich habe "
                "darum gebeten, {order} bevorzugt zuzustellen.\n\n{agent}",
            ],
        ),
        "es": (
            ["¿Dónde está mi pedido {order}?", "Pedido {order} sin entregar"],
            [
                "Hola,\n\nhace {days} días pedí un {product} en la web (pedido {order}) y todavía "
                "no ha llegado. El seguimiento no cambia desde el lunes. ¿Cuándo llegará?\n\n"
                "Gracias,\n{first}",
                "Buenas, mi pedido {order} tenía que llegar ayer y no vino nadie. Estuve en "
                "casa todo el día. ¿Qué ha pasado?\n\n{first}",
            ],
            [
                "Hola {first}:\n\ndisculpa la espera. Tu pedido {order} ha salido esta mañana "
                "del almacén y llegará mañana entre las 9 y las 13.\n\nUn saludo,\n{agent}",
                "Hola {first}:\n\nla empresa de transporte ha tenido retrasos en tu zona. He "
                "pedido que den prioridad al pedido {order}.\n\n{agent}",
            ],
        ),
        "fr": (
            ["Où est ma commande {order} ?", "Commande {order} toujours pas livrée"],
            [
                "Bonjour,\n\nj'ai commandé un {product} il y a {days} jours (commande {order}) "
                "et je ne l'ai toujours pas reçu. Le suivi n'a pas bougé depuis lundi. "
                "Quand arrivera-t-il ?\n\nMerci,\n{first}",
                "Bonjour, ma commande {order} devait arriver hier mais personne n'est venu. "
                "Que s'est-il passé ?\n\n{first}",
            ],
            [
                "Bonjour {first},\n\ndésolé pour l'attente. Votre commande {order} a quitté "
                "notre entrepôt ce matin et sera livrée demain entre 9 h et 13 h.\n\n"
                "Cordialement,\n{agent}",
                "Bonjour {first},\n\nle transporteur a eu du retard dans votre secteur. J'ai "
                "demandé la priorité pour la commande {order}.\n\n{agent}",
            ],
        ),
    },
    "return": {
        "en": (
            ["Return of my {product}", "I'd like to return order {order}"],
            [
                "Hello,\n\nthe {product} I bought is not what I expected and I would like to "
                "return it. It is unused and still in the box. How do I send it back?\n\n{first}",
                "Hi, I want to return the {product} from order {order}, it's too big for my "
                "kitchen. Do I get a full refund?\n\n{first}",
            ],
            [
                "Hello {first},\n\nof course. I have attached a free return label; once the "
                "{product} is back with us you get your {amount} refunded within 5 working days."
                "\n\n{agent}",
                "Hi {first},\n\nyou can bring it to any of our shops or send it back with the "
                "label I just emailed. The refund of {amount} follows after our check.\n\n{agent}",
            ],
        ),
        "de": (
            ["Rücksendung {product}", "Ich möchte Bestellung {order} zurückgeben"],
            [
                "Guten Tag,\n\nder {product} entspricht nicht meinen Erwartungen und ich möchte "
                "ihn zurückschicken. Er ist unbenutzt und originalverpackt. Wie geht das?\n\n"
                "{first}",
                "Hallo, ich möchte den {product} aus Bestellung {order} zurückgeben. Bekomme ich "
                "den vollen Betrag zurück?\n\n{first}",
            ],
            [
                "Hallo {first},\n\nselbstverständlich. Anbei ein kostenloses Rücksendeetikett. "
                "Sobald der {product} bei uns ist, erstatten wir {amount} innerhalb von "
                "5 Werktagen.\n\n{agent}",
                "Hallo {first},\n\nSie können ihn in jeder Filiale abgeben oder mit dem "
                "Etikett zurückschicken. Die {amount} erstatten wir nach der Prüfung.\n\n{agent}",
            ],
        ),
        "es": (
            ["Devolución de {product}", "Quiero devolver el pedido {order}"],
            [
                "Hola,\n\nel {product} que compré no es lo que esperaba y quiero devolverlo. "
                "Está sin usar y en su caja. ¿Cómo lo envío?\n\n{first}",
                "Buenas, quiero devolver el {product} del pedido {order}. ¿Me devolvéis el "
                "importe completo?\n\n{first}",
            ],
            [
                "Hola {first}:\n\nclaro que sí. Te adjunto una etiqueta de devolución gratuita; "
                "cuando recibamos el {product} te reembolsamos {amount} en 5 días hábiles."
                "\n\n{agent}",
                "Hola {first}:\n\npuedes llevarlo a cualquier tienda o enviarlo con la etiqueta. "
                "El reembolso de {amount} se hace tras revisarlo.\n\n{agent}",
            ],
        ),
        "fr": (
            ["Retour de mon {product}", "Je souhaite retourner la commande {order}"],
            [
                "Bonjour,\n\nle {product} ne correspond pas à mes attentes et je voudrais le "
                "retourner. Il est neuf, dans son emballage. Comment faire ?\n\n{first}",
                "Bonjour, je souhaite retourner le {product} de la commande {order}. Serai-je "
                "remboursé intégralement ?\n\n{first}",
            ],
            [
                "Bonjour {first},\n\nbien sûr. Vous trouverez ci-joint une étiquette de retour "
                "gratuite ; dès réception du {product}, nous remboursons {amount} sous 5 jours "
                "ouvrés.\n\n{agent}",
                "Bonjour {first},\n\nvous pouvez le déposer en magasin ou l'envoyer avec "
                "l'étiquette. Le remboursement de {amount} suit notre contrôle.\n\n{agent}",
            ],
        ),
    },
    "repair": {
        "en": (
            ["Repair status {product}", "My {product} is broken again"],
            [
                "Hello,\n\nI left my {product} for repair at your shop {days} days ago "
                "(ticket {order}). Is there any news? I need it for work.\n\n{first}",
                "Hi, the {product} you repaired last month makes the same noise again. It is "
                "still under warranty. What should I do?\n\n{first}",
            ],
            [
                "Hello {first},\n\nthe spare part arrived today; the technician will finish your "
                "{product} tomorrow and we will call you when it is ready to collect.\n\n{agent}",
                "Hi {first},\n\nsorry to hear that. Bring it in whenever suits you; the second "
                "repair is covered by the warranty and we will give you a loan device.\n\n{agent}",
            ],
        ),
        "de": (
            ["Reparaturstatus {product}", "Mein {product} ist schon wieder kaputt"],
            [
                "Guten Tag,\n\nich habe meinen {product} vor {days} Tagen zur Reparatur gebracht "
                "(Auftrag {order}). Gibt es Neuigkeiten? Ich brauche ihn dringend.\n\n{first}",
                "Hallo, der {product}, den Sie letzten Monat repariert haben, macht wieder das "
                "gleiche Geräusch. Er hat noch Garantie. Was soll ich tun?\n\n{first}",
            ],
            [
                "Hallo {first},\n\ndas Ersatzteil ist heute gekommen; der Techniker wird Ihren "
                "{product} morgen fertigstellen und wir rufen Sie an.\n\n{agent}",
                "Hallo {first},\n\ndas tut mir leid. Bringen Sie ihn vorbei; die zweite "
                "Reparatur ist Garantie und Sie bekommen ein Leihgerät.\n\n{agent}",
            ],
        ),
        "es": (
            ["Estado de la reparación de {product}", "Mi {product} se ha vuelto a romper"],
            [
                "Hola,\n\ndejé mi {product} en vuestra tienda hace {days} días (orden {order}). "
                "¿Hay novedades? Lo necesito para trabajar.\n\n{first}",
                "Hola, el {product} que reparasteis el mes pasado vuelve a hacer el mismo ruido. "
                "Sigue en garantía. ¿Qué hago?\n\n{first}",
            ],
            [
                "Hola {first}:\n\nla pieza ha llegado hoy; el técnico terminará tu {product} "
                "mañana y te llamaremos para recogerlo.\n\n{agent}",
                "Hola {first}:\n\nlo siento mucho. Tráelo cuando te venga bien; la segunda "
                "reparación entra en garantía y te dejamos uno de sustitución.\n\n{agent}",
            ],
        ),
        "fr": (
            ["Suivi de réparation {product}", "Mon {product} est encore en panne"],
            [
                "Bonjour,\n\nj'ai déposé mon {product} en réparation il y a {days} jours "
                "(dossier {order}). Avez-vous des nouvelles ?\n\n{first}",
                "Bonjour, le {product} réparé le mois dernier refait le même bruit. Il est "
                "encore sous garantie. Que dois-je faire ?\n\n{first}",
            ],
            [
                "Bonjour {first},\n\nla pièce est arrivée aujourd'hui ; le technicien terminera "
                "votre {product} demain et nous vous appellerons.\n\n{agent}",
                "Bonjour {first},\n\nnous sommes désolés. Rapportez-le quand vous voulez ; la "
                "réparation est couverte par la garantie.\n\n{agent}",
            ],
        ),
    },
    "billing": {
        "en": (
            ["Charged twice for order {order}", "Question about invoice {order}"],
            [
                "Hello,\n\nmy card was charged twice for order {order}, {amount} each time. "
                "Please refund the second payment.\n\n{first}",
                "Hi, could you send me a VAT invoice for order {order}? I need it for my "
                "company.\n\n{first}",
            ],
            [
                "Hello {first},\n\nyou are right, the payment went through twice. I have "
                "refunded {amount}; it will show on your statement in 3 to 5 days.\n\n{agent}",
                "Hi {first},\n\nplease find the invoice for order {order} attached.\n\n{agent}",
            ],
        ),
        "de": (
            ["Doppelt abgebucht: Bestellung {order}", "Frage zur Rechnung {order}"],
            [
                "Guten Tag,\n\nfür Bestellung {order} wurden mir zweimal {amount} abgebucht. "
                "Bitte erstatten Sie die zweite Zahlung.\n\n{first}",
                "Hallo, können Sie mir eine Rechnung mit ausgewiesener MwSt. für {order} "
                "schicken? Ich brauche sie für meine Firma.\n\n{first}",
            ],
            [
                "Hallo {first},\n\nSie haben recht, die Zahlung wurde doppelt ausgeführt. Ich "
                "habe {amount} erstattet.\n\n{agent}",
                "Hallo {first},\n\nanbei die Rechnung zur Bestellung {order}.\n\n{agent}",
            ],
        ),
        "es": (
            ["Cobro duplicado del pedido {order}", "Consulta sobre la factura {order}"],
            [
                "Hola,\n\nme habéis cobrado dos veces el pedido {order}, {amount} cada vez. "
                "Por favor, devolved el segundo cargo.\n\n{first}",
                "Hola, ¿me podéis enviar la factura con IVA del pedido {order}? La necesito "
                "para la empresa.\n\n{first}",
            ],
            [
                "Hola {first}:\n\ntienes razón, el pago se hizo dos veces. Ya hemos devuelto "
                "{amount}.\n\n{agent}",
                "Hola {first}:\n\nte adjunto la factura del pedido {order}.\n\n{agent}",
            ],
        ),
        "fr": (
            ["Double débit pour la commande {order}", "Question sur la facture {order}"],
            [
                "Bonjour,\n\nma carte a été débitée deux fois de {amount} pour la commande "
                "{order}. Merci de rembourser le second paiement.\n\n{first}",
                "Bonjour, pouvez-vous m'envoyer une facture avec TVA pour la commande {order} ?"
                "\n\n{first}",
            ],
            [
                "Bonjour {first},\n\nvous avez raison, le paiement a été passé deux fois. "
                "Nous avons remboursé {amount}.\n\n{agent}",
                "Bonjour {first},\n\nveuillez trouver la facture de la commande {order} "
                "ci-jointe.\n\n{agent}",
            ],
        ),
    },
    "complaint": {
        "en": (
            ["Very disappointed", "Complaint about your service"],
            [
                "I have called three times about my {product} and nobody called me back. "
                "This is unacceptable. I want to speak to a manager.\n\n{first}",
                "The technician was an hour late and left without fixing my {product}. "
                "I took a day off work for this. Really poor service.\n\n{first}",
            ],
            [
                "Dear {first},\n\nI am truly sorry. That is not the service we want to give. "
                "I have booked the first appointment tomorrow and will call you myself "
                "afterwards.\n\n{agent}",
                "Dear {first},\n\nyou are right to be upset and I apologise. We will refund the "
                "call-out fee and a senior technician will come on a day of your choice.\n\n"
                "{agent}",
            ],
        ),
        "de": (
            ["Sehr enttäuscht", "Beschwerde über Ihren Service"],
            [
                "Ich habe dreimal wegen meines {product} angerufen und niemand hat "
                "zurückgerufen. Das ist inakzeptabel. Ich möchte einen Vorgesetzten sprechen."
                "\n\n{first}",
                "Der Techniker kam eine Stunde zu spät und ging, ohne den {product} zu "
                "reparieren. Ich habe mir dafür frei genommen.\n\n{first}",
            ],
            [
                "Sehr geehrte/r {first},\n\nes tut mir wirklich leid. Ich habe den ersten "
                "Termin morgen reserviert und rufe Sie danach persönlich an.\n\n{agent}",
                "Hallo {first},\n\nIhr Ärger ist berechtigt, bitte entschuldigen Sie. Wir "
                "erstatten die Anfahrt und schicken einen erfahrenen Techniker.\n\n{agent}",
            ],
        ),
        "es": (
            ["Muy decepcionado", "Queja sobre el servicio"],
            [
                "He llamado tres veces por mi {product} y nadie me ha devuelto la llamada. "
                "Es inaceptable. Quiero hablar con un responsable.\n\n{first}",
                "El técnico llegó una hora tarde y se fue sin arreglar el {product}. Pedí el "
                "día libre para esto. Un servicio pésimo.\n\n{first}",
            ],
            [
                "Hola {first}:\n\nlo siento de verdad. He reservado la primera cita de mañana y "
                "te llamaré yo misma después.\n\n{agent}",
                "Hola {first}:\n\ntienes toda la razón y te pido disculpas. Te devolvemos el "
                "desplazamiento y vendrá un técnico senior el día que elijas.\n\n{agent}",
            ],
        ),
        "fr": (
            ["Très déçu", "Réclamation concernant votre service"],
            [
                "J'ai appelé trois fois pour mon {product} et personne ne m'a rappelé. "
                "C'est inacceptable. Je veux parler à un responsable.\n\n{first}",
                "Le technicien est arrivé avec une heure de retard et est reparti sans réparer "
                "le {product}. Service vraiment décevant.\n\n{first}",
            ],
            [
                "Bonjour {first},\n\nje suis sincèrement désolé. J'ai réservé le premier "
                "rendez-vous demain et je vous rappellerai moi-même.\n\n{agent}",
                "Bonjour {first},\n\nvotre mécontentement est légitime. Nous remboursons le "
                "déplacement et un technicien confirmé viendra au jour de votre choix.\n\n"
                "{agent}",
            ],
        ),
    },
    "praise": {
        "en": (
            ["Thank you!", "Great service in your shop"],
            [
                "Just wanted to say thank you to the team: my {product} works like new and "
                "the repair was quicker than promised.\n\n{first}",
                "Your colleague in the shop took a lot of time to explain the {product} to my "
                "mother. Much appreciated!\n\n{first}",
            ],
            [
                "Thank you so much, {first}! I have passed your message on to the team.\n\n{agent}",
            ],
        ),
        "de": (
            ["Vielen Dank!", "Toller Service in Ihrer Filiale"],
            [
                "Ich wollte mich beim Team bedanken: mein {product} funktioniert wie neu und "
                "die Reparatur ging schneller als versprochen.\n\n{first}",
                "Ihre Kollegin hat meiner Mutter den {product} sehr geduldig erklärt. Danke!"
                "\n\n{first}",
            ],
            ["Vielen Dank, {first}! Ich habe Ihre Nachricht an das Team weitergegeben.\n\n{agent}"],
        ),
        "es": (
            ["¡Gracias!", "Muy buena atención en la tienda"],
            [
                "Solo quería dar las gracias al equipo: mi {product} funciona como nuevo y la "
                "reparación fue más rápida de lo prometido.\n\n{first}",
                "Vuestro compañero de la tienda le explicó el {product} a mi madre con mucha "
                "paciencia. ¡Gracias!\n\n{first}",
            ],
            ["¡Muchas gracias, {first}! Se lo he hecho llegar al equipo.\n\n{agent}"],
        ),
        "fr": (
            ["Merci !", "Excellent accueil en magasin"],
            [
                "Je voulais remercier l'équipe : mon {product} fonctionne comme neuf et la "
                "réparation a été plus rapide que prévu.\n\n{first}",
                "Votre collègue en magasin a pris le temps d'expliquer le {product} à ma mère. "
                "Merci beaucoup !\n\n{first}",
            ],
            ["Merci beaucoup, {first} ! J'ai transmis votre message à l'équipe.\n\n{agent}"],
        ),
    },
}
TOPIC_WEIGHTS = {
    "order": 28,
    "return": 16,
    "repair": 22,
    "billing": 12,
    "complaint": 12,
    "praise": 6,
}
TOPIC_TAGS = {
    "order": ["delivery"],
    "return": ["return"],
    "repair": ["repair"],
    "billing": ["billing"],
    "complaint": ["complaint"],
    "praise": ["praise"],
}


class _Words(TypedDict):
    """A language's phrases for any topic."""

    followup: list[str]
    thanks: list[str]
    update: str
    quote: str
    call: str
    walk_in: str
    ooo: str


GENERIC: dict[str, _Words] = {
    "en": {
        "followup": [
            "Any news on this? I still haven't heard anything.",
            "Thanks, but the problem is still there.",
        ],
        "thanks": ["Thank you, that's sorted!", "Great, received it. Thanks for your help."],
        "update": "Hello {first},\n\nthank you for your patience. I have checked again and "
        "sorted it out with my colleagues; you should see the result within two days.\n\n{agent}",
        "quote": "On {date}, {who} wrote:",
        "call": "Phone call: ",
        "walk_in": "At the counter: ",
        "ooo": "I am out of the office until {date} with limited access to email.",
    },
    "de": {
        "followup": [
            "Gibt es schon etwas Neues? Ich habe noch nichts gehört.",
            "Danke, aber das Problem besteht weiterhin.",
        ],
        "thanks": ["Danke, hat geklappt!", "Super, ist angekommen. Vielen Dank für die Hilfe."],
        "update": "Hallo {first},\n\ndanke für Ihre Geduld. Ich habe noch einmal nachgehakt "
        "und es mit den Kollegen geklärt; in zwei Tagen sollte alles erledigt sein.\n\n{agent}",
        "quote": "Am {date} schrieb {who}:",
        "call": "Telefonat: ",
        "walk_in": "Am Tresen: ",
        "ooo": "Ich bin bis zum {date} nicht im Büro und lese meine E-Mails nur eingeschränkt.",
    },
    "es": {
        "followup": [
            "¿Hay alguna novedad? Sigo sin saber nada.",
            "Gracias, pero el problema sigue igual.",
        ],
        "thanks": ["¡Gracias, todo resuelto!", "Perfecto, ya lo tengo. Gracias por la ayuda."],
        "update": "Hola {first}:\n\ngracias por tu paciencia. Lo he vuelto a revisar con mis "
        "compañeros y en dos días debería estar resuelto.\n\n{agent}",
        "quote": "El {date}, {who} escribió:",
        "call": "Llamada: ",
        "walk_in": "En mostrador: ",
        "ooo": "Estoy fuera de la oficina hasta el {date} con acceso limitado al correo.",
    },
    "fr": {
        "followup": [
            "Avez-vous du nouveau ? Je n'ai toujours aucune nouvelle.",
            "Merci, mais le problème persiste.",
        ],
        "thanks": ["Merci, c'est réglé !", "Parfait, bien reçu. Merci pour votre aide."],
        "update": "Bonjour {first},\n\nmerci de votre patience. J'ai revérifié avec mes "
        "collègues ; tout devrait être réglé d'ici deux jours.\n\n{agent}",
        "quote": "Le {date}, {who} a écrit :",
        "call": "Appel : ",
        "walk_in": "Au comptoir : ",
        "ooo": "Je suis absent jusqu'au {date} avec un accès limité à mes e-mails.",
    },
}

NOTES = [
    "Checked with the warehouse: parcel is in the depot since Tuesday.",
    "Customer is a regular, be generous.",
    "Called back, no answer. Will try again tomorrow morning.",
    "Spare part ordered from the supplier, ETA 3 days.",
    "Refund approved by the manager.",
    "Second contact about the same device within a month.",
    "Rückruf vereinbart für morgen 10 Uhr.",
    "Ersatzgerät ausgegeben, Seriennummer notiert.",
    "Cliente muy amable, quiere recogerlo el sábado.",
    "Pieza pedida al proveedor.",
]

EXTRA_TAGS = ["warranty", "vip", "callback", "loan-device", "refund", "repeat-contact"]

CHANNEL_WEIGHTS = [
    (Channel.EMAIL, 42),
    (Channel.PHONE, 22),
    (Channel.WEB, 15),
    (Channel.WALK_IN, 11),
    (Channel.CHAT, 6),
    (Channel.SMS, 4),
]

ACKNOWLEDGEMENT = (
    "Hello{name},\n\nThank you for writing to us. We have received your message and will "
    "answer as soon as we can. Your reference is {token}; keep it in the subject if you write "
    "again about this.\n"
)


# -- the generator -------------------------------------------------------------


def load_demo(
    *,
    customers: int = 500,
    conversations: int = 3000,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Create the demo organisation and history; refuses when a demo is already loaded."""
    started = timezone.now()
    with transaction.atomic():
        if demo_loaded():
            raise DemoAlreadyLoaded("a demo dataset is already loaded")
        generator = _Generator(random.Random(seed), now or timezone.now())
        generator.organise()
        # Before the history: its waits are counted in business time.
        demo_responsiveness.set_up_hours(generator.locations, generator.now)
        with _keep_given_timestamps(Customer, Identity, Conversation, Activity):
            summary = generator.run(customers, conversations)
        demo_responsiveness.set_up_service(generator.locations, generator.teams)
        summary.counts["callbacks"] = demo_responsiveness.queue_callbacks(generator.now)
        summary.seed = seed
        Activity.objects.create(
            verb=DEMO_VERB, subject_type="demo", subject_id=seed, data=summary.counts
        )
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary


@contextmanager
def _keep_given_timestamps(*models):
    """Let bulk_create store historical dates in auto_now / auto_now_add fields."""
    changed = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class _Person:
    customer: Customer
    country: str
    language: str
    first: str
    email: Identity | None = None
    phone: Identity | None = None
    chat: Identity | None = None
    first_contact: datetime | None = None


class _Generator:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.messages: list[Message] = []
        # Each row with its subject (saved later, so its id is not known yet) and message.
        self.activities: list[tuple[Activity, models.Model, Message | None]] = []
        self.tag_links: list[tuple[Conversation, str]] = []
        self.conversations: list[Conversation] = []
        self.identities: list[Identity] = []
        self.used_values: set[str] = set(Identity.objects.values_list("value", flat=True))
        self.counter = 0

    # organisation

    def run(self, customer_count: int, conversation_count: int) -> DemoSummary:
        """The customers and their history, for the organisation already made."""
        people = self._customers(customer_count)
        self._history(people, conversation_count)
        return self._save(people)

    def organise(self) -> None:
        self.locations = []
        for name, tz, country, _lang in LOCATIONS:
            location, _ = Location.objects.get_or_create(
                name=name, defaults={"timezone": tz, "country": country}
            )
            self.locations.append(location)
        password = make_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose
        self.agents = []
        for username, first, last, role, location_indexes in AGENTS:
            user = User.objects.create(
                username=username,
                email=f"{username}@{SHOP_DOMAIN}",
                first_name=first,
                last_name=last,
                role=role,
                is_staff=role in (Role.ADMIN, Role.MANAGER),
                is_superuser=role == Role.ADMIN,
                password=password,
                date_joined=self.now - timedelta(days=400),
            )
            user.locations.set([self.locations[i] for i in location_indexes])
            user.demo_location_ids = {self.locations[i].pk for i in location_indexes}
            self.agents.append(user)
            self._activity(None, "user.created", user, self.now - timedelta(days=400), role=role)
        self.teams = {}
        for name, _ in TEAMS:
            team, _ = Team.objects.get_or_create(name=name)
            self.teams[name] = team
        care, workshop = self.teams["Customer care"], self.teams["Workshop"]
        care.lead = self.agents[2]
        care.save(update_fields=["lead"])
        care.members.set([a for a in self.agents if a.role != Role.ADMIN])
        workshop.lead = self.agents[1]
        workshop.save(update_fields=["lead"])
        workshop.members.set([self.agents[1], self.agents[4], self.agents[5], self.agents[6]])
        self.mailboxes = {}
        for address, name, index in MAILBOXES:
            mailbox, _ = Mailbox.objects.get_or_create(
                address=address,
                defaults={"name": name, "location": self.locations[index], "team": care},
            )
            self.mailboxes[self.locations[index].pk] = mailbox

    # customers

    def _customers(self, count: int) -> list[_Person]:
        rng = self.rng
        people = []
        for _ in range(count):
            location = rng.choices(self.locations, weights=[45, 30, 25])[0]
            mix = COUNTRY_MIX[location.country]
            country = rng.choices([c for c, _ in mix], weights=[w for _, w in mix])[0]
            firsts, lasts = NAMES[country]
            first, last = rng.choice(firsts.split()), rng.choice(lasts.split())
            customer = Customer(name=f"{first} {last}", location=location)
            person = _Person(customer, country, LANGUAGE_OF[country], first)
            shape = rng.random()
            if shape < 0.85:
                person.email = self._identity(person, IdentityKind.EMAIL, self._email(first, last))
            if shape > 0.45 or person.email is None:
                person.phone = self._identity(person, IdentityKind.PHONE, self._phone(country))
            people.append(person)
        return people

    def _identity(self, person: _Person, kind: str, value: str) -> Identity:
        identity = Identity(customer=person.customer, kind=kind, value=value)
        self.identities.append(identity)
        return identity

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        domain = self.rng.choice(CUSTOMER_DOMAINS)
        candidate = f"{base}@{domain}"
        while candidate in self.used_values:
            candidate = f"{base}{self.rng.randint(2, 999)}@{domain}"
        self.used_values.add(candidate)
        return candidate

    def _phone(self, country: str) -> str:
        """A valid mobile number of the country, in E.164 (random subscriber digits)."""
        kind = phonenumbers.PhoneNumberType.MOBILE
        if self.rng.random() < 0.2:
            kind = phonenumbers.PhoneNumberType.FIXED_LINE
        example = phonenumbers.example_number_for_type(country, kind)
        assert example is not None, country  # every demo country has example numbers
        digits = str(example.national_number)
        while True:
            national = digits[:3] + "".join(self.rng.choice("0123456789") for _ in digits[3:])
            number = phonenumbers.parse(f"+{example.country_code}{national}")
            if not phonenumbers.is_valid_number(number):
                continue
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if value not in self.used_values:
                self.used_values.add(value)
                return value

    # conversations

    def _history(self, people: list[_Person], count: int) -> None:
        rng = self.rng
        # A few customers contact the shop often, most only once or twice.
        weights = [rng.paretovariate(1.3) for _ in people]
        for person in rng.choices(people, weights=weights, k=count) if people else []:
            self._conversation(person)

    def _pick_channel(self, person: _Person) -> str:
        usable = []
        for channel, weight in CHANNEL_WEIGHTS:
            if channel in (Channel.EMAIL, Channel.WEB) and person.email is None:
                continue
            if channel in (Channel.PHONE, Channel.SMS) and person.phone is None:
                continue
            usable.append((channel, weight))
        return self.rng.choices([c for c, _ in usable], weights=[w for _, w in usable])[0]

    def _started_at(self, location: Location, channel: str) -> datetime:
        """A moment in the last year, in business hours at the location; busier lately."""
        rng = self.rng
        while True:
            # Volume grows over the year: more conversations in recent months.
            days_ago = int(365 * (1 - math.sqrt(rng.random())))
            local_day = (self.now - timedelta(days=days_ago)).astimezone(
                ZoneInfo(location.timezone)
            )
            weekday = local_day.weekday()
            if weekday == 6 and (channel == Channel.WALK_IN or rng.random() < 0.8):
                continue
            if weekday == 5 and rng.random() < 0.4:
                continue
            hour = rng.choices(range(8, 20), weights=[3, 6, 8, 8, 7, 6, 7, 7, 6, 5, 3, 2])[0]
            if channel in (Channel.EMAIL, Channel.WEB) and rng.random() < 0.15:
                hour = rng.choice([6, 7, 20, 21, 22, 23])  # people write in the evening
            local = local_day.replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
            )
            at = local.astimezone(ZoneInfo("UTC"))
            if at < self.now - timedelta(minutes=5):
                return at

    def _after(self, at: datetime, median_hours: float) -> datetime:
        """A later moment, lognormally distributed around the median, before now."""
        gap = timedelta(hours=self.rng.lognormvariate(math.log(median_hours), 1.0))
        room = self.now - at
        if gap >= room:
            gap = room * self.rng.uniform(0.2, 0.8)
        return at + gap

    def _status_for(self, age: timedelta) -> str:
        days = age.days
        if days > 30:
            choices = [
                (Status.CLOSED, 80),
                (Status.SOLVED, 15),
                (Status.PENDING, 3),
                (Status.OPEN, 2),
            ]
        elif days > 7:
            choices = [
                (Status.SOLVED, 45),
                (Status.CLOSED, 30),
                (Status.PENDING, 13),
                (Status.OPEN, 12),
            ]
        else:
            choices = [
                (Status.NEW, 25),
                (Status.OPEN, 30),
                (Status.PENDING, 20),
                (Status.SOLVED, 25),
            ]
        return self.rng.choices([s for s, _ in choices], weights=[w for _, w in choices])[0]

    def _conversation(self, person: _Person) -> None:
        rng = self.rng
        channel = self._pick_channel(person)
        location = person.customer.location
        assert location is not None  # every demo customer has a home store
        if rng.random() < 0.08:
            location = rng.choice(self.locations)  # a visit to another store
        mailbox = self.mailboxes[location.pk] if channel in (Channel.EMAIL, Channel.WEB) else None
        at = self._started_at(location, channel)
        if person.first_contact is None or at < person.first_contact:
            person.first_contact = at
        topic = rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
        lang = person.language
        subjects, bodies, replies = TOPICS[topic][lang]
        words = GENERIC[lang]
        fill = {
            "first": person.first,
            "order": f"{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}",
            "product": rng.choice(PRODUCTS[lang]),
            "days": rng.randint(3, 14),
            "amount": _money(lang, rng.choice([19, 49, 89, 129, 249, 399, 649])),
        }
        agents = [a for a in self.agents if location.pk in a.demo_location_ids]
        agent = rng.choice([a for a in agents if a.role == Role.AGENT] or agents)
        fill["agent"] = agent.first_name
        status = self._status_for(self.now - at)
        if topic == "praise" and status in (Status.OPEN, Status.PENDING):
            status = Status.SOLVED
        priority = Priority.NORMAL
        if topic == "complaint":
            priority = rng.choices([Priority.HIGH, Priority.URGENT, Priority.NORMAL], [5, 1, 4])[0]
        elif rng.random() < 0.15:
            priority = rng.choice([Priority.LOW, Priority.LOW, Priority.HIGH])
        team = self.teams["Workshop"] if topic == "repair" else self.teams["Customer care"]

        conversation = Conversation(
            subject=rng.choice(subjects).format(**fill),
            status=status,
            priority=priority,
            channel=channel,
            customer=person.customer,
            location=location,
            team=team,
            mailbox=mailbox,
            created_at=at,
        )
        self.conversations.append(conversation)
        logged_by = agent if channel in (Channel.PHONE, Channel.WALK_IN) else None
        identity = self._identity_for(person, channel)
        self._activity(logged_by, "conversation.created", conversation, at, channel=channel)

        # The customer's first message.
        text = rng.choice(bodies).format(**fill)
        if channel == Channel.PHONE:
            text = words["call"] + text
        elif channel == Channel.WALK_IN:
            text = words["walk_in"] + text
        first = self._inbound(conversation, channel, identity, text, at, lang, logged_by)
        thread_key = first.external_id
        last = first

        answered_on: dict[str, str] = {Channel.WEB: Channel.EMAIL, Channel.WALK_IN: Channel.PHONE}
        reply_channel = answered_on.get(channel, channel)
        if reply_channel == Channel.PHONE and person.phone is None:
            reply_channel = Channel.EMAIL

        if mailbox is not None:
            ack_at = at + timedelta(seconds=rng.randint(2, 40))
            if ack_at < self.now:
                self._acknowledge(conversation, person, ack_at, thread_key)

        # Assignment and tags, usually soon after it arrives.
        handled = status != Status.NEW or rng.random() < 0.4
        clock = at
        if handled:
            clock = self._after(clock, 0.5)
            conversation.assignee = agent
            self._activity(
                rng.choice([agent, self.agents[1], self.agents[2]]),
                "conversation.assigned",
                conversation,
                clock,
                before={"assignee": None, "team": None},
                assignee=agent,
                team=team,
            )
            tags = list(TOPIC_TAGS[topic])
            if rng.random() < 0.25:
                tags.append(rng.choice(EXTRA_TAGS))
            tags = sorted(set(tags))
            for name in tags:
                self.tag_links.append((conversation, name))
            self._activity(agent, "conversation.tagged", conversation, clock, before=[], after=tags)
            if priority == Priority.URGENT:
                self._activity(
                    agent,
                    "conversation.updated",
                    conversation,
                    clock,
                    before={"priority": Priority.NORMAL},
                    after={"priority": Priority.URGENT},
                )
        if not handled or status == Status.NEW:
            conversation.status = Status.NEW
            self._finish(conversation, last)
            return

        if rng.random() < 0.18:
            clock = self._after(clock, 2)
            self._note(conversation, agent, rng.choice(NOTES), clock)

        # The answer. Open conversations sometimes still wait for it.
        if status == Status.OPEN and rng.random() < 0.4:
            self._status_change(conversation, agent, Status.NEW, Status.OPEN, clock)
            self._finish(conversation, last)
            return
        median = 3 if priority in (Priority.HIGH, Priority.URGENT) else 8
        clock = self._after(clock, median)
        reply_text = rng.choice(replies).format(**fill)
        reply = self._outbound(conversation, reply_channel, agent, reply_text, clock, thread_key)
        conversation.first_response_at = clock
        last = reply
        bounced = reply_channel == Channel.EMAIL and rng.random() < 0.015
        if bounced:
            reply.delivery = Delivery.UNDELIVERED
            reply.delivery_error = (
                "550 5.1.1 The email account that you tried to reach does not exist"
            )
            clock = self._after(clock, 0.05)
            last = self._robot(
                conversation, MessageKind.BOUNCE, None, _bounce_text(person), clock, thread_key
            )
        elif reply_channel == Channel.EMAIL and person.email and rng.random() < 0.03:
            clock = self._after(clock, 0.02)
            ooo = words["ooo"].format(date=(clock + timedelta(days=7)).date().isoformat())
            last = self._robot(
                conversation, MessageKind.AUTO_REPLY, person.email, ooo, clock, thread_key
            )

        if status == Status.PENDING:
            self._status_change(conversation, agent, Status.OPEN, Status.PENDING, reply.created_at)
            self._finish(conversation, last)
            return
        if status == Status.OPEN or rng.random() < 0.3:
            # The customer writes back, quoting the reply.
            clock = self._after(clock, 20)
            follow = rng.choice(words["followup"])
            last = self._customer_reply(conversation, person, reply, follow, clock, thread_key)
            if status == Status.OPEN:
                self._finish(conversation, last)
                return
            clock = self._after(clock, median)
            last = reply = self._outbound(
                conversation,
                reply_channel,
                agent,
                words["update"].format(**fill),
                clock,
                thread_key,
            )
        if rng.random() < 0.35:
            clock = self._after(clock, 12)
            thanks = rng.choice(words["thanks"])
            last = self._customer_reply(conversation, person, reply, thanks, clock, thread_key)
        clock = self._after(clock, 4)
        conversation.solved_at = clock
        self._status_change(conversation, agent, Status.OPEN, Status.SOLVED, clock)
        if status == Status.CLOSED:
            self._status_change(
                conversation, None, Status.SOLVED, Status.CLOSED, self._after(clock, 24 * 5)
            )
        self._finish(conversation, last)

    def _identity_for(self, person: _Person, channel: str) -> Identity | None:
        if channel in (Channel.EMAIL, Channel.WEB):
            return person.email
        if channel in (Channel.PHONE, Channel.SMS):
            return person.phone
        if channel == Channel.CHAT:
            if person.chat is None:
                visitor = f"visitor-{self.rng.getrandbits(48):012x}"
                person.chat = self._identity(person, IdentityKind.CHAT, visitor)
            return person.chat
        return person.email or person.phone  # walk-in: whatever we know them by

    def _message_id(self, domain: str) -> str:
        return f"{self.rng.getrandbits(64):016x}.{len(self.messages)}@{domain}"

    def _inbound(self, conversation, channel, identity, text, at, lang, logged_by=None) -> Message:
        external_id = ""
        if channel == Channel.EMAIL:
            external_id = self._message_id(identity.value.rsplit("@", 1)[-1])
        message = Message(
            conversation=conversation,
            channel=channel,
            direction=Direction.INBOUND,
            author=logged_by,
            identity=identity,
            text=text,
            full_text=text,
            external_id=external_id,
            thread_key=external_id,
            meta={"language": lang},
            created_at=at,
        )
        self.messages.append(message)
        conversation.last_customer_message_at = at
        conversation.waiting_since = conversation.waiting_since or at
        self._received(conversation, message, logged_by)
        return message

    def _customer_reply(self, conversation, person, quoted, text, at, thread_key) -> Message:
        """The customer answers on the channel the agent used; by email, quoting the reply."""
        lang, channel, logged_by = person.language, quoted.channel, None
        if channel == Channel.PHONE:
            text = GENERIC[lang]["call"] + text
            logged_by = quoted.author
        identity = self._identity_for(person, channel)
        message = self._inbound(conversation, channel, identity, text, at, lang, logged_by)
        if channel == Channel.EMAIL:
            mailbox = conversation.mailbox
            who = mailbox.from_header if mailbox else quoted.author.get_full_name()
            when = quoted.created_at.strftime("%Y-%m-%d %H:%M")
            quote = "\n".join(f"> {line}" if line else ">" for line in quoted.text.splitlines())
            message.full_text = (
                f"{text}\n\n{GENERIC[lang]['quote'].format(date=when, who=who)}\n{quote}\n"
            )
            message.thread_key = thread_key
        return message

    def _robot(self, conversation, kind, identity, text, at, thread_key) -> Message:
        domain = identity.value.rsplit("@", 1)[-1] if identity else "mx.example.net"
        message = Message(
            conversation=conversation,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            kind=kind,
            identity=identity,
            text=text,
            full_text=text,
            external_id=self._message_id(domain),
            thread_key=thread_key,
            created_at=at,
        )
        self.messages.append(message)
        self._received(conversation, message, None)
        return message

    def _received(self, conversation, message, logged_by) -> None:
        self._activity(
            logged_by,
            "message.received",
            conversation,
            message.created_at,
            message=message,
            channel=message.channel,
            kind=message.kind,
        )

    def _outbound(self, conversation, channel, agent, text, at, thread_key) -> Message:
        email = channel == Channel.EMAIL
        message = Message(
            conversation=conversation,
            channel=channel,
            direction=Direction.OUTBOUND,
            author=agent,
            text=text,
            full_text=text,
            external_id=self._message_id(SHOP_DOMAIN) if email else "",
            thread_key=thread_key if email else "",
            delivery=Delivery.SENT if email else Delivery.NOT_APPLICABLE,
            created_at=at,
        )
        self.messages.append(message)
        self._activity(agent, "conversation.replied", conversation, at, message=message)
        conversation.waiting_since = None
        return message

    def _acknowledge(self, conversation, person, at, thread_key) -> None:
        text = ACKNOWLEDGEMENT.format(name=f" {person.first}", token="[#{pk}]")
        message = Message(
            conversation=conversation,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            kind=MessageKind.AUTO_REPLY,
            text=text,
            full_text=text,
            external_id=self._message_id(SHOP_DOMAIN),
            thread_key=thread_key,
            delivery=Delivery.SENT,
            meta={"automatic": "acknowledgement"},
            created_at=at,
        )
        self.messages.append(message)
        self._activity(None, "conversation.acknowledged", conversation, at, message=message)

    def _note(self, conversation, agent, text, at) -> None:
        message = Message(
            conversation=conversation,
            channel=conversation.channel,
            direction=Direction.NOTE,
            author=agent,
            text=text,
            full_text=text,
            created_at=at,
        )
        self.messages.append(message)
        self._activity(agent, "conversation.noted", conversation, at, message=message)

    def _status_change(self, conversation, actor, before, after, at) -> None:
        self._activity(
            actor,
            "conversation.updated",
            conversation,
            at,
            before={"status": before},
            after={"status": after},
        )

    def _finish(self, conversation, last: Message) -> None:
        if conversation.status not in OPEN_STATUSES:
            conversation.waiting_since = None  # answered, pending on the customer, or solved
        conversation.last_message_at = last.created_at
        conversation.updated_at = max(last.created_at, conversation.solved_at or last.created_at)

    def _activity(self, actor, verb, subject, at, message=None, **data) -> None:
        """An activity row as the action would have written it; ids are filled in on save."""
        row = Activity(actor=actor, verb=verb, subject_type=subject._meta.model_name, data=data)
        row.created_at = at
        self.activities.append((row, subject, message))

    # saving

    def _save(self, people: list[_Person]) -> DemoSummary:
        rng = self.rng
        for person in people:
            first = person.first_contact or self.now - timedelta(days=rng.randint(1, 365))
            person.customer.created_at = first - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
            person.customer.updated_at = person.customer.created_at
            self._activity(
                None,
                "customer.created",
                person.customer,
                person.customer.created_at,
                name=person.customer.name,
            )
        Customer.objects.bulk_create([p.customer for p in people], batch_size=500)
        for identity in self.identities:
            identity.customer_id = identity.customer.pk
            identity.created_at = identity.customer.created_at
        Identity.objects.bulk_create(self.identities, batch_size=500)
        for conversation in self.conversations:
            conversation.customer_id = conversation.customer.pk
        Conversation.objects.bulk_create(self.conversations, batch_size=500)

        for message in self.messages:
            # Through the descriptor: the id is set and the conversation stays at hand.
            message.conversation = message.conversation
            if message.identity is not None:
                message.identity_id = message.identity.pk
            if "[#{pk}]" in message.text:
                message.text = message.full_text = message.text.replace(
                    "[#{pk}]", message.conversation.token
                )
        Message.objects.bulk_create(self.messages, batch_size=500)
        waits = self._waits()
        Wait.objects.bulk_create(waits, batch_size=500)

        names = sorted({name for _, name in self.tag_links})
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in names}
        Through = Conversation.tags.through
        Through.objects.bulk_create(
            [Through(conversation_id=c.pk, tag_id=tags[name].pk) for c, name in self.tag_links],
            batch_size=500,
            ignore_conflicts=True,
        )

        rows = []
        for row, subject, cited in self.activities:
            row.subject_id = subject.pk
            if cited is not None:
                row.data["message_id"] = cited.pk
            for key in ("assignee", "team"):
                if key in row.data and hasattr(row.data[key], "pk"):
                    row.data[key] = row.data[key].pk
            rows.append(row)
        rows.sort(key=lambda r: r.created_at)
        Activity.objects.bulk_create(rows, batch_size=500)

        counts = {
            "locations": len(self.locations),
            "teams": len(self.teams),
            "agents": len(self.agents),
            "mailboxes": len(self.mailboxes),
            "customers": len(people),
            "identities": len(self.identities),
            "conversations": len(self.conversations),
            "messages": len(self.messages),
            "waits": len(waits),
            "activities": len(rows),
        }
        agents = [
            (
                a.username,
                a.role,
                ", ".join(
                    sorted(loc.name for loc in self.locations if loc.pk in a.demo_location_ids)
                ),
            )
            for a in self.agents
        ]
        return DemoSummary(seed=0, counts=counts, agents=agents)

    def _waits(self) -> list[Wait]:
        """Each customer message's wait, as receive and the responses would have stored it:
        answered by the next human response (an acknowledgement is none), or on the spot
        when the agent logging a call or a visit noted how long the customer waited."""
        clock = BusinessClock(self.locations)
        waits: list[Wait] = []
        waiting: dict[int, list[Wait]] = {}
        for message in self.messages:  # each conversation's in the order they happened
            if makes_customer_wait(message):
                wait = new_wait(message, clock, self._helped_after(message))
                waits.append(wait)
                if wait.answered_at is None:
                    waiting.setdefault(message.conversation_id, []).append(wait)
            elif message.direction == Direction.OUTBOUND and message.kind == MessageKind.NORMAL:
                for wait in waiting.pop(message.conversation_id, []):
                    answer(wait, message, clock)
        return waits

    def _helped_after(self, message: Message) -> int | None:
        """Most agents logging a call or a visit say how long the customer waited: a few
        minutes on hold, longer in the queue at the counter."""
        if message.author_id is None or self.rng.random() < 0.2:
            return None
        median_minutes = 6 if message.channel == Channel.WALK_IN else 2
        return round(60 * self.rng.lognormvariate(math.log(median_minutes), 0.8))


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def _money(lang: str, amount: int) -> str:
    return f"£{amount}" if lang == "en" else f"{amount} €"


def _bounce_text(person: _Person) -> str:
    address = person.email.value if person.email else "unknown"
    return (
        "This is the mail system at host mx.example.net.\n\n"
        "I'm sorry to have to inform you that your message could not be delivered to one or "
        f"more recipients.\n\n<{address}>: host mx.example.net said: 550 5.1.1 "
        "The email account that you tried to reach does not exist\n"
    )
