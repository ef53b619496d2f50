"""Croatian and Italian for the pages and mails that survey respondents see.

`python locale/respondent_translations.py` fills these into the .po files after `makemessages`;
`compilemessages` then builds the .mo files that are committed with them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TRANSLATIONS: dict[str, tuple[str, str]] = {
    "Dear %(name)s,": ("Poštovani/a %(name)s,", "Gentile %(name)s,"),
    "Leave this empty": ("Ostavite ovo prazno", "Lasciare vuoto"),
    "Meetings": ("Sastanci", "Riunioni"),
    "Other": ("Drugo", "Altro"),
    "The link is personal: please do not forward it.": (
        "Poveznica je osobna: molimo ne prosljeđujte je.",
        "Il link è personale: non inoltrarlo.",
    ),
    "Language": ("Jezik", "Lingua"),
    "Accessibility statement": ("Izjava o pristupačnosti", "Dichiarazione di accessibilità"),
    "Home": ("Početna", "Home"),
    "Log in": ("Prijava", "Accedi"),
    "Privacy notice": ("Obavijest o privatnosti", "Informativa sulla privacy"),
    "My profile": ("Moj profil", "Il mio profilo"),
    "1 – strongly disagree": ("1 – uopće se ne slažem", "1 – per niente d'accordo"),
    "5 – strongly agree": ("5 – potpuno se slažem", "5 – del tutto d'accordo"),
    "Yes": ("Da", "Sì"),
    "No": ("Ne", "No"),
    "If other, please say what": ("Ako drugo, navedite što", "Se altro, specificare"),
    "This survey is closed.": ("Ovaj je upitnik zatvoren.", "Questo questionario è chiuso."),
    "You have already answered this survey. Thank you!": (
        "Već ste odgovorili na ovaj upitnik. Hvala!",
        "Ha già risposto a questo questionario. Grazie!",
    ),
    "This question needs an answer.": ("Na ovo pitanje treba odgovoriti.", "Questa domanda richiede una risposta."),
    "Please keep this answer under %(limit)d characters (it has %(count)d).": (
        "Odgovor neka bude kraći od %(limit)d znakova (sada ih ima %(count)d).",
        "La risposta deve restare sotto i %(limit)d caratteri (ora ne ha %(count)d).",
    ),
    "Enter a number.": ("Upišite broj.", "Inserire un numero."),
    "Enter a number of at least %(min)s.": (
        "Upišite broj koji nije manji od %(min)s.",
        "Inserire un numero non inferiore a %(min)s.",
    ),
    "Enter a number of at most %(max)s.": (
        "Upišite broj koji nije veći od %(max)s.",
        "Inserire un numero non superiore a %(max)s.",
    ),
    "Answer yes or no.": ("Odgovorite s da ili ne.", "Rispondere sì o no."),
    "Choose a point on the scale.": ("Odaberite točku na ljestvici.", "Scegliere un punto della scala."),
    "Please say what “other” is.": ("Navedite što je „drugo”.", "Specificare che cosa è “altro”."),
    "Choose one of the options.": ("Odaberite jednu od mogućnosti.", "Scegliere una delle opzioni."),
    "Choose among the options.": ("Odaberite među ponuđenim mogućnostima.", "Scegliere tra le opzioni."),
    "Please rate every row.": ("Ocijenite svaki redak.", "Valutare ogni riga."),
    "Give each option a different rank.": (
        "Svakoj mogućnosti dodijelite drugačije mjesto.",
        "Dare a ogni opzione una posizione diversa.",
    ),
    "This response has already been submitted.": (
        "Ovaj je odgovor već poslan.",
        "Questa risposta è già stata inviata.",
    ),
    "Some required questions are not answered yet: %(questions)s": (
        "Neka obavezna pitanja još nisu odgovorena: %(questions)s",
        "Alcune domande obbligatorie non hanno ancora risposta: %(questions)s",
    ),
    "Answer only if your answer to the question above is “%(value)s”.": (
        "Odgovorite samo ako je vaš odgovor na gornje pitanje „%(value)s”.",
        "Rispondere solo se la risposta alla domanda precedente è “%(value)s”.",
    ),
    "Rate each row from 1 (lowest) to 5 (highest).": (
        "Ocijenite svaki redak od 1 (najniže) do 5 (najviše).",
        "Valutare ogni riga da 1 (minimo) a 5 (massimo).",
    ),
    "Give each option a different rank, 1 being the most important.": (
        "Svakoj mogućnosti dodijelite drugo mjesto; 1 je najvažnije.",
        "Dare a ogni opzione una posizione diversa; 1 è la più importante.",
    ),
    "%(owner)s invites you to answer a short survey on the security needs of your municipality or region in public spaces.": (
        "%(owner)s poziva vas da odgovorite na kratki upitnik o sigurnosnim potrebama vaše općine ili regije u javnim prostorima.",
        "%(owner)s la invita a rispondere a un breve questionario sui bisogni di sicurezza del suo comune o della sua regione negli spazi pubblici.",
    ),
    "Your personal link (no account or password needed; you can stop and continue later):": (
        "Vaša osobna poveznica (nisu potrebni račun ni lozinka; možete stati i nastaviti kasnije):",
        "Il suo link personale (non servono account né password; può interrompere e riprendere più tardi):",
    ),
    "The survey is open until %(date)s.": (
        "Upitnik je otvoren do %(date)s.",
        "Il questionario è aperto fino al %(date)s.",
    ),
    "To receive no more e-mails about this survey:": (
        "Da ne biste više primali e-poruke o ovom upitniku:",
        "Per non ricevere più e-mail su questo questionario:",
    ),
    "Survey: %(survey_title)s": ("Upitnik: %(survey_title)s", "Questionario: %(survey_title)s"),
    "We have not yet received your answers to “%(survey_title)s”. Your answers help us understand local security needs.": (
        "Još nismo primili vaše odgovore na upitnik „%(survey_title)s”. Vaši odgovori pomažu nam razumjeti lokalne sigurnosne potrebe.",
        "Non abbiamo ancora ricevuto le sue risposte a “%(survey_title)s”. Le sue risposte ci aiutano a capire i bisogni di sicurezza locali.",
    ),
    "Your personal link (your earlier answers are kept):": (
        "Vaša osobna poveznica (vaši dosadašnji odgovori su sačuvani):",
        "Il suo link personale (le risposte già date sono conservate):",
    ),
    "Reminder: %(survey_title)s": ("Podsjetnik: %(survey_title)s", "Promemoria: %(survey_title)s"),
    "Start the survey": ("Započni upitnik", "Inizia il questionario"),
    "No more e-mails": ("Bez daljnjih e-poruka", "Nessun'altra e-mail"),
    "Stop e-mails about this survey": (
        "Prestanak e-poruka o ovom upitniku",
        "Interrompere le e-mail su questo questionario",
    ),
    "You will receive no more invitations or reminders for this survey.": (
        "Više nećete primati pozive ni podsjetnike za ovaj upitnik.",
        "Non riceverà più inviti né promemoria per questo questionario.",
    ),
    "Stop the e-mails": ("Zaustavi e-poruke", "Interrompi le e-mail"),
    "Review your answers": ("Provjerite svoje odgovore", "Controlli le sue risposte"),
    "Some required questions are not answered yet:": (
        "Neka obavezna pitanja još nisu odgovorena:",
        "Alcune domande obbligatorie non hanno ancora risposta:",
    ),
    "No answers on this page.": ("Na ovoj stranici nema odgovora.", "Nessuna risposta in questa pagina."),
    "Change the answers on this page": (
        "Promijenite odgovore na ovoj stranici",
        "Modificare le risposte di questa pagina",
    ),
    "Submit my answers": ("Pošalji moje odgovore", "Invia le mie risposte"),
    "You can submit only once.": ("Odgovore možete poslati samo jednom.", "Può inviare una sola volta."),
    "Page %(number)s of %(count)s": ("Stranica %(number)s od %(count)s", "Pagina %(number)s di %(count)s"),
    "Questions marked * need an answer.": (
        "Pitanja označena sa * su obavezna.",
        "Le domande segnate con * sono obbligatorie.",
    ),
    "Some answers need your attention; they are marked below. Nothing you typed is lost.": (
        "Neki odgovori traže vašu pozornost; označeni su u nastavku. Ništa od upisanog nije izgubljeno.",
        "Alcune risposte richiedono attenzione; sono segnalate qui sotto. Nulla di quanto scritto è andato perso.",
    ),
    "Previous page": ("Prethodna stranica", "Pagina precedente"),
    "Save and continue": ("Spremi i nastavi", "Salva e continua"),
    "Save and review": ("Spremi i pregledaj", "Salva e controlla"),
    "Save and finish later": ("Spremi i dovrši kasnije", "Salva e termina più tardi"),
    "This survey is anonymous: when you submit, your answers are separated from your invitation.": (
        "Ovaj je upitnik anoniman: kad pošaljete odgovore, oni se odvajaju od vašeg poziva.",
        "Questo questionario è anonimo: all'invio, le risposte vengono separate dal suo invito.",
    ),
    "Your answers are confidential: results are shown only as totals.": (
        "Vaši su odgovori povjerljivi: rezultati se prikazuju samo zbirno.",
        "Le sue risposte sono riservate: i risultati sono mostrati solo in forma aggregata.",
    ),
    "Your answers will be seen by the survey owner together with your name.": (
        "Vlasnik upitnika vidjet će vaše odgovore zajedno s vašim imenom.",
        "Il titolare del questionario vedrà le risposte insieme al suo nome.",
    ),
    "Welcome back: your earlier answers are saved and you continue where you stopped.": (
        "Dobro došli natrag: vaši su odgovori sačuvani i nastavljate gdje ste stali.",
        "Bentornato: le risposte date sono salvate e riprende da dove si era fermato.",
    ),
    "Continue": ("Nastavi", "Continua"),
    "Start": ("Započni", "Inizia"),
    "Thank you": ("Hvala", "Grazie"),
    "Thank you for your answers": ("Hvala na vašim odgovorima", "Grazie per le sue risposte"),
    "Your answers to “%(title)s” are recorded.": (
        "Vaši odgovori na „%(title)s” su zabilježeni.",
        "Le sue risposte a “%(title)s” sono registrate.",
    ),
    "This survey is anonymous: this is the only time you can see or download your answers.": (
        "Ovaj je upitnik anoniman: samo sada možete vidjeti ili preuzeti svoje odgovore.",
        "Questo questionario è anonimo: è l'unico momento in cui può vedere o scaricare le sue risposte.",
    ),
    "A copy of your answers": ("Preslika vaših odgovora", "Una copia delle sue risposte"),
    "Download my answers": ("Preuzmi moje odgovore", "Scarica le mie risposte"),
    "Too many responses": ("Previše odgovora", "Troppe risposte"),
    "Too many responses from your address; please try again later.": (
        "Previše odgovora s vaše adrese; pokušajte ponovno kasnije.",
        "Troppe risposte dal suo indirizzo; riprovi più tardi.",
    ),
    "You will get no more e-mails about this survey": (
        "Više nećete primati e-poruke o ovom upitniku",
        "Non riceverà più e-mail su questo questionario",
    ),
    "Thank you for letting us know.": ("Hvala što ste nam javili.", "Grazie per avercelo comunicato."),
    "This survey is closed": ("Ovaj je upitnik zatvoren", "Questo questionario è chiuso"),
    "Thank you for your interest. Answers can no longer be given.": (
        "Hvala na zanimanju. Odgovori se više ne mogu davati.",
        "Grazie per l'interesse. Non è più possibile rispondere.",
    ),
    "Your answers are saved": ("Vaši su odgovori spremljeni", "Le sue risposte sono salvate"),
    "Open the link in your e-mail again to continue where you stopped.": (
        "Ponovno otvorite poveznicu iz e-poruke kako biste nastavili gdje ste stali.",
        "Riapra il link nella sua e-mail per riprendere da dove si era fermato.",
    ),
    "Skip to main content": ("Prijeđi na glavni sadržaj", "Vai al contenuto principale"),
    "Main navigation": ("Glavna navigacija", "Navigazione principale"),
    "Toggle navigation": ("Prikaži ili sakrij navigaciju", "Mostra o nascondi la navigazione"),
    "Change": ("Promijeni", "Cambia"),
    "Log out": ("Odjava", "Esci"),
    "Urban Agenda for the EU": ("Urbana agenda za EU", "Agenda urbana per l'UE"),
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fill(path: Path, index: int) -> int:
    """Set the msgstr of every msgid in TRANSLATIONS (column `index`) in a .po file; returns how many."""
    text = path.read_text(encoding="utf-8")
    filled = 0
    blocks = text.split("\n\n")
    for number, block in enumerate(blocks):
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if not match or "msgid_plural" in block:
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1))).replace('\\"', '"').replace("\\\\", "\\")
        if msgid in TRANSLATIONS:
            head = block[: match.start(2)]
            blocks[number] = head + _quote(TRANSLATIONS[msgid][index])
            blocks[number] = blocks[number].replace("#, fuzzy\n", "")
            filled += 1
    # The header is marked fuzzy by makemessages; msgfmt would drop it, and with it the plural forms.
    blocks[0] = blocks[0].replace("#, fuzzy\n", "").replace('"Language: \\n"', f'"Language: {path.parts[-3]}\\n"')
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


if __name__ == "__main__":
    root = Path(__file__).resolve().parent
    for language, index in (("hr", 0), ("it", 1)):
        count = fill(root / language / "LC_MESSAGES" / "django.po", index)
        sys.stdout.write(f"{language}: {count} strings\n")
