"""Croatian and Italian for the survey pages and mails: respondents', owners' and the site frame around them.

After `makemessages`, `python locale/respondent_translations.py` fills these into the .po files; `compilemessages`
then builds the .mo files that are committed with them. `python locale/respondent_translations.py --missing
surveys/` lists the entries from those sources that are still empty or fuzzy, and fails if there are any.

To add a string, put its msgid in the dictionary of the pages it belongs to, as (Croatian, Italian); a string with
a plural goes in PLURALS with Croatian's three forms (1, 21 · 2–4 · 5–20) and Italian's two (1 · other).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# The pages and mails that survey respondents see, and the site frame around them.
RESPONDENT: dict[str, tuple[str, str]] = {
    "Dear %(name)s,": ("Poštovani/a %(name)s,", "Gentile %(name)s,"),
    "Leave this empty": ("Ostavite ovo prazno", "Lasciare vuoto"),
    "Meetings": ("Sastanci", "Riunioni"),
    "Other": ("Drugo", "Altro"),
    "The link is personal: please do not forward it.": (
        "Poveznica je osobna: molimo vas da je ne prosljeđujete.",
        "Il link è personale: la preghiamo di non inoltrarlo.",
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
    # The Croatian date ("29. studenoga 2026.", see "j F Y" below) ends the sentence with its own full stop.
    "The survey is open until %(date)s.": (
        "Upitnik je otvoren do %(date)s",
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

# The survey owner's pages (the ministries' staff), the mails' date format and the site frame around them.
OWNER: dict[str, tuple[str, str]] = {
    # Site frame and words shared with the other apps
    "Surveys": ("Upitnici", "Questionari"),
    "Coordination": ("Koordinacija", "Coordinamento"),
    "Pages": ("Stranice", "Pagine"),
    "Previous": ("Prethodna", "Precedente"),
    "Next": ("Sljedeća", "Successiva"),
    "Page %(number)s of %(total)s": ("Stranica %(number)s od %(total)s", "Pagina %(number)s di %(total)s"),
    "Actions": ("Aktivnosti", "Azioni"),
    "All": ("Sve", "Tutti"),
    "State": ("Stanje", "Stato"),
    "Country": ("Država", "Paese"),
    "Back": ("Natrag", "Indietro"),
    "Manage": ("Upravljanje", "Gestisci"),
    "manage": ("upravljanje", "gestione"),
    "Filter": ("Filtriraj", "Filtra"),
    "Organisation": ("Organizacija", "Organizzazione"),
    "Kind": ("Vrsta", "Tipo"),
    "Name": ("Ime", "Nome"),
    "E-mail": ("E-pošta", "E-mail"),
    "Row %(line)s": ("Redak %(line)s", "Riga %(line)s"),
    "Draft": ("Nacrt", "Bozza"),
    "Ranking": ("Rangiranje", "Classifica"),
    "Pending": ("Na čekanju", "In attesa"),
    "Sent": ("Poslano", "Inviato"),
    "City": ("Grad", "Città"),
    "title": ("naslov", "titolo"),
    "description": ("opis", "descrizione"),
    "priority area": ("prioritetno područje", "area prioritaria"),
    "state": ("stanje", "stato"),
    "name": ("ime", "nome"),
    "e-mail": ("e-pošta", "e-mail"),
    "organisation": ("organizacija", "organizzazione"),
    "kind": ("vrsta", "tipo"),
    "country": ("država", "paese"),
    "order": ("redoslijed", "ordine"),
    "%(count)d invitations are on their way.": (
        "Broj poslanih poziva: %(count)d.",
        "Inviti in partenza: %(count)d.",
    ),
    # The mails' dates: "29. studenoga 2026." in Croatian, with the month in the genitive; "29/11/2026" in Italian,
    # where Django would capitalise the month ("29 Novembre").
    "j F Y": ("j. E Y.", "d/m/Y"),
    # List of surveys
    "Surveys you run": ("Upitnici koje vodite", "Questionari che gestisce"),
    "Survey": ("Upitnik", "Questionario"),
    "Owner": ("Vlasnik", "Titolare"),
    "Links": ("Poveznice", "Link"),
    "Published results": ("Objavljeni rezultati", "Risultati pubblicati"),
    "No survey is shared with you yet.": (
        "S vama još nije podijeljen nijedan upitnik.",
        "Nessun questionario è ancora condiviso con lei.",
    ),
    # Managing a survey
    "questions locked: answers exist": (
        "pitanja su zaključana: postoje odgovori",
        "domande bloccate: ci sono risposte",
    ),
    "Preview as a respondent": ("Pregled kao ispitanik", "Anteprima come rispondente"),
    "Results": ("Rezultati", "Risultati"),
    "Compare countries": ("Usporedba država", "Confronto tra paesi"),
    "Export responses (CSV)": ("Izvoz odgovora (CSV)", "Esporta le risposte (CSV)"),
    "Codebook": ("Šifrarnik", "Dizionario delle variabili"),
    "Funnel": ("Tijek odaziva", "Andamento delle adesioni"),
    "Invited": ("Pozvani", "Invitati"),
    "Opened": ("Otvoreno", "Aperto"),
    "Started": ("Započeto", "Iniziato"),
    "Submitted": ("Ispunjeno", "Completato"),
    "Bounced": ("Neisporučeno", "Non recapitato"),
    "Opted out": ("Odjavljeno", "Disiscritto"),
    "Expired": ("Isteklo", "Scaduto"),
    "Respondents and invitations": ("Ispitanici i pozivi", "Rispondenti e inviti"),
    "Upload a respondent list": ("Učitaj popis ispitanika", "Carica un elenco di rispondenti"),
    "Add one respondent": ("Dodaj jednog ispitanika", "Aggiungi un rispondente"),
    "Open the survey first.": ("Najprije otvorite upitnik.", "Aprire prima il questionario."),
    "Show": ("Prikaži", "Mostra"),
    "Respondent": ("Ispitanik", "Rispondente"),
    "Region": ("Regija", "Regione"),
    "Reminders": ("Podsjetnici", "Promemoria"),
    "Resend": ("Pošalji ponovno", "Invia di nuovo"),
    "Mark bounced": ("Označi kao neisporučeno", "Segna come non recapitato"),
    "No invitations yet.": ("Još nema poziva.", "Ancora nessun invito."),
    "Only the survey's owner and the coordinators can do this.": (
        "To mogu učiniti samo vlasnik upitnika i koordinatori.",
        "Solo il titolare del questionario e i coordinatori possono farlo.",
    ),
    "The survey is now “%(state)s”.": (
        "Upitnik je sada u stanju „%(state)s”.",
        "Il questionario è ora nello stato “%(state)s”.",
    ),
    "The invitation is sent again.": ("Poziv je ponovno poslan.", "L'invito è stato inviato di nuovo."),
    "Marked as bounced: no more reminders go to this address.": (
        "Označeno kao neisporučeno: na ovu se adresu više ne šalju podsjetnici.",
        "Segnato come non recapitato: a questo indirizzo non saranno più inviati promemoria.",
    ),
    "A survey cannot go from “%(from)s” to “%(to)s”.": (
        "Upitnik ne može prijeći iz stanja „%(from)s” u stanje „%(to)s”.",
        "Un questionario non può passare da “%(from)s” a “%(to)s”.",
    ),
    "Add at least one question before opening the survey.": (
        "Prije otvaranja upitnika dodajte barem jedno pitanje.",
        "Aggiungere almeno una domanda prima di aprire il questionario.",
    ),
    "Open the survey before sending invitations.": (
        "Otvorite upitnik prije slanja poziva.",
        "Aprire il questionario prima di inviare gli inviti.",
    ),
    "The survey is not open.": ("Upitnik nije otvoren.", "Il questionario non è aperto."),
    "This respondent has already answered or opted out.": (
        "Ovaj je ispitanik već odgovorio ili se odjavio.",
        "Questo rispondente ha già risposto o si è disiscritto.",
    ),
    # Survey states, anonymity and question kinds
    "Open": ("Otvoren", "Aperto"),
    "Closed": ("Zatvoren", "Chiuso"),
    "Open the survey": ("Otvori upitnik", "Apri il questionario"),
    "Reopen the survey": ("Ponovno otvori upitnik", "Riapri il questionario"),
    "Close the survey": ("Zatvori upitnik", "Chiudi il questionario"),
    "Publish the results": ("Objavi rezultate", "Pubblica i risultati"),
    "Results published": ("Rezultati objavljeni", "Risultati pubblicati"),
    "Anonymous: answers are cut from the invitation at submission": (
        "Anoniman: odgovori se pri slanju odvajaju od poziva",
        "Anonimo: all'invio le risposte vengono separate dall'invito",
    ),
    "Confidential: linked, but results show only aggregates": (
        "Povjerljiv: odgovori ostaju povezani s pozivom, ali rezultati se prikazuju samo zbirno",
        "Riservato: le risposte restano collegate all'invito, ma i risultati sono solo aggregati",
    ),
    "Named: answers visible to the owner with the respondent": (
        "Imenovan: vlasnik vidi odgovore zajedno s imenom ispitanika",
        "Nominativo: il titolare vede le risposte insieme al nome del rispondente",
    ),
    "Short text": ("Kratki tekst", "Testo breve"),
    "Long text": ("Dugi tekst", "Testo lungo"),
    "Single choice": ("Jedan odgovor", "Scelta singola"),
    "Multiple choice": ("Više odgovora", "Scelta multipla"),
    "Likert scale (1–5)": ("Likertova ljestvica (1–5)", "Scala Likert (1–5)"),
    "Matrix (rows rated 1–5)": ("Matrica (retci se ocjenjuju od 1 do 5)", "Matrice (righe valutate da 1 a 5)"),
    "Number": ("Broj", "Numero"),
    "Yes / no": ("Da / ne", "Sì / no"),
    "2": ("2", "2"),
    "3": ("3", "3"),
    "4": ("4", "4"),
    # Adding and uploading respondents
    "Add a respondent": ("Dodavanje ispitanika", "Aggiungi un rispondente"),
    "Add": ("Dodaj", "Aggiungi"),
    "The respondent is added.": ("Ispitanik je dodan.", "Il rispondente è stato aggiunto."),
    "Municipality or region": ("Općina ili regija", "Comune o regione"),
    "Municipality": ("Općina", "Comune"),
    "Region or county": ("Regija ili županija", "Regione o provincia"),
    "This e-mail is already on the survey's list.": (
        "Ova je adresa e-pošte već na popisu ispitanika.",
        "Questo indirizzo e-mail è già nell'elenco del questionario.",
    ),
    "Upload respondents": ("Učitavanje ispitanika", "Caricamento dei rispondenti"),
    "A CSV (UTF-8) or XLSX file with the columns name, email, organisation, region, kind (municipality, city, region, other) and language (en, hr, it …). You see a preview first; nothing is saved until you confirm. Rows with the same e-mail are merged; people already on the list are updated.": (
        "Datoteka CSV (UTF-8) ili XLSX sa stupcima name, email, organisation, region, kind (municipality, city, "
        "region, other) i language (en, hr, it …). Najprije ćete vidjeti pregled; ništa se ne sprema dok ne "
        "potvrdite. Retci s istom adresom e-pošte spajaju se, a osobe koje su već na popisu ažuriraju se.",
        "Un file CSV (UTF-8) o XLSX con le colonne name, email, organisation, region, kind (municipality, city, "
        "region, other) e language (en, hr, it …). Prima vedrà un'anteprima; nulla viene salvato finché non "
        "conferma. Le righe con lo stesso indirizzo e-mail vengono unite e le persone già in elenco aggiornate.",
    ),
    "Respondent list (CSV or XLSX)": ("Popis ispitanika (CSV ili XLSX)", "Elenco dei rispondenti (CSV o XLSX)"),
    "Columns: name, email, organisation, region, kind, language.": (
        "Stupci: name, email, organisation, region, kind, language.",
        "Colonne: name, email, organisation, region, kind, language.",
    ),
    "Check the file": ("Provjeri datoteku", "Controlla il file"),
    "Preview": ("Pregled", "Anteprima"),
    "Nothing was imported. Correct these rows and upload the file again:": (
        "Ništa nije uvezeno. Ispravite ove retke i ponovno učitajte datoteku:",
        "Non è stato importato nulla. Correggere queste righe e caricare di nuovo il file:",
    ),
    "%(n)s already on the list will be updated": (
        "već na popisu, bit će ažurirano: %(n)s",
        "già in elenco, da aggiornare: %(n)s",
    ),
    "Merged duplicates:": ("Spojeni duplikati:", "Duplicati uniti:"),
    "row %(line)s into row %(first)s": ("redak %(line)s u redak %(first)s", "riga %(line)s nella riga %(first)s"),
    "Confirm the import": ("Potvrdi uvoz", "Conferma l'importazione"),
    "The preview has expired; upload the file again.": (
        "Pregled je istekao; ponovno učitajte datoteku.",
        "L'anteprima è scaduta; caricare di nuovo il file.",
    ),
    "%(created)d respondents added, %(updated)d updated.": (
        "Dodano ispitanika: %(created)d; ažurirano: %(updated)d.",
        "Rispondenti aggiunti: %(created)d; aggiornati: %(updated)d.",
    ),
    "The file is empty.": ("Datoteka je prazna.", "Il file è vuoto."),
    "The file is not in UTF-8. Save it from your spreadsheet as “CSV UTF-8” and try again.": (
        "Datoteka nije u kodiranju UTF-8. Spremite je iz proračunske tablice kao „CSV UTF-8” i pokušajte ponovno.",
        "Il file non è in UTF-8. Salvarlo dal foglio di calcolo come “CSV UTF-8” e riprovare.",
    ),
    "The file could not be read as %(kind)s.": (
        "Datoteku nije bilo moguće pročitati kao %(kind)s.",
        "Impossibile leggere il file come %(kind)s.",
    ),
    "Upload a .csv or .xlsx file.": ("Učitajte datoteku .csv ili .xlsx.", "Caricare un file .csv o .xlsx."),
    "Missing columns: %(columns)s. Expected: %(expected)s.": (
        "Nedostaju stupci: %(columns)s. Očekuju se: %(expected)s.",
        "Colonne mancanti: %(columns)s. Previste: %(expected)s.",
    ),
    "The file has more than %(max)d rows.": (
        "Datoteka ima više od %(max)d redaka.",
        "Il file ha più di %(max)d righe.",
    ),
    "The file has no rows under the header.": (
        "Datoteka nema redaka ispod zaglavlja.",
        "Il file non ha righe sotto l'intestazione.",
    ),
    "the name is missing": ("nedostaje ime", "manca il nome"),
    "a text is longer than 200 characters": ("tekst je dulji od 200 znakova", "un testo supera i 200 caratteri"),
    "“%(email)s” is not a valid e-mail address": (
        "„%(email)s” nije valjana adresa e-pošte",
        "“%(email)s” non è un indirizzo e-mail valido",
    ),
    "unknown language “%(language)s”: this survey is in %(languages)s": (
        "nepoznat jezik „%(language)s”: upitnik je na jezicima %(languages)s",
        "lingua sconosciuta “%(language)s”: il questionario è in %(languages)s",
    ),
    "unknown kind “%(kind)s” (use %(kinds)s)": (
        "nepoznata vrsta „%(kind)s” (upotrijebite %(kinds)s)",
        "tipo sconosciuto “%(kind)s” (usare %(kinds)s)",
    ),
    # Preview
    "Preview: this is what respondents see. Nothing is saved.": (
        "Pregled: ovo vide ispitanici. Ništa se ne sprema.",
        "Anteprima: ecco che cosa vedono i rispondenti. Nulla viene salvato.",
    ),
    # Results and comparison
    "%(invited)s invited": ("pozvano: %(invited)s", "%(invited)s invitati"),
    "response rate": ("stopa odaziva", "tasso di risposta"),
    "Respondent type": ("Vrsta ispitanika", "Tipo di rispondente"),
    "Hidden: fewer than %(min_group)s responses in this selection.": (
        "Skriveno: u ovom odabiru ima manje od %(min_group)s odgovora.",
        "Nascosto: meno di %(min_group)s risposte in questa selezione.",
    ),
    "Answer": ("Odgovor", "Risposta"),
    "Responses": ("Broj odgovora", "N. risposte"),
    "Points": ("Bodovi", "Punti"),
    "Average score": ("Prosječni bodovi", "Punteggio medio"),
    "Row": ("Redak", "Riga"),
    "Mean": ("Prosjek", "Media"),
    "mean": ("prosjek", "media"),
    "No answers.": ("Nema odgovora.", "Nessuna risposta."),
    "The same questions across countries": ("Ista pitanja u različitim državama", "Le stesse domande nei vari paesi"),
    "Not asked.": ("Pitanje nije postavljeno.", "Domanda non posta."),
    "Hidden: too few responses.": ("Skriveno: premalo odgovora.", "Nascosto: troppo poche risposte."),
    "Nothing to compare yet.": ("Još nema ničega za usporedbu.", "Ancora nulla da confrontare."),
    # Exports of the responses
    "Export responses (CSV, XLSX)": ("Izvoz odgovora (CSV, XLSX)", "Esporta le risposte (CSV, XLSX)"),
    "Response exports": ("Izvoz odgovora", "Esportazioni delle risposte"),
    "One row per response; the codebook explains the columns Q1, Q2 … (the XLSX file carries it as a second sheet).": (
        "Jedan redak po odgovoru; šifrarnik objašnjava stupce Q1, Q2 … (u datoteci XLSX nalazi se na drugom listu).",
        "Una riga per risposta; il dizionario delle variabili spiega le colonne Q1, Q2 … (nel file XLSX si trova nel "
        "secondo foglio).",
    ),
    "Download now (CSV)": ("Preuzmi odmah (CSV)", "Scarica subito (CSV)"),
    "Download now (XLSX)": ("Preuzmi odmah (XLSX)", "Scarica subito (XLSX)"),
    "Codebook (CSV)": ("Šifrarnik (CSV)", "Dizionario delle variabili (CSV)"),
    "Surveys with more than %(limit)s responses are exported in the background: prepare the file, follow its progress here and download it when it is ready.": (
        "Upitnici s više od %(limit)s odgovora izvoze se u pozadini: pripremite datoteku, ovdje pratite napredak "
        "i preuzmite je kad bude spremna.",
        "I questionari con più di %(limit)s risposte vengono esportati in background: preparare il file, seguirne "
        "qui l'avanzamento e scaricarlo quando è pronto.",
    ),
    "Prepare %(label)s in the background": ("Pripremi %(label)s u pozadini", "Prepara %(label)s in background"),
    "Prepared files": ("Pripremljene datoteke", "File preparati"),
    "Needs found and the actions that address them": (
        "Utvrđene potrebe i aktivnosti koje ih rješavaju",
        "Bisogni individuati e azioni che vi rispondono",
    ),
    "No action addresses it yet.": ("Još je ne rješava nijedna aktivnost.", "Ancora nessuna azione vi risponde."),
    "No need has been linked to actions yet.": (
        "Još nijedna potreba nije povezana s aktivnostima.",
        "Nessun bisogno è ancora collegato ad azioni.",
    ),
    "Link a need to actions": ("Poveži potrebu s aktivnostima", "Collega un bisogno ad azioni"),
    "This survey is in %(languages)s only.": (
        "Ovaj je upitnik samo na jezicima: %(languages)s.",
        "Questo questionario è solo in: %(languages)s.",
    ),
    "The invitations to %(count)d respondents are being written and sent; the funnel fills as they go out.": (
        "Pozivnice za %(count)d ispitanika pripremaju se i šalju; lijevak se popunjava kako odlaze.",
        "Gli inviti a %(count)d rispondenti vengono preparati e inviati; l'imbuto si riempie man mano che partono.",
    ),
    "Files are kept for seven days, or until a newer file of the same format is ready.": (
        "Datoteke se čuvaju sedam dana ili dok ne bude spremna novija datoteka istog formata.",
        "I file sono conservati per sette giorni o finché non è pronto un file più recente dello stesso formato.",
    ),
    "This page refreshes itself while an export is under way.": (
        "Ova se stranica sama osvježava dok je izvoz u tijeku.",
        "Questa pagina si aggiorna da sola mentre un'esportazione è in corso.",
    ),
    "Requested": ("Zatraženo", "Richiesto"),
    "Format": ("Format", "Formato"),
    "format": ("format", "formato"),
    "file": ("datoteka", "file"),
    "Progress": ("Napredak", "Avanzamento"),
    "Download": ("Preuzmi", "Scarica"),
    "The export failed:": ("Izvoz nije uspio:", "L'esportazione non è riuscita:"),
    "%(done)s of %(total)s responses": ("%(done)s od %(total)s odgovora", "%(done)s di %(total)s risposte"),
    "waiting for a worker": ("čeka na obradu", "in attesa di elaborazione"),
    "No files prepared yet.": ("Još nema pripremljenih datoteka.", "Ancora nessun file preparato."),
    "This survey has %(count)d responses: prepare the file in the background and download it when ready.": (
        "Broj odgovora u ovom upitniku: %(count)d. Pripremite datoteku u pozadini i preuzmite je kad bude spremna.",
        "Questo questionario ha %(count)d risposte: preparare il file in background e scaricarlo quando è pronto.",
    ),
    "Choose CSV or XLSX.": ("Odaberite CSV ili XLSX.", "Scegliere CSV o XLSX."),
    "The export is being prepared; this page shows its progress.": (
        "Izvoz se priprema; ova stranica prikazuje napredak.",
        "L'esportazione è in preparazione; questa pagina ne mostra l'avanzamento.",
    ),
    "Queued": ("U redu čekanja", "In coda"),
    "Running": ("U tijeku", "In corso"),
    "Done": ("Gotovo", "Completato"),
    "Failed": ("Neuspjelo", "Non riuscito"),
    "response export": ("izvoz odgovora", "esportazione delle risposte"),
    "response exports": ("izvozi odgovora", "esportazioni delle risposte"),
    # Fields of the survey as the coordinators edit it in the admin
    "translations": ("prijevodi", "traduzioni"),
    "owner (ministry)": ("vlasnik (ministarstvo)", "titolare (ministero)"),
    "introduction": ("uvod", "introduzione"),
    "default language": ("zadani jezik", "lingua predefinita"),
    "other languages": ("ostali jezici", "altre lingue"),
    "opens at": ("otvara se", "apertura"),
    "closes at": ("zatvara se", "chiusura"),
    "anonymity": ("anonimnost", "anonimato"),
    "open link for anyone": ("otvorena poveznica za sve", "link aperto a tutti"),
    "first reminder after (days)": ("prvi podsjetnik nakon (dana)", "primo promemoria dopo (giorni)"),
    "at most reminders": ("najviše podsjetnika", "numero massimo di promemoria"),
    "days between reminders": ("dana između podsjetnika", "giorni tra i promemoria"),
    "erase respondents' data after (months)": (
        "brisanje podataka ispitanika nakon (mjeseci)",
        "cancellazione dei dati dei rispondenti dopo (mesi)",
    ),
    "survey": ("upitnik", "questionario"),
    "surveys": ("upitnici", "questionari"),
    "section": ("odjeljak", "sezione"),
    "sections": ("odjeljci", "sezioni"),
    "question": ("pitanje", "domanda"),
    "questions": ("pitanja", "domande"),
    "help text": ("pomoćni tekst", "testo di aiuto"),
    "required": ("obavezno", "obbligatoria"),
    "offer “other” with a text": ("ponudi „drugo” s tekstom", "offrire “altro” con un testo"),
    "minimum": ("najmanja vrijednost", "minimo"),
    "maximum": ("najveća vrijednost", "massimo"),
    "show only if this question": ("prikaži samo ako ovo pitanje", "mostrare solo se questa domanda"),
    "has this answer": ("ima ovaj odgovor", "ha questa risposta"),
    "The maximum must not be below the minimum.": (
        "Najveća vrijednost ne smije biti manja od najmanje.",
        "Il massimo non può essere inferiore al minimo.",
    ),
    "value": ("vrijednost", "valore"),
    "label": ("oznaka", "etichetta"),
    "municipality or region": ("općina ili regija", "comune o regione"),
    "language": ("jezik", "lingua"),
    "respondent": ("ispitanik", "rispondente"),
    "respondents": ("ispitanici", "rispondenti"),
    "invitation": ("poziv", "invito"),
    "invitations": ("pozivi", "inviti"),
    "need": ("potreba", "bisogno"),
    "addressed by": ("rješava se kroz", "affrontato da"),
    "need linked to actions": ("potreba povezana s aktivnostima", "bisogno collegato alle azioni"),
    "needs linked to actions": ("potrebe povezane s aktivnostima", "bisogni collegati alle azioni"),
    "This survey has answers: questions can no longer be added.": (
        "Ovaj upitnik već ima odgovore: pitanja se više ne mogu dodavati.",
        "Questo questionario ha già delle risposte: non si possono più aggiungere domande.",
    ),
    "This survey has answers: only the wording of a question can change, not its %(fields)s.": (
        "Ovaj upitnik već ima odgovore: može se mijenjati samo tekst pitanja, ne i %(fields)s.",
        "Questo questionario ha già delle risposte: di una domanda si può cambiare solo il testo, non %(fields)s.",
    ),
    "This survey has answers: options can be reworded but not added, removed or recoded.": (
        "Ovaj upitnik već ima odgovore: ponuđeni odgovori mogu se preformulirati, ali ne i dodavati, uklanjati "
        "ni prekodirati.",
        "Questo questionario ha già delle risposte: le opzioni si possono riformulare, ma non aggiungere, "
        "togliere o ricodificare.",
    ),
    "Unknown question type.": ("Nepoznata vrsta pitanja.", "Tipo di domanda sconosciuto."),
    # Cloning a survey and its open link, in the admin
    "Title of the copy": ("Naslov kopije", "Titolo della copia"),
    "Country code (e.g. IT)": ("Oznaka države (npr. IT)", "Codice del paese (ad es. IT)"),
    "Owner (ministry)": ("Vlasnik (ministarstvo)", "Titolare (ministero)"),
    "Clone for another country and language": (
        "Kopiraj za drugu državu i jezik",
        "Duplica per un altro paese e un'altra lingua",
    ),
    "Choose exactly one survey to clone.": (
        "Odaberite točno jedan upitnik za kopiranje.",
        "Scegliere esattamente un questionario da duplicare.",
    ),
    "Cloned as “%(title)s”; translate its texts before opening it.": (
        "Kopirano kao „%(title)s”; prevedite tekstove prije nego što otvorite upitnik.",
        "Duplicato come “%(title)s”; tradurre i testi prima di aprirlo.",
    ),
    "Clone “%(title)s”": ("Kopiraj „%(title)s”", "Duplica “%(title)s”"),
    "The copy keeps the sections and questions with their shared identity, so results can be compared across countries.": (
        "Kopija zadržava odjeljke i pitanja s njihovim zajedničkim identitetom, pa se rezultati mogu uspoređivati "
        "među državama.",
        "La copia mantiene le sezioni e le domande con la loro identità comune, così i risultati si possono "
        "confrontare tra paesi.",
    ),
    "Clone": ("Kopiraj", "Duplica"),
    "Enable the open link (shows it once)": (
        "Omogući otvorenu poveznicu (prikazuje se samo jednom)",
        "Attiva il link aperto (mostrato una sola volta)",
    ),
    "Open link of %(survey)s: %(url)s": (
        "Otvorena poveznica upitnika %(survey)s: %(url)s",
        "Link aperto del questionario %(survey)s: %(url)s",
    ),
    # Results withheld where a difference would show a small group (surveys.selectors.disclosure).
    "To protect respondents, results are shown only for selections that no comparison can narrow to fewer than "
    "%(min_group)s responses: responses are counted in groups of at least %(min_group)s by region and respondent "
    "type, and a selection is shown only when it takes each group whole.": (
        "Radi zaštite ispitanika rezultati se prikazuju samo za odabire koje nikakva usporedba ne može suziti na "
        "manje od %(min_group)s odgovora: odgovori se broje u skupinama od najmanje %(min_group)s po regiji i vrsti "
        "ispitanika, a odabir se prikazuje samo ako svaku skupinu obuhvaća u cijelosti.",
        "Per proteggere i rispondenti, i risultati sono mostrati solo per le selezioni che nessun confronto può "
        "ridurre a meno di %(min_group)s risposte: le risposte sono contate in gruppi di almeno %(min_group)s per "
        "regione e tipo di rispondente, e una selezione è mostrata solo se comprende ogni gruppo per intero.",
    ),
    "Withheld for this selection (see above).": (
        "Uskraćeno za ovaj odabir (vidi gore).",
        "Non mostrato per questa selezione (vedi sopra).",
    ),
    "the region %(region)s": ("regiju %(region)s", "la regione %(region)s"),
    "this respondent type": ("ovu vrstu ispitanika", "questo tipo di rispondente"),
    "all responses": ("sve odgovore", "tutte le risposte"),
    "Withheld: the results of %(wider)s are shown, and this selection leaves out only %(left_out)d of them, so "
    "comparing the two would show the answers of those %(left_out)d.": (
        "Uskraćeno: prikazani su rezultati za %(wider)s, a ovaj odabir od njih izostavlja samo %(left_out)d, pa bi "
        "usporedba tih dvaju odabira otkrila odgovore tih %(left_out)d.",
        "Non mostrato: i risultati per %(wider)s sono visibili e questa selezione ne esclude solo %(left_out)d, "
        "quindi confrontando le due selezioni si vedrebbero le risposte di quei %(left_out)d.",
    ),
    "Withheld: together with other selections that are shown, these results would show the answers of fewer than "
    "%(min_group)s respondents.": (
        "Uskraćeno: zajedno s drugim prikazanim odabirima ovi bi rezultati otkrili odgovore manje od %(min_group)s "
        "ispitanika.",
        "Non mostrato: insieme ad altre selezioni visibili, questi risultati mostrerebbero le risposte di meno di "
        "%(min_group)s rispondenti.",
    ),
    "A country's results are withheld where they would show the answers of fewer than %(min_group)s respondents.": (
        "Rezultati države se uskraćuju ako bi otkrili odgovore manje od %(min_group)s ispitanika.",
        "I risultati di un paese non sono mostrati se rivelerebbero le risposte di meno di %(min_group)s rispondenti.",
    ),
    "You do not own this survey, so its rows come without response number, time or language, and show a region or "
    "respondent type only for groups of at least %(min_group)s responses, as the results do.": (
        "Niste vlasnik ovog upitnika, pa retci dolaze bez broja odgovora, vremena i jezika, a regiju ili vrstu "
        "ispitanika pokazuju samo za skupine od najmanje %(min_group)s odgovora, kao i rezultati.",
        "Non è titolare di questo questionario: le righe non riportano numero della risposta, ora e lingua, e "
        "indicano regione o tipo di rispondente solo per gruppi di almeno %(min_group)s risposte, come i risultati.",
    ),
}

TRANSLATIONS: dict[str, tuple[str, str]] = {**RESPONDENT, **OWNER}

# msgid: ((Croatian for 1 and 21, for 2–4, for 5–20), (Italian for 1, for the others))
PLURALS: dict[str, tuple[tuple[str, str, str], tuple[str, str]]] = {
    "Send the invitation to %(counter)s new respondent": (
        (
            "Pošalji poziv za %(counter)s novog ispitanika",
            "Pošalji pozive za %(counter)s nova ispitanika",
            "Pošalji pozive za %(counter)s novih ispitanika",
        ),
        ("Invia l'invito a %(counter)s nuovo rispondente", "Invia gli inviti a %(counter)s nuovi rispondenti"),
    ),
    "%(counter)s submitted response": (
        ("%(counter)s poslan odgovor", "%(counter)s poslana odgovora", "%(counter)s poslanih odgovora"),
        ("%(counter)s risposta inviata", "%(counter)s risposte inviate"),
    ),
    "%(counter)s submitted response.": (
        ("%(counter)s poslan odgovor.", "%(counter)s poslana odgovora.", "%(counter)s poslanih odgovora."),
        ("%(counter)s risposta inviata.", "%(counter)s risposte inviate."),
    ),
    "%(counter)s answer": (
        ("%(counter)s odgovor", "%(counter)s odgovora", "%(counter)s odgovora"),
        ("%(counter)s risposta", "%(counter)s risposte"),
    ),
    "A first place scores %(counter)s point, the last place 1.": (
        (
            "Prvo mjesto donosi %(counter)s bod, posljednje 1.",
            "Prvo mjesto donosi %(counter)s boda, posljednje 1.",
            "Prvo mjesto donosi %(counter)s bodova, posljednje 1.",
        ),
        ("Il primo posto vale %(counter)s punto, l'ultimo 1.", "Il primo posto vale %(counter)s punti, l'ultimo 1."),
    ),
    "%(counter)s respondent ready to import": (
        (
            "%(counter)s ispitanik spreman za uvoz",
            "%(counter)s ispitanika spremna za uvoz",
            "%(counter)s ispitanika spremno za uvoz",
        ),
        ("%(counter)s rispondente pronto per l'importazione", "%(counter)s rispondenti pronti per l'importazione"),
    ),
}
LANGUAGES = ("hr", "it")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines)).replace('\\"', '"').replace("\\\\", "\\")


def _msgid(block: str) -> str | None:
    match = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
    return _unquote(match.group(1)) if match else None


def _msgstrs(block: str) -> list[str]:
    return [_unquote(m) for m in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)]


def _is_fuzzy(block: str) -> bool:
    return any(line.startswith("#, ") and "fuzzy" in line[3:].split(", ") for line in block.split("\n"))


def _unfuzzy(block: str) -> str:
    """Drop the fuzzy flag and the previous msgid that makemessages keeps beside a fuzzy entry."""
    lines = [line for line in block.split("\n") if not line.startswith("#| ")]
    flags = [i for i, line in enumerate(lines) if line.startswith("#, ")]
    for i in flags:
        kept = [f for f in lines[i][3:].split(", ") if f != "fuzzy"]
        lines[i] = "#, " + ", ".join(kept) if kept else ""
    return "\n".join(line for i, line in enumerate(lines) if not (i in flags and line == ""))


def fill(path: Path, index: int) -> int:
    """Set the msgstr of every msgid in TRANSLATIONS and PLURALS (column `index`) in a .po file; returns how many."""
    text = path.read_text(encoding="utf-8")
    filled = 0
    blocks = text.split("\n\n")
    for number, block in enumerate(blocks[1:], start=1):
        msgid = _msgid(block)
        if msgid is None or block.lstrip().startswith("#~"):
            continue
        head = block[: block.index("\nmsgstr") + 1]
        if "\nmsgid_plural " in block and msgid in PLURALS:
            forms = PLURALS[msgid][index]
            blocks[number] = _unfuzzy(head + "\n".join(f"msgstr[{n}] {_quote(f)}" for n, f in enumerate(forms)))
            filled += 1
        elif "\nmsgid_plural " not in block and msgid in TRANSLATIONS:
            blocks[number] = _unfuzzy(head + "msgstr " + _quote(TRANSLATIONS[msgid][index]))
            filled += 1
        elif _is_fuzzy(block):
            # msgmerge's guess from a similar string ("Add a document" from "Add a respondent") is wrong more
            # often than not: leave the entry empty, for a translator to see it as untranslated.
            count = len(_msgstrs(block))
            empty = "\n".join(f'msgstr[{n}] ""' for n in range(count)) if "\nmsgid_plural " in block else 'msgstr ""'
            blocks[number] = _unfuzzy(head + empty)
    # The header is marked fuzzy by makemessages; msgfmt would drop it, and with it the plural forms.
    blocks[0] = blocks[0].replace("#, fuzzy\n", "").replace('"Language: \\n"', f'"Language: {path.parts[-3]}\\n"')
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


def missing(path: Path, sources: list[str]) -> list[str]:
    """The msgids used in these source paths (prefixes) that are empty or fuzzy in a .po file."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n")[1:]:
        msgid = _msgid(block)
        if msgid is None or block.lstrip().startswith("#~"):
            continue
        references = " ".join(line[3:] for line in block.split("\n") if line.startswith("#: ")).split()
        if not any(ref.startswith(tuple(sources)) for ref in references):
            continue
        if _is_fuzzy(block) or "" in _msgstrs(block):
            found.append(msgid)
    return found


def main(arguments: list[str]) -> int:
    root = Path(__file__).resolve().parent
    if arguments[:1] == ["--missing"]:
        sources = arguments[1:] or ["surveys/"]
        gaps = 0
        for language in LANGUAGES:
            for msgid in missing(root / language / "LC_MESSAGES" / "django.po", sources):
                sys.stdout.write(f"{language}: {msgid!r}\n")
                gaps += 1
        return 1 if gaps else 0
    for index, language in enumerate(LANGUAGES):
        count = fill(root / language / "LC_MESSAGES" / "django.po", index)
        sys.stdout.write(f"{language}: {count} strings\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
