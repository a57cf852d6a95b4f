"""What Fixwell's customers and staff write: subjects, messages, replies, notes, in four
languages. Plain data: the history module picks from it with the seeded random."""

from helpline.conversations.models import Channel

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

GENERIC = {
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


def money(lang: str, amount: int) -> str:
    return f"£{amount}" if lang == "en" else f"{amount} €"


def bounce_text(address: str) -> str:
    return (
        "This is the mail system at host mx.example.net.\n\n"
        "I'm sorry to have to inform you that your message could not be delivered to one or "
        f"more recipients.\n\n<{address}>: host mx.example.net said: 550 5.1.1 "
        "The email account that you tried to reach does not exist\n"
    )
