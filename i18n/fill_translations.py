#!/usr/bin/env python3
"""Fills i18n/crf_fr.ts (French) and the plural forms of i18n/crf_en.ts from the tables below.

Run after `lupdate` has added new source texts (see docs/bedside.md "Languages"); a text missing here stays
unfinished and shows in English."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FR = {
    # The gateway's reasons for refusing an event (gateway/domain/event_rules.cpp, context Core; sent as crf.v1.Wording)
    'study %1 is not served by this gateway': "l'étude %1 n'est pas servie par cette passerelle",
    'version %1 of %2 is not served here (current: %3)': "la version %1 de %2 n'est pas servie ici (actuelle : %3)",
    'unknown visit %1': 'visite %1 inconnue',
    'form %1 is not scheduled at visit %2': "le formulaire %1 n'est pas prévu à la visite %2",
    'unknown form %1': 'formulaire %1 inconnu',
    'form %1 does not repeat': 'le formulaire %1 ne se répète pas',
    'not an item of form %1': "n'est pas une donnée du formulaire %1",
    'site-only (identifying) data must never leave the site': 'les données identifiantes (centre uniquement) ne doivent jamais quitter le centre',
    'derived values are computed, never sent': 'les valeurs calculées sont calculées, jamais envoyées',
    # Titration (core/titration.cpp: instructions and reasons in context Core, phases in TitrationPhase)
    'stepped down below the first level: infusion stopped': "descendu sous le premier palier : perfusion arrêtée",
    'Start at %1': 'Débuter à %1',
    'Run at %1; next increase to %2 when the timer ends': 'Perfuser à %1 ; prochaine augmentation à %2 à la fin du minuteur',
    'Run at %1 until the end of the 48 h infusion': "Perfuser à %1 jusqu'à la fin de la perfusion de 48 h",
    'Run at %1; step down one level when the timer ends (%2)':
        "Perfuser à %1 ; descendre d'un palier à la fin du minuteur (%2)",
    '%1': '%1',
    'Infusion stopped: %1': 'Perfusion arrêtée : %1',
    '48 h infusion completed': 'Perfusion de 48 h terminée',
    'MAP < 65 mmHg: give fluids and increase norepinephrine by 25 %':
        'PAM < 65 mmHg : remplissage et augmentation de la noradrénaline de 25 %',
    'PaO2/FiO2 < 100 after an increase': 'PaO2/FiO2 < 100 après une augmentation',
    'MAP < 50 mmHg for more than 5 min without another cause': 'PAM < 50 mmHg plus de 5 min sans autre cause',
    'severe bleeding: do not restart': 'saignement grave : ne pas reprendre',
    'Stopped for surgery: may resume 6 h after': 'Arrêtée pour chirurgie : reprise possible 6 h après',
    'not started': 'non débutée',
    'stepping up': 'en augmentation',
    'holding': 'palier maintenu',
    'stepping down': 'en diminution',
    'paused': 'suspendue',
    'stopped': 'arrêtée',
    'completed': 'terminée',
    # Randomization proposals (app/trial/bedside_trial.cpp, context Core)
    'already randomized with number %1': 'déjà randomisé avec le numéro %1',
    'The box list of this site has not reached this tablet: take the lowest-numbered box on the shelf and enter the number printed on it.':
        "La liste des boîtes de ce centre n'est pas encore arrivée sur cette tablette : prenez la boîte de plus petit numéro sur l'étagère et saisissez le numéro imprimé dessus.",
    'The allocation list of this site has not reached this tablet: sync once online before randomizing.':
        "La liste d'allocation de ce centre n'est pas encore arrivée sur cette tablette : synchronisez une fois en ligne avant de randomiser.",
    "No box left for this site on this tablet's list: take the box on the shelf and enter its number; the sponsor has been asked to resupply.":
        "Plus de boîte pour ce centre sur la liste de cette tablette : prenez la boîte sur l'étagère et saisissez son numéro ; le promoteur a été prié de réapprovisionner.",
    'Take box %1 (the lowest on the shelf) and confirm the number printed on it.':
        "Prenez la boîte %1 (la plus petite sur l'étagère) et confirmez le numéro imprimé dessus.",
    'Allocation number %1.': "Numéro d'allocation %1.",
    'Number %1 is not the lowest available (%2): saved as entered; the data manager will check it.':
        "Le numéro %1 n'est pas le plus petit disponible (%2) : enregistré tel que saisi ; le data manager le vérifiera.",
    # Refusals made in core/ and the tablet's trial rules (context Core: messageError, ui::errorText)
    'a conflict is settled by saving the right value with its reason':
        'un conflit se règle en enregistrant la bonne valeur avec son motif',
    'a randomization query is reviewed by the data manager': 'une requête de randomisation est revue par le data manager',
    "not among the site's open queries on this tablet: sync, then answer":
        'absente des requêtes ouvertes du centre sur cette tablette : synchronisez, puis répondez',
    'its state "%1" is unknown on this tablet: sync first': 'son état « %1 » est inconnu de cette tablette : synchronisez d\'abord',
    'a recorded consent decision is not changed: record the next decision instead':
        'une décision de consentement enregistrée ne se modifie pas : enregistrez plutôt la décision suivante',
    'participation has stopped (%1): no new study data; adverse events, vital status and the end of study stay open':
        "la participation s'est arrêtée (%1) : plus de nouvelles données d'étude ; événements indésirables, statut vital et fin d'étude restent ouverts",
    'enter the number printed on the box': 'saisissez le numéro imprimé sur la boîte',
    'subject %1 is already randomized (number %2)': 'le patient %1 est déjà randomisé (numéro %2)',
    'not met (%1): the patient cannot be randomized': 'non remplie (%1) : le patient ne peut pas être randomisé',
    "allocation number %1 is not on this tablet's list for site %2: sync online, then randomize":
        "le numéro d'allocation %1 n'est pas sur la liste de cette tablette pour le centre %2 : synchronisez en ligne, puis randomisez",
    'marking a record %1 needs a reason (code and text); nothing is deleted (21 CFR 11.10(e))':
        'marquer un enregistrement %1 demande un motif (code et texte) ; rien n\'est supprimé (21 CFR 11.10(e))',
    'a previously saved value is changed: a reason (code and text) is required (21 CFR 11.10(e))':
        'une valeur déjà enregistrée est modifiée : un motif (code et texte) est obligatoire (21 CFR 11.10(e))',
    "this decision is the patient's own (decided by: PATIENT)": 'cette décision appartient au patient (décidé par : PATIENT)',
    'decided by must be a relative, trusted person, legal representative or guardian':
        'décidé par doit être un proche, la personne de confiance, le représentant légal ou le tuteur',
    'decided by must be a relative, trusted person or legal representative':
        'décidé par doit être un proche, la personne de confiance ou le représentant légal',
    'decided by must be the guardian': 'décidé par doit être le tuteur',
    'decided by is missing: the patient, a relative, trusted person, legal representative or the guardian':
        'décidé par manque : le patient, un proche, la personne de confiance, le représentant légal ou le tuteur',
    'no one decides this: leave decided by empty': 'personne ne décide ceci : laissez décidé par vide',
    'no inclusion is recorded for this subject: record the inclusion first':
        "aucune inclusion n'est enregistrée pour ce patient : enregistrez d'abord l'inclusion",
    'the subject is already included (%1)': 'le patient est déjà inclus (%1)',
    'the objection to the use of data is final; the data stay out of analysis':
        "l'opposition à l'utilisation des données est définitive ; les données restent hors analyse",
    'consent was given: a later stop is a withdrawal (record WITHDRAWS)':
        'le consentement a été donné : un arrêt ultérieur est un retrait (enregistrez WITHDRAWS)',
    'no consent was given to withdraw: record a refusal to continue (REFUSES_CONTINUATION)':
        "aucun consentement n'a été donné à retirer : enregistrez un refus de poursuite (REFUSES_CONTINUATION)",
    'consent was already decided (%1): record the death in the end-of-study form':
        "le consentement est déjà décidé (%1) : enregistrez le décès dans le formulaire de fin d'étude",
    'a relative has already consented: the patient is to be asked now':
        'un proche a déjà consenti : le patient doit maintenant être sollicité',
    'consent cannot be recorded after: %1': 'le consentement ne peut pas être enregistré après : %1',
    '%1 is not possible after: %2': '%1 est impossible après : %2',
    'missing: which decision is recorded': 'manquant : quelle décision est enregistrée',
    "unknown decision '%1'": "décision inconnue « %1 »",
    "unknown '%1'": "« %1 » inconnu",
    'missing or not an ISO 8601 date-time': 'manquant ou pas une date-heure ISO 8601',
    'say what is in question': 'dites ce qui est en question',
    'write the answer (a changed value still needs its own reason)':
        'écrivez la réponse (une valeur modifiée demande toujours son propre motif)',
    'say why': 'dites pourquoi',
    'no such query': "cette requête n'existe pas",
    'not possible on a query that is %1': "impossible sur une requête à l'état %1",
    # A place and its message; a sentence and what follows (nested wordings, core/result.h Error::sentence)
    '%1: %2': '%1 : %2',
    '%1. %2': '%1. %2',
    # Photos refused or stalled (gateway/domain/photo_domain.cpp, app/sync/sync_engine.cpp)
    'photo of %1 bytes refused: the limit is %2 bytes': 'photo de %1 octets refusée : la limite est de %2 octets',
    'chunk runs past the announced size': 'le morceau dépasse la taille annoncée',
    'the received bytes do not match the digest: upload again from the start':
        "les octets reçus ne correspondent pas à l'empreinte : renvoyer depuis le début",
    'the gateway reports more bytes than the photo has': "la passerelle annonce plus d'octets que la photo n'en a",
    'the gateway does not move forward': "la passerelle n'avance pas",
    'events come both packed and unpacked': 'des événements arrivent à la fois compressés et non compressés',
    'the packed events cannot be read': 'les événements compressés sont illisibles',
    'the packed events are damaged': 'les événements compressés sont endommagés',
    'the packed events are larger than %1 bytes': 'les événements compressés dépassent %1 octets',
    'corrupted twice in transit; kept for the next sync':
        'corrompue deux fois en transit ; gardée pour la prochaine synchronisation',
    # Sync passes that stop (app/sync)
    'sync failed (%1): %2': 'échec de la synchronisation (%1) : %2',
    'sync made no progress at change %1; the changes are kept and will be sent again':
        "la synchronisation n'avance plus à la modification %1 ; les modifications sont gardées et seront renvoyées",
    'the gateway acknowledged none of %1 changes; they are kept and will be sent again':
        "la passerelle n'a accusé réception d'aucune des %1 modifications ; elles sont gardées et seront renvoyées",
    'not logged in online: %1': 'pas de connexion en ligne : %1',
    # The gateway's online services: unblinding and data queries (gateway/domain)
    'no query M-%1': 'pas de requête M-%1',
    '"%1": only queries opened by hand (M-...) take actions; a conflict closes when resolved by a new value with its reason, a randomization query by the data manager\'s review':
        "« %1 » : seules les requêtes ouvertes à la main (M-...) acceptent des actions ; un conflit se ferme quand une "
        "nouvelle valeur est saisie avec sa raison, une requête de randomisation par la revue du data manager",
    'say why the arm must be known now (at least 10 characters)':
        "dites pourquoi le bras doit être connu maintenant (au moins 10 caractères)",
    'subject %1 has no randomization at the gateway yet': "le patient %1 n'a pas encore de randomisation à la passerelle",
    'the allocation of number %1 is not loaded: call the unblinding line':
        "l'allocation du numéro %1 n'est pas chargée : appelez la ligne de levée d'insu",
    # The tablet's encrypted store (app/store/tablet_store.cpp): the frame in the screen's language, SQLCipher's own
    # message as it is
    "the tablet's store failed: %1": 'le stockage de la tablette a échoué : %1',
    'gateway at %1 cannot sync now: %2 (changes are kept on this tablet)':
        'la passerelle %1 ne peut pas synchroniser pour le moment : %2 (les modifications restent sur cette tablette)',
    "the gateway's storage failed (%1): tell the trial's data manager if this lasts":
        "le stockage de la passerelle a échoué (%1) : prévenez le data manager de l'essai si cela dure",
    "the tablet's storage is full: nothing of this was written and nothing saved before is lost; free space on the "
    "tablet, then try again":
        "la mémoire de la tablette est pleine : rien de ceci n'a été écrit et rien de ce qui était enregistré n'est "
        "perdu ; libérez de la place sur la tablette, puis réessayez",
    "missing: this store's photos are kept there; restore it from the same backup as the store (nothing was changed)":
        "absent : les photos de ce stockage y sont conservées ; restaurez-le depuis la même sauvegarde que le stockage "
        "(rien n'a été modifié)",
    'the database exists but its key is missing from %1; refusing to open or replace it (nothing was changed)':
        "la base existe mais sa clé manque dans %1 ; ouverture et remplacement refusés (rien n'a été modifié)",
    'cannot be opened: wrong key, or not an encrypted CRF database (the file was left untouched)':
        "ouverture impossible : mauvaise clé, ou pas une base CRF chiffrée (le fichier n'a pas été touché)",
    'the database file is damaged (the file was left untouched)':
        "le fichier de la base est endommagé (le fichier n'a pas été touché)",
    'schema version %1 is newer than this app (%2); update the app (nothing was changed)':
        "la version de schéma %1 est plus récente que cette application (%2) : mettez l'application à jour (rien n'a "
        "été modifié)",
    'cannot prepare the database: %1': 'impossible de préparer la base : %1',
    'a signature saves no value': "une signature n'enregistre aucune valeur",
    'not saved (nothing was changed): %1': "non enregistré (rien n'a été modifié) : %1",
    'an event cannot be read (database damaged?)': 'un événement est illisible (base endommagée ?)',
    'too large: %1 bytes, the limit is %2': 'trop grande : %1 octets, la limite est %2',
    'not stored: %1': 'non enregistrée : %1',
    "not in this tablet's store": "absente du stockage de cette tablette",
    'page not applied (cursor unchanged): %1': 'page non appliquée (curseur inchangé) : %1',
    'an unsent event cannot be read (database damaged?)': 'un événement non envoyé est illisible (base endommagée ?)',
    're-sequencing failed (nothing changed): %1': "la renumérotation a échoué (rien n'a été modifié) : %1",
    'not remembered on this tablet: %1': 'non mémorisé sur cette tablette : %1',
    'not signed (nothing was changed): %1': "non signé (rien n'a été modifié) : %1",
    # A gateway restored to an earlier point (app/sync/sync_engine.cpp, docs/sync.md "Gateway restored")
    "the gateway's history differs again from the one just pulled: sync again later":
        "l'historique de la passerelle diffère encore de celui qui vient d'être reçu : synchronisez plus tard",
    "the gateway's change %1 from this tablet is not the one this tablet made: nothing was queued again":
        "la modification %1 de cette tablette à la passerelle n'est pas celle qu'elle a faite : rien n'a été remis en "
        "file",
    # The capillary refill stopwatch's refusals (core/crt.cpp) and photo checks (core/photo.cpp)
    '"%1" is not a capillary refill site (FINGER or KNEE)': '« %1 » n\'est pas un site de recoloration capillaire (DOIGT ou GENOU)',
    'finish or cancel the measurement under way before changing the site':
        'terminez ou annulez la mesure en cours avant de changer de site',
    'a measurement is under way': 'une mesure est en cours',
    'press first': "appuyez d'abord",
    'the clock went backwards during the measurement: measure again':
        "l'horloge a reculé pendant la mesure : mesurez à nouveau",
    'no refill within 60 s: measure again or record the value by hand':
        'pas de recoloration en 60 s : mesurez à nouveau ou saisissez la valeur à la main',
    'release the pressure first': "relâchez d'abord la pression",
    'damaged JPEG: marker expected at byte %1': "JPEG endommagé : marqueur attendu à l'octet %1",
    'damaged JPEG: segment overruns the file at byte %1': "JPEG endommagé : un segment dépasse le fichier à l'octet %1",
    'damaged JPEG: no image data': "JPEG endommagé : pas de données d'image",
    'damaged PNG: chunk overruns the file at byte %1': "PNG endommagé : un bloc dépasse le fichier à l'octet %1",
    'damaged PNG: no IEND chunk': 'PNG endommagé : pas de bloc IEND',
    'only JPEG and PNG photos are accepted': 'seules les photos JPEG et PNG sont acceptées',
    # Sessions and the access control of the gateway (gateway/identity)
    'not logged in (no session token)': 'non connecté (pas de jeton de session)',
    'the session is not known: log in again': "la session n'est pas connue : reconnectez-vous",
    'the session has ended: log in again': 'la session est terminée : reconnectez-vous',
    'the session has expired: log in again': 'la session a expiré : reconnectez-vous',
    'your roles do not read trial data': "vos rôles ne permettent pas de lire les données de l'essai",
    'you may not read site %1 of study %2 (you read: %3)':
        "vous ne pouvez pas lire le centre %1 de l'étude %2 (vous lisez : %3)",
    'your roles do not upload photos': "vos rôles ne permettent pas d'envoyer des photos",
    'you may not upload photos for site "%1" (you enter data for: %2)':
        'vous ne pouvez pas envoyer de photos pour le centre « %1 » (vous saisissez pour : %2)',
    'your roles do not read photos': 'vos rôles ne permettent pas de lire les photos',
    'this photo belongs to a site you do not read': "cette photo appartient à un centre que vous ne lisez pas",
    'unknown call': 'appel inconnu',
    'you may not read the consent worklist of site "%1" (you read: %2)':
        'vous ne pouvez pas lire la liste des consentements du centre « %1 » (vous lisez : %2)',
    'your roles do not read study %1': "vos rôles ne permettent pas de lire l'étude %1",
    'you may not read the boxes of site "%1"': 'vous ne pouvez pas lire les boîtes du centre « %1 »',
    "only the sponsor's data manager loads treatment boxes":
        'seul le data manager du promoteur charge les boîtes de traitement',
    'only the unblinded statistician loads the allocation list':
        "seul le statisticien en insu levé charge la liste d'allocation",
    'subject %1 is not known at the gateway yet': "le patient %1 n'est pas encore connu de la passerelle",
    "only an investigator of the subject's site may unblind it":
        'seul un investigateur du centre du patient peut lever son insu',
    'the trial report is for the sponsor, the data managers and the unblinded statistician':
        "le rapport de l'essai est réservé au promoteur, aux data managers et au statisticien en insu levé",
    'the ODM export is for the sponsor, the data managers and the unblinded statistician':
        "l'export ODM est réservé au promoteur, aux data managers et au statisticien en insu levé",
    'subject %1 is not known at the gateway': "le patient %1 n'est pas connu de la passerelle",
    'only a monitor of site %1 marks its data verified': 'seul un moniteur du centre %1 marque ses données vérifiées',
    'you may not read the verification of site "%1"': 'vous ne pouvez pas lire la vérification du centre « %1 »',
    "data managers and the site's monitors open queries":
        'les data managers et les moniteurs du centre ouvrent les requêtes',
    'your roles do not handle queries': 'vos rôles ne permettent pas de traiter les requêtes',
    "the site's staff answer queries": "l'équipe du centre répond aux requêtes",
    'the data desk closes, reopens or cancels queries':
        'le data management ferme, rouvre ou annule les requêtes',
    'you may not read the queries of site "%1"': 'vous ne pouvez pas lire les requêtes du centre « %1 »',
    'central review is for the central assessor': "la relecture centrale est réservée à l'évaluateur central",
    'the review report is for the sponsor, the data managers and the unblinded statistician':
        'le rapport de relecture est réservé au promoteur, aux data managers et au statisticien en insu levé',
    'your roles do not enter data': 'vos rôles ne permettent pas de saisir des données',
    'this session belongs to device %1, not %2': "cette session appartient à l'appareil %1, pas à %2",
    'event %1': 'événement %1',
    '%1 comes from another device': '%1 vient d\'un autre appareil',
    '%1 is for site %2 of study %3: you enter data for %4 only':
        "%1 concerne le centre %2 de l'étude %3 : vous saisissez pour %4 seulement",
    '%1 is a signature by a %2: only an investigator signs': '%1 est une signature de %2 : seul un investigateur signe',
    'log in online on this tablet first': "connectez-vous d'abord en ligne sur cette tablette",
    'the password is wrong: not signed': 'le mot de passe est erroné : non signé',
    'only an investigator signs (you are logged in as %1)': 'seul un investigateur signe (vous êtes connecté en tant que %1)',
    '%1 is signed by user "%2" as %3, a role not held at site %4':
        '%1 est signé par l\'utilisateur « %2 » comme %3, un rôle non tenu au centre %4',
    # Login refusals (gateway/identity/identity.cpp, app/app_core.cpp; context Core)
    'the device id is missing or not valid': "l'identifiant de la tablette est absent ou invalide",
    'user id or password is wrong': 'identifiant ou mot de passe incorrect',
    'this account is disabled': 'ce compte est désactivé',
    "the device's enrolment secret is too short": "le secret d'enrôlement de la tablette est trop court",
    'this device is not enrolled at this gateway': "cette tablette n'est pas enrôlée auprès de cette passerelle",
    'this device has been revoked: ask the gateway administrator':
        "cette tablette a été révoquée : adressez-vous à l'administrateur de la passerelle",
    "this device's credential is wrong (restored or copied tablet?)":
        "l'identifiant secret de cette tablette est incorrect (tablette restaurée ou copiée ?)",
    'this account is locked after repeated failed logins until %1':
        "ce compte est bloqué après des échecs de connexion répétés jusqu'à %1",
    'too many failed logins: this account is locked until %1':
        "trop d'échecs de connexion : ce compte est bloqué jusqu'à %1",
    'you hold no role at a site of %1 (ask the administrator)':
        "vous n'avez aucun rôle dans un centre de %1 (adressez-vous à l'administrateur)",
    'offline: user id or password is wrong, or this user never logged in online on this tablet (%1)':
        "hors ligne : identifiant ou mot de passe incorrect, ou cet utilisateur ne s'est jamais connecté en ligne sur cette tablette (%1)",
    # Sync failures of SyncClient (app/sync/sync_client.h; context Core)
    'gateway unreachable at %1 (changes are kept on this tablet)':
        'passerelle injoignable à %1 (les modifications sont gardées sur cette tablette)',
    'gateway at %1 did not answer in time (changes are kept on this tablet)':
        'la passerelle %1 n\'a pas répondu à temps (les modifications sont gardées sur cette tablette)',
    'gateway refused this tablet: %1': 'la passerelle a refusé cette tablette : %1',
    # Form-engine refusals and warnings (core/study/form_engine.cpp; the item's label first)
    '%1 must be between %4 and %5%3; %2 is not possible': '%1 doit être entre %4 et %5%3 ; %2 est impossible',
    '%1 must be at least %4%3; %2 is not possible': '%1 doit être au moins %4%3 ; %2 est impossible',
    '%1 must be at most %4%3; %2 is not possible': '%1 doit être au plus %4%3 ; %2 est impossible',
    '%1 %2%3 is unusual (expected between %4 and %5%3): check and confirm':
        '%1 %2%3 est inhabituel (attendu entre %4 et %5%3) : vérifiez et confirmez',
    '%1 %2%3 is unusual (expected at least %4%3): check and confirm':
        '%1 %2%3 est inhabituel (attendu au moins %4%3) : vérifiez et confirmez',
    '%1 %2%3 is unusual (expected at most %4%3): check and confirm':
        '%1 %2%3 est inhabituel (attendu au plus %4%3) : vérifiez et confirmez',
    '%1: "%2" is not a number': '%1 : « %2 » n\'est pas un nombre',
    '%1 must be a whole number': '%1 doit être un nombre entier',
    '%1: unit "%2" is not accepted here': '%1 : l\'unité « %2 » n\'est pas acceptée ici',
    '%1: answer yes or no': '%1 : répondez oui ou non',
    '%1: a date is written YYYY-MM-DD': '%1 : une date s\'écrit AAAA-MM-JJ',
    '%1: a date and time is written YYYY-MM-DDTHH:MM': '%1 : une date et une heure s\'écrivent AAAA-MM-JJTHH:MM',
    '%1: "%2" is not one of the choices': '%1 : « %2 » ne fait pas partie des choix',
    '%1 is required: enter it, or give the reason it is missing': '%1 est obligatoire : saisissez-le, ou indiquez pourquoi il manque',
    # Capillary refill stopwatch guidance (core/crt.cpp)
    'Press the glass slide on the pad of the index finger until it blanches, and hold':
        'Appuyez la lame de verre sur la pulpe de l\'index jusqu\'au blanchiment, et maintenez',
    'Press on the knee until the skin blanches, and hold': 'Appuyez sur le genou jusqu\'au blanchiment de la peau, et maintenez',
    'Keep pressing: %1 s': 'Maintenez la pression : %1 s',
    'Release now': 'Relâchez maintenant',
    'Release when blanched (held %1 s)': 'Relâchez une fois la peau blanchie (maintenu %1 s)',
    'Refilling %1 s: tap when the colour returns': 'Recoloration %1 s : touchez quand la couleur revient',
    'No refill within 60 s: measure again or record the value by hand':
        'Pas de recoloration en 60 s : mesurez à nouveau ou saisissez la valeur à la main',
    'Subject %1': 'Patient %1',
    'Subjects': 'Patients',
    'definition %1': 'définition %1',
    'Sign casebook…': 'Signer le cahier…',
    'Sign the casebook of %1': 'Signer le cahier de %1',
    'Meaning: I approve the data of this casebook as accurate and complete. Your signature records your printed name, the UTC time and every value of this subject. Enter your password to sign (21 CFR 11.50, 11.200).':
        "Signification : j'approuve les données de ce cahier comme exactes et complètes. Votre signature enregistre votre nom, l'heure UTC et chaque valeur de ce patient. Saisissez votre mot de passe pour signer (21 CFR 11.50, 11.200).",
    'Password': 'Mot de passe',
    'Consent: %1': 'Consentement : %1',
    'No new study data: adverse events, vital status and the end of study stay open.':
        "Plus de nouvelles données d'étude : événements indésirables, statut vital et fin d'étude restent ouverts.",
    'Randomized: number %1': 'Randomisé : numéro %1',
    'Not randomized': 'Non randomisé',
    'Record consent decision…': 'Enregistrer une décision de consentement…',
    'Dosing and unblinding…': 'Posologie et levée d\'aveugle…',
    'Randomize…': 'Randomiser…',
    'Overdue': 'En retard',
    'Due today': "Prévue aujourd'hui",
    'not yet sent': 'pas encore envoyé',
    'Capillary refill': 'Temps de recoloration capillaire',
    'Finger': 'Doigt',
    'Knee': 'Genou',
    'Release': 'Relâchez',
    'Hold here while pressing': 'Maintenez ici pendant la pression',
    'held %1 s': 'maintenu %1 s',
    'Colour returned\n%1 s': 'Couleur revenue\n%1 s',
    'Written into the form: save it to keep the measurement; each measurement is one entry of this form.':
        'Reporté dans le formulaire : enregistrez-le pour garder la mesure ; chaque mesure est une entrée de ce formulaire.',
    'Cancel measurement': 'Annuler la mesure',
    'Close': 'Fermer',
    'site only': 'site uniquement',
    'computed': 'calculé',
    'Stopwatch': 'Chronomètre',
    'Now': 'Maintenant',
    'Yes': 'Oui',
    'No': 'Non',
    'Choose…': 'Choisir…',
    'Replace photo…': 'Remplacer la photo…',
    'Import photo…': 'Importer une photo…',
    'Photo of the knees': 'Photo des genoux',
    'Photos (*.jpg *.jpeg *.png)': 'Photos (*.jpg *.jpeg *.png)',
    'Photo recorded (taken on another tablet: held at the gateway)':
        'Photo enregistrée (prise sur une autre tablette : conservée par la passerelle)',
    'Confirmed': 'Confirmé',
    'Reason missing…': 'Motif de donnée manquante…',
    'Conflict: another value was entered for this item at the same time. The value shown is the one kept; both are in the audit trail. Save the correct value with a reason to resolve the query.':
        "Conflit : une autre valeur a été saisie en même temps pour cet item. La valeur affichée est celle retenue ; les deux figurent dans la piste d'audit. Enregistrez la valeur correcte avec un motif pour résoudre la requête.",
    'Missing: %1%2': 'Manquant : %1%2',
    'Casebook': 'Cahier',
    'subject %1 · %2': 'patient %1 · %2',
    'entry': 'entrée',
    'This record is marked ENTERED IN ERROR. Its values are kept in the audit trail.':
        "Cet enregistrement est marqué SAISI PAR ERREUR. Ses valeurs restent dans la piste d'audit.",
    'Open data queries on this form: %1': 'Requêtes ouvertes sur ce formulaire : %1',
    'Answered here, sent at the next sync: ': 'Répondu ici, envoyé à la prochaine synchronisation : ',
    'Answered: ': 'Répondu : ',
    'Changed on two tablets: save the right value with its reason to resolve it.':
        'Modifié sur deux tablettes : enregistrez la bonne valeur avec son motif pour résoudre.',
    'Answer (correct the value above if needed, with its reason)':
        'Réponse (corrigez la valeur ci-dessus si besoin, avec son motif)',
    'Answer': 'Répondre',
    'Eligible: every criterion is met': 'Éligible : tous les critères sont remplis',
    'Not eligible': 'Non éligible',
    'Eligibility incomplete': 'Éligibilité incomplète',
    '%1 criteria not yet decided: %2': '%1 critère(s) non encore renseigné(s) : %2',
    'Discard': 'Abandonner',
    'Unsaved changes': 'Modifications non enregistrées',
    'Restore record…': "Rétablir l'enregistrement…",
    'Entered in error…': 'Saisi par erreur…',
    'Sign…': 'Signer…',
    'Save': 'Enregistrer',
    'Why is this value missing?': 'Pourquoi cette valeur manque-t-elle ?',
    'Details': 'Précisions',
    'Restore this record': 'Rétablir cet enregistrement',
    'Mark this record entered in error': 'Marquer cet enregistrement comme saisi par erreur',
    'Nothing is deleted: the record is marked and every value stays in the audit trail. Give the reason.':
        "Rien n'est effacé : l'enregistrement est marqué et chaque valeur reste dans la piste d'audit. Indiquez le motif.",
    'Reason': 'Motif',
    'Sign this form': 'Signer ce formulaire',
    'Meaning: I approve the data of this form as accurate and complete. Your signature records your printed name, the UTC time and exactly these values. Enter your password to sign (21 CFR 11.50, 11.200).':
        "Signification : j'approuve les données de ce formulaire comme exactes et complètes. Votre signature enregistre votre nom, l'heure UTC et exactement ces valeurs. Saisissez votre mot de passe pour signer (21 CFR 11.50, 11.200).",
    'This form has input that is not saved. It is kept on this tablet and shown again when the form is opened; it is not in the record until it is saved.':
        "Ce formulaire contient une saisie non enregistrée. Elle est conservée sur cette tablette et réaffichée à l'ouverture du formulaire ; elle n'entre dans le dossier qu'une fois enregistrée.",
    'Leave, keep for later': 'Quitter, garder pour plus tard',
    'Switch anyway, lose it': 'Changer quand même, la perdre',
    'An open form has input that could not be kept on this tablet (its storage is full). Switching user now loses it: unlock and save it first.':
        "Un formulaire ouvert contient une saisie qui n'a pas pu être conservée sur cette tablette (son stockage est plein). Changer d'utilisateur maintenant la perd : déverrouillez et enregistrez-la d'abord.",
    'too many wrong passwords on this tablet: %1 can only log in online now (with the network)':
        "trop de mots de passe erronés sur cette tablette : %1 ne peut plus se connecter qu'en ligne (avec le réseau)",
    'too many wrong passwords on this tablet: try again in %1 s':
        'trop de mots de passe erronés sur cette tablette : réessayez dans %1 s',
    'too many wrong passwords on this tablet: try again in %1 min':
        'trop de mots de passe erronés sur cette tablette : réessayez dans %1 min',
    'the password is wrong': 'le mot de passe est erroné',
    'Only an online login (with the network) opens this tablet to you now':
        "Seule une connexion en ligne (avec le réseau) vous ouvre désormais cette tablette",
    'After %1 more wrong password(s), each try on this tablet must wait':
        'Après %1 mot(s) de passe erroné(s) de plus, chaque essai sur cette tablette devra attendre',
    'Try again in %1 min; after %2 more wrong password(s), only an online login (with the network) opens this tablet '
    'to you':
        'Réessayez dans %1 min ; après %2 mot(s) de passe erroné(s) de plus, seule une connexion en ligne (avec le '
        'réseau) vous ouvrira cette tablette',
    'This form has input that is not saved, and it could not be kept on this tablet: leaving now loses it. Save it, or stay until it can be kept.':
        "Ce formulaire contient une saisie non enregistrée qui n'a pas pu être conservée sur cette tablette : la quitter maintenant la perd. Enregistrez-la, ou restez jusqu'à ce qu'elle puisse être conservée.",
    'Discard changes': 'Abandonner les modifications',
    'Stay': 'Rester',
    'Reason for change': 'Motif de la modification',
    'A saved value is being changed. Give the reason (21 CFR 11.10(e)).':
        'Une valeur enregistrée est modifiée. Indiquez le motif (21 CFR 11.10(e)).',
    'Explain the change': 'Expliquez la modification',
    'Log in': 'Connexion',
    'Locked': 'Verrouillé',
    '%1 · gateway %2': '%1 · passerelle %2',
    'Locked after inactivity. %1 (%2), enter your password to go on where you left off.':
        "Verrouillé après inactivité. %1 (%2), saisissez votre mot de passe pour reprendre là où vous en étiez.",
    'User id': 'Identifiant',
    'Switch user': "Changer d'utilisateur",
    'Unlock': 'Déverrouiller',
    'Without a network, a user who logged in online on this tablet before can log in; changes are kept and sent later.':
        'Sans réseau, un utilisateur déjà connecté en ligne sur cette tablette peut se connecter ; les modifications sont conservées et envoyées plus tard.',
    'CRF tablet': 'Tablette CRF',
    'Randomization of %1': 'Randomisation de %1',
    'Number printed on the box': 'Numéro imprimé sur la boîte',
    'Allocation number': "Numéro d'attribution",
    'Confirm and randomize': 'Confirmer et randomiser',
    'Only an investigator randomizes.': 'Seul un investigateur randomise.',
    'Randomized with box %1. The box holds the study drug or placebo: the arm stays hidden.':
        "Randomisé avec la boîte %1. La boîte contient le traitement étudié ou le placebo : le bras reste masqué.",
    'Randomized with number %1: %2': 'Randomisé avec le numéro %1 : %2',
    'Dosing plan': 'Plan posologique',
    'Ideal body weight: %1': 'Poids idéal théorique : %1',
    'Step %1: %2 ng/kg/min = %3 mL/h': 'Palier %1 : %2 ng/kg/min = %3 mL/h',
    'The rates are the same for every box.': 'Les débits sont les mêmes pour toutes les boîtes.',
    'Titration: %1': 'Titration : %1',
    'next step in %1': 'prochain palier dans %1',
    'Start infusion': 'Débuter la perfusion',
    'MAP < 65': 'PAM < 65',
    'PaO2/FiO2 < 100': 'PaO2/FiO2 < 100',
    'Resolved': 'Résolu',
    'MAP < 50 > 5 min': 'PAM < 50 > 5 min',
    'Severe bleeding': 'Saignement grave',
    'Surgery': 'Chirurgie',
    'Resume': 'Reprendre',
    'Emergency unblinding': "Levée d'aveugle en urgence",
    'Only when the treating team must know the drug now. The request, your name and the reason are recorded and the sponsor is alerted.':
        "Uniquement si l'équipe soignante doit connaître le traitement maintenant. La demande, votre nom et le motif sont enregistrés et le promoteur est alerté.",
    'Unblind this subject': "Lever l'aveugle pour ce patient",
    'Central mottling review': 'Relecture centralisée des marbrures',
    'Central review': 'Relecture centralisée',
    '%1 · central assessors only · online': '%1 · évaluateurs centraux uniquement · en ligne',
    'Central mottling review · %1': 'Relecture centralisée des marbrures · %1',
    '%1 of %2 left to score': '%1 sur %2 à coter',
    'Refresh': 'Actualiser',
    'Log out': 'Déconnexion',
    'to score': 'à coter',
    'Photo %1': 'Photo %1',
    'No photo open': 'Aucune photo ouverte',
    'Mottling score': 'Score de marbrures',
    'Extent of mottling from the knee (Ait-Oufella 2011). Tap the score you read on the photo.':
        "Étendue des marbrures à partir du genou (Ait-Oufella 2011). Touchez le score lu sur la photo.",
    'The tablet database cannot be opened: %1': "La base de la tablette ne peut pas être ouverte : %1",
    'Subject number': 'Numéro de patient',
    'Initials': 'Initiales',
    'Register subject': 'Inscrire le patient',
    'OVERDUE': 'EN RETARD',
    'next reminder %1': 'prochain rappel %1',
    'visit due today': "visite prévue aujourd'hui",
    'visit overdue': 'visite en retard',
    'consent awaited': 'consentement attendu',
    'open query': 'requête ouverte',
    'conflict': 'conflit',
    'changes not yet sent': 'modifications non envoyées',
    '%1 · %2': '%1 · %2',
    'site %1': 'site %1',
    'Visit overdue': 'Visite en retard',
    'Visit due today': "Visite prévue aujourd'hui",
    "No subjects yet. Register one above, or sync to receive the site's subjects.":
        'Aucun patient. Inscrivez-en un ci-dessus, ou synchronisez pour recevoir les patients du site.',
    'site': 'site',
    'All changes sent': 'Toutes les modifications sont envoyées',
    'Last sync: %1': 'Dernière synchronisation : %1',
    'Syncing…': 'Synchronisation…',
    'Sync': 'Synchroniser',
    'Last sync failed: %1': 'Échec de la dernière synchronisation : %1',
    '%1 s: %2 (abnormal above %3 s)': '%1 s : %2 (anormal au-delà de %3 s)',
    'abnormal': 'anormal',
    'normal': 'normal',
    '; pressure held %1 s, the protocol asks 10 s': ' ; pression maintenue %1 s, le protocole demande 10 s',
    'What you typed is not kept on this tablet yet (%1). Save the form, or keep this page open.':
        "Ce que vous avez saisi n'est pas encore conservé sur cette tablette (%1). Enregistrez le formulaire, ou gardez cette page ouverte.",
    'Unsaved input from %1 was kept on this tablet and is shown again: save it, or discard it.':
        'Une saisie non enregistrée du %1 a été conservée sur cette tablette et est réaffichée : enregistrez-la ou abandonnez-la.',
    '%1 is not a photo item of this form': "%1 n'est pas un item photo de ce formulaire",
    'The photo %1 cannot be read': 'La photo %1 ne peut pas être lue',
    'The photo %1 is too large (%2 MB; the limit is %3 MB)': 'La photo %1 est trop volumineuse (%2 Mo ; la limite est %3 Mo)',
    'The photo %1 was not kept: %2': "La photo %1 n'a pas été conservée : %2",
    'Photo kept in the encrypted store; save the form to record it.':
        'Photo conservée dans la base chiffrée ; enregistrez le formulaire pour la consigner.',
    'Answer not accepted: ': 'Réponse non acceptée : ',
    'Marked entered in error; the values stay in the audit trail.':
        "Marqué saisi par erreur ; les valeurs restent dans la piste d'audit.",
    'Record restored.': 'Enregistrement rétabli.',
    'Not connected to the tablet store.': 'Non connecté à la base de la tablette.',
    'Not saved: correct the values marked in red first.': "Non enregistré : corrigez d'abord les valeurs en rouge.",
    'Not saved: confirm the unusual values and give a value or a reason for each required item.':
        'Non enregistré : confirmez les valeurs inhabituelles et donnez une valeur ou un motif pour chaque item obligatoire.',
    'Nothing changed.': 'Aucune modification.',
    'Signed by %1 on %2: %3': 'Signé par %1 le %2 : %3',
    'Signature of %1 (%2) broken: the data changed since. A new signature is needed.':
        'Signature de %1 (%2) rompue : les données ont changé depuis. Une nouvelle signature est nécessaire.',
    'Signed.': 'Signé.',
    'Enter your user id and password.': 'Saisissez votre identifiant et votre mot de passe.',
    'No photo to score yet: photos appear here once the gateway has verified them.':
        'Aucune photo à coter : les photos apparaissent ici une fois vérifiées par la passerelle.',
    'Open a photo first.': "Ouvrez d'abord une photo.",
    '%1 scored %2.': '%1 coté %2.',
    'already the id of event %1 of device %2': "déjà l'identifiant de l'événement %1 de l'appareil %2",
    'The gateway at %1 is out of reach, so nothing was sent: check the network, then try again.':
        "La passerelle %1 est injoignable, rien n'a donc été envoyé : vérifiez le réseau, puis réessayez.",
    'never': 'jamais',
    'Subject number: use 1 to 20 letters, digits or dashes.': 'Numéro de patient : 1 à 20 lettres, chiffres ou tirets.',
    'Initials: use 1 to 4 letters.': 'Initiales : 1 à 4 lettres.',
    'This subject is already registered.': 'Ce patient est déjà inscrit.',
    'Subject registered.': 'Patient inscrit.',
    'The password is wrong.': 'Le mot de passe est incorrect.',
    'Casebook signed by %1 on %2': 'Cahier signé par %1 le %2',
    'Casebook signature of %1 (%2) broken: data changed since. A new signature is needed.':
        'Signature du cahier de %1 (%2) rompue : les données ont changé depuis. Une nouvelle signature est nécessaire.',
    'Conflict': 'Conflit',
    'Query open': 'Requête ouverte',
    'Entered in error': 'Saisi par erreur',
    'Changed since signed': 'Modifié depuis la signature',
    'Signed': 'Signé',
    'Complete': 'Complet',
    'Partial': 'Partiel',
    'None recorded': 'Aucune saisie',
    'Empty': 'Vide',
    'Not included (screening data only)': 'Non inclus (données de sélection uniquement)',
    'Emergency inclusion, consent to be sought': "Inclusion en urgence, consentement à recueillir",
    'Relative consented, patient to be asked': 'Proche a consenti, patient à interroger',
    'Consent to continue given': 'Consentement de poursuite donné',
    'Refused to continue (data kept)': 'Refus de poursuivre (données conservées)',
    'Withdrew (data kept)': 'Retrait (données conservées)',
    'Died before consent could be sought': 'Décédé avant le recueil du consentement',
    'Lost to follow-up': 'Perdu de vue',
    'Objected to the use of data (out of analysis)': "Opposition à l'utilisation des données (hors analyse)",
    'Take photo…': 'Prendre une photo…',
    'Cancel': 'Annuler',
    'Take photo': 'Prendre la photo',
    'The camera gave no picture: take the photo again': "L'appareil photo n'a donné aucune image : reprenez la photo",
    'The photo could not be encoded: take it again': "La photo n'a pas pu être encodée : reprenez-la",
    'from the camera': "de l'appareil photo",
    'No camera on this device: import the photo from a file.':
        "Pas d'appareil photo sur cet appareil : importez la photo depuis un fichier.",
    'The camera failed: %1': "L'appareil photo a échoué : %1",
    'The photo was not taken: %1': "La photo n'a pas été prise : %1",
    'Start the camera first.': "Démarrez d'abord l'appareil photo.",
    'Box %1: %2. Recorded in the security log; the sponsor has been alerted.':
        'Boîte %1 : %2. Consigné dans le journal de sécurité ; le promoteur a été alerté.',
}

# Plural forms: French [one (0 and 1), other]; English [one, other].
PLURAL = {
    'Consent to seek: %n subject(s)': (['Consentement à recueillir : %n patient', 'Consentement à recueillir : %n patients'],
                                       ['Consent to seek: %n subject', 'Consent to seek: %n subjects']),
    '%n open query(ies)': (['%n requête ouverte', '%n requêtes ouvertes'], ['%n open query', '%n open queries']),
    '%n conflict(s)': (['%n conflit', '%n conflits'], ['%n conflict', '%n conflicts']),
    '%n change(s) not yet sent': (['%n modification non envoyée', '%n modifications non envoyées'],
                                  ['%n change not yet sent', '%n changes not yet sent']),
    '%n photo(s) not yet sent': (['%n photo non envoyée', '%n photos non envoyées'],
                                 ['%n photo not yet sent', '%n photos not yet sent']),
    '%n change(s) refused by the gateway (kept on this tablet and in the audit trail). Latest: %1': (
        ["%n modification refusée par la passerelle (conservée sur cette tablette et dans la piste d'audit). Dernière : %1",
         "%n modifications refusées par la passerelle (conservées sur cette tablette et dans la piste d'audit). Dernière : %1"],
        ['%n change refused by the gateway (kept on this tablet and in the audit trail). Latest: %1',
         '%n changes refused by the gateway (kept on this tablet and in the audit trail). Latest: %1']),
    'Saved on this tablet (%n value(s)).': (['Enregistré sur cette tablette (%n valeur).',
                                             'Enregistré sur cette tablette (%n valeurs).'],
                                            ['Saved on this tablet (%n value).', 'Saved on this tablet (%n values).']),
}


def fill(path, language):
    tree = ET.parse(path)
    missing = []
    for message in tree.getroot().iter('message'):
        source = message.find('source').text
        translation = message.find('translation')
        for child in list(translation):
            translation.remove(child)
        translation.text = None
        if message.get('numerus') == 'yes':
            forms = PLURAL.get(source)
            if not forms:
                missing.append(source)
                translation.set('type', 'unfinished')
                continue
            for form in forms[0 if language == 'fr' else 1]:
                ET.SubElement(translation, 'numerusform').text = form
            translation.attrib.pop('type', None)
        elif language == 'fr':
            if source in FR:
                translation.text = FR[source]
                translation.attrib.pop('type', None)
            else:
                missing.append(source)
                translation.set('type', 'unfinished')
        else:
            translation.set('type', 'unfinished')  # English: the source text itself
    tree.write(path, encoding='utf-8', xml_declaration=True)
    return missing


if __name__ == '__main__':
    here = Path(__file__).parent
    missing = fill(here / 'crf_fr.ts', 'fr')
    fill(here / 'crf_en.ts', 'en')
    for m in missing:
        print('untranslated (fr):', repr(m), file=sys.stderr)
    sys.exit(0)
