# Nederlandse teksten. Elke sleutel hier staat ook in en.ftl (een test controleert dat).
lang-name = Nederlands
nav-login = Inloggen
nav-logout = Uitloggen
footer-language = Taal

wait-seconds = { $n ->
    [one] over 1 seconde
   *[other] over { $n } seconden
}
wait-minutes = { $n ->
    [one] over 1 minuut
   *[other] over { $n } minuten
}
wait-hours = { $n ->
    [one] over 1 uur
   *[other] over { $n } uur
}

login-title = Inloggen
login-intro = Log in met uw e-mailadres en wachtwoord. Daarna volgt een tweede stap met uw authenticator-app of beveiligingssleutel.
field-email = E-mailadres
field-password = Wachtwoord
field-confirm = Herhaal wachtwoord
field-name = Uw naam
show-password = Toon wachtwoord
hide-password = Verberg wachtwoord
login-submit = Inloggen
login-error-invalid = Onjuist e-mailadres of wachtwoord.
login-error-throttled = Te veel mislukte pogingen. U kunt het { $wait } opnieuw proberen.
login-error-disabled = Dit account is geblokkeerd. Neem contact op met uw beheerder.

invite-title = Uw account instellen
invite-intro = U bent uitgenodigd voor { $service } met het e-mailadres { $email }.
invite-intro-org = U bent door { $org } uitgenodigd voor { $service }, met het e-mailadres { $email }.
invite-role = Rol: { $role }
setup-title = De eerste beheerder instellen
setup-intro = Deze eenmalige link maakt het eerste account van deze { $service }-installatie aan: een klantenservicebeheerder, die daarna organisaties kan aanmaken en mensen kan uitnodigen.
password-hint = Minstens 12 tekens. Een zin of een paar losse woorden is sterk en makkelijk te onthouden. Plakken vanuit een wachtwoordmanager mag.
invite-submit = Opslaan en verder
link-expires = Deze link is geldig tot { $when } (UTC).

role-main_admin = hoofdbeheerder
role-user_admin = gebruikersbeheerder
role-employee = medewerker
role-customer_service = klantenservice

pw-too-short = Het wachtwoord moet minstens { $min } tekens lang zijn.
pw-too-long = Het wachtwoord mag hoogstens { $max } tekens lang zijn.
pw-contains-email = Het wachtwoord mag uw e-mailadres niet bevatten.
pw-common = Dit is een veelgebruikt wachtwoord. Kies iets dat minder voorspelbaar is.
pw-pattern = Dit wachtwoord is een voorspelbaar patroon (een rij toetsen, een herhaling, een reeks of een datum).
pw-word = Eén woord of naam is makkelijk te raden. Voeg een paar andere, losse woorden toe.
pw-guessable = Dit wachtwoord is te makkelijk te raden. Maak het langer of minder voorspelbaar.
pw-mismatch = De twee wachtwoorden zijn niet gelijk.
name-invalid = Vul uw naam in (hoogstens 100 tekens).
email-invalid = Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.
email-taken = Er bestaat al een account met dit e-mailadres. Log in.


home-title = Welkom
home-signed-in = U bent ingelogd als { $name } ({ $email }).

error-title = Er klopt iets niet
error-bad-request = Het formulier kon niet gelezen worden. Ga terug, controleer wat u invulde en probeer het opnieuw.
error-csrf = Dit formulier is verlopen of werd vanaf een andere site verstuurd. Laad de pagina opnieuw en probeer het nog eens.
error-not-found = Deze pagina bestaat niet.
error-invalid-token = Het aanmeldtoken is ongeldig of verlopen. Ga terug naar de dienst en meld u opnieuw aan.
error-too-large = Wat u verstuurde is te groot.
error-unsupported-media = Dit soort verzoek wordt hier niet geaccepteerd.
error-method = Dit adres accepteert dit soort verzoek niet.
error-internal = Er ging bij ons iets mis. Probeer het opnieuw; blijft het gebeuren, geef dan de referentie hieronder aan de klantenservice.
error-unavailable = De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.
error-link-unknown = Deze link is niet geldig. Controleer of u de hele link uit uw e-mail hebt geopend.
error-link-used = Deze link is al gebruikt. Log in met uw e-mailadres en wachtwoord.
error-link-expired = Deze link is verlopen. Vraag uw beheerder of de klantenservice om een nieuwe uitnodiging, of registreer opnieuw als u zich zelf had geregistreerd.
error-unknown-org = Deze organisatie bestaat niet.
error-org-taken = Er bestaat al een organisatie met deze naam.
error-main-admin-exists = Deze organisatie heeft al een hoofdbeheerder.
error-role-not-invitable = Een hoofdbeheerder wordt met de organisatie aangemaakt, niet uitgenodigd.
request-id = Referentie: { $id }
back-home = Naar de startpagina

back = Terug
mfa-setup-title = Extra verificatie (MFA) instellen
mfa-setup-intro = Elke inlog vraagt naast uw wachtwoord een tweede stap. Stel hieronder minstens één methode in en kies daarna Voltooien.
mfa-method-app = Authenticator-app
mfa-method-app-help = Een gratis app op uw smartphone, zoals Google Authenticator, Microsoft Authenticator of DUO Mobile, toont elke 30 seconden een nieuwe code van 6 cijfers.
mfa-setup-button = Instellen
mfa-method-done = Ingesteld
mfa-finish = Voltooien
mfa-finish-hint = Voltooien kan zodra een methode een groen vinkje heeft.

app-phone-title = Welke telefoon heeft u?
app-phone-intro = Zo weten we waar u de authenticator-app kunt vinden.
app-phone-android = Android
app-phone-iphone = iPhone
app-phone-other = Anders
app-phone-choose = Kies het type van uw telefoon.
app-next = Volgende
app-get-android = Heeft u nog geen authenticator-app, installeer dan de gratis Google Authenticator uit de Google Play Store op uw telefoon. Microsoft Authenticator en DUO Mobile werken ook.
app-get-iphone = Heeft u nog geen authenticator-app, installeer dan de gratis Google Authenticator uit de App Store op uw iPhone. Microsoft Authenticator en DUO Mobile werken ook.
app-get-other = Heeft u nog geen authenticator-app, installeer er dan een op uw telefoon: Google Authenticator, Microsoft Authenticator en DUO Mobile werken alle drie, net als elke app voor tijdgebonden codes (TOTP).
app-scan-title = Voeg dit account toe aan uw authenticator-app
app-scan-step = Tik in de app op "+" en kies "QR-code scannen". Richt de camera van uw telefoon op de QR-code hieronder.
app-qr-alt = QR-code om te scannen met uw authenticator-app
app-cant-scan = Lukt scannen niet?
app-manual-intro = Tik in de app op "+" en kies "Instelsleutel invoeren" (of "Sleutel handmatig invoeren"). Vul dan in:
app-manual-account = Account
app-manual-key = Sleutel
app-manual-type-label = Type sleutel
app-manual-type = Op tijd gebaseerd
app-copy = Kopieer sleutel
app-copied = Gekopieerd
app-phone-path = Stelt u in op deze telefoon zelf?
app-open-link = Open in authenticator-app
app-code-title = Vul de code uit de app in
app-code-step = De app toont nu een code van 6 cijfers voor { $service }. Vul die hier in en kies Verifiëren.
app-verify = Verifiëren
app-expires = Deze QR-code is geldig tot { $when } (UTC). Begin daarna opnieuw voor een nieuwe.
field-code = Code van 6 cijfers

challenge-title = Extra verificatie
challenge-intro = Open uw authenticator-app en vul de code van 6 cijfers in die de app voor { $service } toont.
challenge-submit = Verifiëren

code-error-empty = Vul de code van 6 cijfers uit uw authenticator-app in.
code-error-format = Een code heeft precies 6 cijfers, zoals 123 456.
code-wrong = Deze code klopt niet. Gebruik de code die bij dit account staat en vul hem in voordat hij verandert.
code-replayed = Deze code is al gebruikt. Wacht op de volgende code in uw app: elke 30 seconden verschijnt een nieuwe.
clock-ahead = Deze code klopt niet, maar het is de code die uw app zou tonen als de klok van uw telefoon { $minutes ->
    [one] ongeveer 1 minuut
   *[other] ongeveer { $minutes } minuten
} voorliep. De klok van uw telefoon staat verkeerd; zet hem goed en probeer de nieuwe code:
clock-behind = Deze code klopt niet, maar het is de code die uw app zou tonen als de klok van uw telefoon { $minutes ->
    [one] ongeveer 1 minuut
   *[other] ongeveer { $minutes } minuten
} achterliep. De klok van uw telefoon staat verkeerd; zet hem goed en probeer de nieuwe code:
clock-fix-android = Android: open Google Authenticator, tik op de drie puntjes (Meer) en dan Instellingen → Tijdcorrectie voor codes → Nu synchroniseren.
clock-fix-iphone = iPhone: open Instellingen → Algemeen → Datum en tijd en zet Automatisch instellen aan (de iPhone herstarten kan helpen).
mfa-error-locked = Te veel verkeerde codes: de extra verificatie van dit account is geblokkeerd. Vraag uw beheerder of de klantenservice om de blokkade op te heffen.
error-setup-unknown = Deze instelling bestaat niet (meer). Begin opnieuw vanaf de pagina voor MFA-instellingen.
error-setup-expired = Deze QR-code is verlopen. Begin opnieuw voor een nieuwe.
error-no-mfa-method = Stel eerst minstens één methode in.
error-wrong-stage = Deze stap is nu niet beschikbaar. Ga naar de startpagina om verder te gaan.

## Beveiligingssleutels (FIDO2 / WebAuthn)
mfa-method-key = Beveiligingssleutel
mfa-method-key-help = Een FIDO2-beveiligingssleutel, zoals een YubiKey 5 NFC, een Security Key NFC by Yubico of een Feitian ePass FIDO2, die u in een USB-poort steekt (of tegen uw telefoon houdt) en aanraakt.
key-add-another = Nog een sleutel toevoegen
key-rdp = Werkt u via Microsoft Extern bureaublad op een thin client? Beveiligingssleutels werken daar niet doorheen: stel dan de authenticator-app in.
key-setup-title = Beveiligingssleutel instellen
key-setup-intro = Houd uw beveiligingssleutel bij de hand. Als u op Registreren klikt, leidt uw browser u door deze stappen:
key-step-insert = Steek de sleutel in een USB-poort van deze computer (of houd hem klaar om tegen de lezer te houden).
key-step-where = Vraagt de browser waar de passkey moet worden opgeslagen, kies dan "Beveiligingssleutel" (niet dit apparaat of uw telefoon).
key-step-allow = Vraagt de browser of hij merk en model van uw sleutel mag zien, sta dat toe: deze pagina toont dan welke sleutel u hebt geregistreerd.
key-step-pin = Heeft uw sleutel een pincode, voer die dan in.
key-step-pin-required = Voer de pincode van uw sleutel in. Deze dienst accepteert alleen sleutels met een pincode; een sleutel zonder pincode wordt geweigerd.
key-step-touch = Raak de sleutel aan als hij knippert.
key-enroll = Registreren
key-yours = Uw beveiligingssleutels
key-name = Naam
key-rename = Naam wijzigen
key-model-unknown = Model onbekend
key-added = toegevoegd { $when } UTC
key-back-to-setup = Terug naar het overzicht
key-default-name = Beveiligingssleutel
key-name-invalid = Geef de sleutel een naam van 1 tot 64 tekens.
key-msg-waiting = Volg de aanwijzingen van uw browser: steek de sleutel erin, voer zo nodig de pincode in en raak de sleutel aan.
key-msg-checking = De sleutel wordt gecontroleerd…
key-msg-cancelled = De stap met de beveiligingssleutel is afgebroken. Klik op de knop om het opnieuw te proberen.
key-msg-cancelled-pin = De stap met de beveiligingssleutel is zonder antwoord geëindigd: hij is afgebroken, of de sleutel heeft geen pincode (deze dienst vereist er een; uw browser biedt aan die in te stellen). Klik op de knop om het opnieuw te proberen.
key-msg-timeout = De sleutel is niet op tijd aangeraakt. Klik op de knop om het opnieuw te proberen.
key-msg-unsupported = Deze browser kan geen beveiligingssleutels gebruiken. Gebruik een recente versie van Chrome, Edge, Firefox of Safari, of stel de authenticator-app in.
key-msg-security = De browser weigerde de sleutel voor dit adres. Open de inlogpagina op het gebruikelijke adres en probeer het opnieuw.
key-msg-failed = De stap met de beveiligingssleutel is mislukt. Probeer het opnieuw, of gebruik een andere sleutel.
key-msg-needs-script = Beveiligingssleutels hebben JavaScript nodig. Zet het aan voor deze site, of stel de authenticator-app in.
key-error-already-registered = Deze beveiligingssleutel is al geregistreerd. Gebruik een andere sleutel, of klik op Voltooien.
key-error-malformed = Het antwoord van de sleutel via de browser kon niet worden gelezen. Probeer het opnieuw.
key-error-ceremony-unknown = Deze stap met de beveiligingssleutel is niet meer geldig (hij is al gebruikt of in een ander venster gestart). Probeer het opnieuw.
key-error-ceremony-expired = De stap met de beveiligingssleutel duurde langer dan 5 minuten. Probeer het opnieuw.
key-error-policy-known = Deze sleutel wordt niet geaccepteerd: deze dienst accepteert alleen modellen beveiligingssleutel die bekend zijn uit de FIDO-metadata (beleid "bekende modellen"). Gebruik een andere sleutel of de authenticator-app.
key-error-policy-allow-list = Deze sleutel wordt niet geaccepteerd: deze dienst accepteert alleen de modellen beveiligingssleutel op de toegestane lijst (beleid "toegestane lijst"). Gebruik een andere sleutel of de authenticator-app.
key-error-attestation = Deze sleutel wordt niet geaccepteerd: hij kon niet bewijzen dat hij het model is dat hij zegt te zijn (beleid "bekende modellen"). Gebruik een andere sleutel of de authenticator-app.
key-error-pin-required = Deze sleutel wordt niet geaccepteerd zonder pincode: deze dienst vereist sleutels die u met een pincode controleren (beleid "pincode verplicht"). Stel een pincode in op de sleutel, of gebruik een andere sleutel.
key-error-failed = De beveiligingssleutel kon niet worden gecontroleerd. Probeer het opnieuw.
key-error-unknown-key = Deze beveiligingssleutel is niet aan uw account gekoppeld. Gebruik de sleutel die u hebt geregistreerd.
key-error-clone = Deze beveiligingssleutel is geweigerd omdat hij mogelijk is gekopieerd. Neem contact op met uw beheerder (of de klantenservice) voordat u hem weer gebruikt.
challenge-key-intro = Steek uw beveiligingssleutel erin, klik op de knop hieronder en raak de sleutel aan om in te loggen bij { $service }.
challenge-key-button = Beveiligingssleutel gebruiken
challenge-use-app = Toch de authenticator-app gebruiken
challenge-use-key = Toch een beveiligingssleutel gebruiken

# Menu
nav-menu = Menu
nav-profile = Profiel
nav-dashboard = Overzicht
nav-users = Gebruikers
nav-audit = Auditlog
cancel = Annuleren
page-next = Volgende pagina
page-previous = Vorige pagina

# Login notices and refusals
login-notice-reset = Uw MFA is gereset en u bent overal uitgelogd. Log in om uw authenticator-app of beveiligingssleutel opnieuw in te stellen.
login-notice-logged-out = U bent uitgelogd.
login-error-enrollment-expired = Uw MFA is gereset, maar niet op tijd opnieuw ingesteld. Voor uw veiligheid kunt u niet meer met alleen uw wachtwoord inloggen: vraag uw beheerder (of de klantenservice) uw MFA opnieuw te resetten.

# Fresh check before an MFA change
recheck-title = Bevestig dat u het bent
recheck-intro = Bevestig met uw authenticator-app of beveiligingssleutel dat u het bent voordat u uw extra verificatie wijzigt.
error-recheck-required = Bevestig eerst met uw authenticator-app of beveiligingssleutel dat u het bent.
mfa-back-to-profile = Terug naar uw profiel

# Profile
profile-title = Profiel
profile-org = Organisatie
profile-role = Rol
role-individual = particulier (geen organisatie)
profile-change-password = Wachtwoord wijzigen
profile-mfa = Extra verificatie (MFA)
profile-method-added = toegevoegd { $when }
profile-method-used = laatst gebruikt { $when }
profile-never = nooit
profile-remove = Verwijderen
profile-last-method = Dit is uw enige methode en kan daarom niet worden verwijderd. Gebruik Resetten om haar te vervangen.
profile-add-method = Nog een methode toevoegen
profile-rename-keys = Beveiligingssleutels hernoemen
profile-reset = Resetten
profile-reset-hint = Nieuwe telefoon? Gebruik Resetten zolang uw oude telefoon nog werkt: alle methoden worden verwijderd, u wordt overal uitgelogd en bij uw volgende inlog stelt u uw nieuwe telefoon in.
profile-lost-admin = Telefoon kwijt? Vraag uw beheerder uw MFA te resetten.
profile-lost-support = Telefoon kwijt? Vraag de klantenservice uw MFA te resetten.
profile-sessions = Waar u bent ingelogd
profile-this-device = dit apparaat
profile-last-seen = laatst actief { $when }
profile-device-unknown = onbekend apparaat
profile-logout-everywhere = Overal uitloggen
profile-back = Terug naar uw profiel
error-last-method = Uw laatste MFA-methode kan niet worden verwijderd. Gebruik Resetten om haar te vervangen.
error-method-unknown = Deze MFA-methode bestaat niet (meer).
error-session-unknown = Deze sessie is al beëindigd.

# Reset of one's own MFA
reset-title = Uw extra verificatie resetten
reset-intro = Gebruik dit als u overstapt op een nieuwe telefoon of beveiligingssleutel terwijl de oude nog werkt.
reset-effect-methods = Al uw authenticator-apps en beveiligingssleutels worden verwijderd.
reset-effect-sessions = U wordt overal uitgelogd, op elk apparaat.
reset-effect-setup = Bij uw volgende inlog stelt u MFA opnieuw in, direct na uw wachtwoord.
reset-confirm = Mijn MFA resetten en uitloggen

# Password change
password-title = Wachtwoord wijzigen
password-current = Huidig wachtwoord
password-new = Nieuw wachtwoord
password-submit = Wachtwoord wijzigen
password-changed = Uw wachtwoord is gewijzigd. Uw andere sessies zijn uitgelogd.
error-wrong-current-password = Het huidige wachtwoord is onjuist.

# Organization: users
org-users-title = Gebruikers
member-name = Naam
org-search = Zoeken op e-mailadres of naam
org-search-button = Zoeken
org-status = Status
org-last-login = Laatste login
org-no-users = Geen gebruikers gevonden.
org-invite-title = Een gebruiker uitnodigen
org-invite-button = Uitnodiging versturen
org-invited = Er is een uitnodiging verstuurd naar { $email }.
org-email-taken = Er bestaat al een account met dit e-mailadres (in deze of een andere organisatie). Zoek het op in de lijst, of vraag de klantenservice.
status-invited = uitgenodigd
status-active = actief
status-disabled = geblokkeerd
mfa-state-none = geen MFA
mfa-state-app = app
mfa-state-key = beveiligingssleutel
mfa-state-both = app en sleutel
org-enroll-by = Moet MFA instellen vóór
org-invitation-expired = De uitnodiging is verlopen; verstuur een nieuwe.
org-resend = Uitnodiging opnieuw versturen
org-revoke = Uitnodiging intrekken
org-reset = MFA resetten
org-reset-hint = Reset de MFA als iemand zijn telefoon of beveiligingssleutel kwijt is: de methoden worden verwijderd, de gebruiker wordt uitgelogd en stelt bij de volgende login MFA opnieuw in (standaard binnen 72 uur). De gebruiker krijgt hierover een e-mail.
org-disable = Blokkeren
org-enable = Deblokkeren
org-make-user-admin = Gebruikersbeheerder maken
org-make-employee = Medewerker maken
org-hand-over = Hoofdbeheerder maken (u wordt gebruikersbeheerder)
org-member-events = Recente beveiligingsgebeurtenissen
org-back = Terug naar gebruikers
org-reset-confirm-intro = De extra verificatie (MFA) van { $email } resetten?
org-reset-effect-methods = Al hun authenticator-apps en beveiligingssleutels worden verwijderd.
org-reset-effect-sessions = Ze worden overal uitgelogd en krijgen een e-mail over de reset.
org-reset-effect-window = Bij hun volgende inlog stellen ze MFA opnieuw in, binnen { $hours } uur; daarna moeten ze het opnieuw vragen.
org-reset-confirm-check = Controleer of zij het echt zelf vragen (bijvoorbeeld door terug te bellen): na een reset kan wie hun wachtwoord kent een nieuwe telefoon instellen.
org-reset-confirm = De MFA van { $email } resetten
org-reset-done = De MFA is gereset. De gebruiker is uitgelogd en heeft een e-mail gekregen.
org-enabled = Het account is gedeblokkeerd.
org-disabled = Het account is geblokkeerd en overal uitgelogd.
org-role-changed = De rol is gewijzigd.
org-handed-over = Deze gebruiker is nu de hoofdbeheerder; u bent gebruikersbeheerder.
org-invitation-resent = Er is een nieuwe uitnodiging verstuurd; de oude link werkt niet meer.
error-not-admin = Alleen beheerders van een organisatie kunnen deze pagina openen.
error-user-unknown = Deze gebruiker bestaat niet in uw organisatie.
error-already-reset = De MFA van deze gebruiker is al gereset en wacht op opnieuw instellen.
error-not-invited = Deze gebruiker heeft geen openstaande uitnodiging.
error-not-support = Alleen de klantenservice kan deze pagina openen.
error-reason-required = Geef een reden op (die wordt vastgelegd en aan de gebruiker getoond).
error-not-yet-active = Deze gebruiker heeft de uitnodiging nog niet geaccepteerd, dus er is geen MFA om te resetten. Verstuur de uitnodiging zo nodig opnieuw.
error-unchanged = Er is niets gewijzigd: het account was al in die toestand.
reset-refused-only-customer-service = Alleen de klantenservice kan de MFA resetten van een hoofdbeheerder of van iemand zonder organisatie. Vraag de gebruiker contact op te nemen met de klantenservice.
reset-refused-only-main-admin = Alleen de hoofdbeheerder van de organisatie (of de klantenservice) kan de MFA van een gebruikersbeheerder resetten.
reset-refused-not-theirs = U kunt alleen de MFA resetten van gebruikers die u in uw eigen organisatie beheert.
manage-refused-other-org = U kunt alleen gebruikers van uw eigen organisatie beheren.
manage-refused-only-main-admin = Alleen de hoofdbeheerder kan dit doen.
manage-refused-main-admin-fixed = De hoofdbeheerder kan niet worden geblokkeerd of teruggezet; de hoofdbeheerder kan de rol overdragen aan een ander lid.
manage-refused-own-account = Dit kunt u niet met uw eigen account doen.

# Dashboard
dashboard-title = Overzicht
dashboard-with-mfa = actieve gebruikers met MFA
dashboard-open-invitations = openstaande uitnodigingen
dashboard-by-method = Gebruikers per MFA-methode
dashboard-recent = Recente beveiligingsgebeurtenissen
dashboard-all-events = Alle gebeurtenissen

# Audit log
audit-title = Auditlog
audit-user = Gebruiker
audit-event = Gebeurtenis
audit-any = alle
audit-from = Van
audit-until = Tot en met
audit-filter = Filteren
audit-export = Exporteren
audit-when = Wanneer (UTC)
audit-actor = Door
audit-target = Gebruiker
audit-empty = Geen gebeurtenissen.
event-api_token_created = API-token aangemaakt
event-api_token_revoked = API-token ingetrokken
event-api_token_refused = API-token geweigerd (verlopen, ingetrokken of de maker is geen beheerder meer)
event-api_call_refused = API-aanroep geweigerd (recht ontbreekt)
event-admin_action_refused = beheeractie geweigerd
event-invitation_accepted = uitnodiging geaccepteerd
event-invitation_resent = uitnodiging opnieuw verstuurd
event-invitation_revoked = uitnodiging ingetrokken
event-login_failed = inloggen mislukt
event-login_mfa_ok = ingelogd
event-login_password_ok = wachtwoord juist
event-login_refused_disabled = inloggen geweigerd: account geblokkeerd
event-login_refused_enrollment_expired = inloggen geweigerd: MFA niet op tijd ingesteld
event-login_throttled = inloggen vertraagd
event-logout = uitgelogd
event-main_admin_handed_over = hoofdbeheerder overgedragen
event-mfa_method_removed = MFA-methode verwijderd
event-mfa_recheck_ok = identiteit bevestigd
event-mfa_reset = MFA gereset
event-mfa_reset_refused = MFA-reset geweigerd
event-mfa_security_key_added = beveiligingssleutel toegevoegd
event-mfa_setup_finished = MFA-instelling voltooid
event-mfa_totp_added = authenticator-app toegevoegd
event-org_created = organisatie aangemaakt
event-password_change_failed = wachtwoordwijziging mislukt
event-password_changed = wachtwoord gewijzigd
event-role_changed = rol gewijzigd
event-security_key_clone_suspected = beveiligingssleutel mogelijk gekopieerd
event-security_key_refused_by_policy = beveiligingssleutel geweigerd door beleid
event-security_key_renamed = beveiligingssleutel hernoemd
event-security_key_setup_refused = beveiligingssleutel geweigerd
event-security_key_setup_started = instellen beveiligingssleutel gestart
event-session_ended = sessie beëindigd
event-sessions_ended_everywhere = overal uitgelogd
event-signing_keys_created = sleutels voor het ondertekenen van tokens aangemaakt
event-signing_keys_rotated = sleutels voor het ondertekenen van tokens vervangen
event-throttle_lifted = blokkade opgeheven
event-totp_code_replayed = code twee keer gebruikt
event-totp_setup_code_refused = instelcode geweigerd
event-totp_setup_started = instellen app gestart
event-user_disabled = gebruiker geblokkeerd
event-user_enabled = gebruiker gedeblokkeerd
event-user_invited = gebruiker uitgenodigd
# E-mails. Elke e-mail zegt wat er gebeurde, wanneer, en wat te doen als u het niet was.
email-greeting = Goedendag,
email-when = Wanneer: { $when } (UTC)
email-footer = Dit is een automatisch bericht van { $service } over uw account. Antwoorden worden niet gelezen.
email-contact-administrator = uw beheerder
email-contact-customer-service = de klantenservice
email-contact-either = uw beheerder (of de klantenservice, als u niet bij een organisatie hoort)
email-not-you-urgent = Was u dit niet? Neem dan meteen contact op met { $contact }: iemand anders kan misschien inloggen op uw account.

email-invitation-subject = Uitnodiging voor { $service }
email-invitation-by-org = { $inviter } heeft u namens { $org } uitgenodigd voor { $service }.
email-invitation-org = U bent namens { $org } uitgenodigd voor { $service }.
email-invitation-by = { $inviter } heeft u uitgenodigd voor { $service }.
email-invitation-plain = U bent uitgenodigd voor { $service }.
email-invitation-role = Uw rol: { $role }.
email-invitation-next = Open de link hieronder om uw wachtwoord te kiezen. Daarna stelt u een tweede stap voor het inloggen in: een authenticator-app of een beveiligingssleutel.
email-invitation-button = Uw account instellen
email-invitation-expires = De link werkt één keer en is geldig tot { $when } (UTC). Stuur deze e-mail niet door: de link is alleen voor u.
email-invitation-unexpected = Had u deze uitnodiging niet verwacht? Negeer deze e-mail dan; zonder de link kan niemand het account gebruiken.

email-mfa-reset-subject = Uw extra verificatie (MFA) is gereset
email-mfa-reset-self = U hebt de extra verificatie (MFA) van uw account gereset: al uw methoden zijn verwijderd en al uw sessies zijn beëindigd.
email-mfa-reset-self-next = Bij uw volgende inlog stelt u een nieuwe methode in: een authenticator-app of een beveiligingssleutel.
email-mfa-reset-by-org-admin = Een { $role } van { $org } heeft de extra verificatie (MFA) van uw account gereset: al uw methoden zijn verwijderd en al uw sessies zijn beëindigd.
email-mfa-reset-by-admin = Een beheerder heeft de extra verificatie (MFA) van uw account gereset: al uw methoden zijn verwijderd en al uw sessies zijn beëindigd.
email-mfa-reset-by-support = De klantenservice heeft de extra verificatie (MFA) van uw account gereset: al uw methoden zijn verwijderd en al uw sessies zijn beëindigd.
email-mfa-reset-reason = Opgegeven reden: { $reason }
email-mfa-reset-ticket = Ticket: { $ticket }
email-mfa-reset-enroll-by = Log in en stel vóór { $when } (UTC) een nieuwe methode in (een authenticator-app of een beveiligingssleutel). Daarna moet u opnieuw om een reset vragen.

email-mfa-added-subject = Er is een inlogmethode aan uw account toegevoegd
email-mfa-added-app = Er is een authenticator-app aan uw account toegevoegd als tweede stap bij het inloggen.
email-mfa-added-key = Er is een beveiligingssleutel aan uw account toegevoegd als tweede stap bij het inloggen.
email-mfa-added-key-named = Er is een beveiligingssleutel ("{ $name }") aan uw account toegevoegd als tweede stap bij het inloggen.
email-mfa-removed-subject = Er is een inlogmethode van uw account verwijderd
email-mfa-removed-app = Er is een authenticator-app van uw account verwijderd: die werkt niet meer als tweede stap bij het inloggen.
email-mfa-removed-key = Er is een beveiligingssleutel van uw account verwijderd: die werkt niet meer als tweede stap bij het inloggen.
email-mfa-removed-key-named = De beveiligingssleutel "{ $name }" is van uw account verwijderd: die werkt niet meer als tweede stap bij het inloggen.

email-throttled-subject = Mislukte inlogpogingen op uw account
email-throttled-password = Er zijn meerdere verkeerde wachtwoorden ingevoerd voor uw account. Ter bescherming gaat inloggen nu trager: de volgende poging kan vanaf { $until } (UTC), en elke nieuwe mislukte poging maakt de wachttijd langer.
email-throttled-password-you = Was u dit zelf? Wacht dan even en probeer het opnieuw.
email-throttled-password-not-you = Was u dit niet? Er is niemand binnengekomen: de vertraging beschermt uw account. Gebeurt het vaker, neem dan contact op met { $contact }.
email-throttled-second-factor = Uw wachtwoord is goed ingevoerd, maar de tweede stap (een code uit uw authenticator-app of uw beveiligingssleutel) mislukte daarna meerdere keren. Ter bescherming gaat inloggen nu trager: de volgende poging kan vanaf { $until } (UTC).
email-throttled-second-factor-not-you = Was u dit niet? Dan kent iemand anders uw wachtwoord: neem meteen contact op met { $contact }.

# Customer service
nav-support = Klantenservice
nav-orgs = Organisaties
support-title = Een gebruiker zoeken
support-search = E-mailadres, naam of organisatie (het begin is genoeg)
support-back = Terug naar het zoeken
support-password-throttle = Wachtwoordpogingen
support-second-factor-throttle = Pogingen bij de tweede stap
support-throttle-none = geen mislukte pogingen
support-throttle-failures = { $n } recente mislukte { $n ->
    [one] poging
   *[other] pogingen
}, niet vertraagd
support-throttle-until = vertraagd tot { $when } (UTC)
support-throttle-locked = geblokkeerd na te veel mislukte pogingen
support-unlock = Blokkade opheffen
support-unlocked = De blokkade is opgeheven.
support-reason = Reden (verplicht; wordt vastgelegd en aan de gebruiker getoond)
support-reason-hint = Bijvoorbeeld hoe u hebt gecontroleerd dat zij het echt zijn: "telefoon kwijt, teruggebeld op het nummer uit het personeelsdossier".
support-ticket = Ticketnummer (optioneel)
support-members = Leden
support-replace = De hoofdbeheerder vervangen
support-new-main-admin = E-mailadres van de nieuwe hoofdbeheerder (een lid, of een nieuw adres om uit te nodigen)
support-replace-hint = De huidige hoofdbeheerder wordt een geblokkeerde gebruikersbeheerder en wordt uitgelogd.
support-main-admin-replaced = { $email } is nu de hoofdbeheerder (of is daarvoor uitgenodigd).
support-create-org = Een organisatie aanmaken
support-org-name = Naam van de organisatie
support-main-admin-email = E-mailadres van de hoofdbeheerder
support-staff = Medewerkers klantenservice
support-invite-staff = Uitnodigen voor de klantenservice
event-main_admin_replaced = hoofdbeheerder vervangen
## Zelf registreren (particulieren)
login-register = Geen account? Registreren
register-title = Registreren
register-intro = Een eigen account, niet verbonden aan een organisatie (bijvoorbeeld als u binnenhavengeld betaalt). Vul uw e-mailadres in: we sturen u een link om uw naam en wachtwoord te kiezen. Gebruikt uw organisatie { $service }? Vraag dan uw beheerder om een uitnodiging.
register-submit = Link versturen
register-login = Hebt u al een account? Inloggen
register-sent-title = Kijk in uw e-mail
register-sent = We hebben een e-mail gestuurd naar { $email }. Volg de aanwijzingen daarin om verder te gaan. Het kan een paar minuten duren; kijk ook bij uw ongewenste e-mail.
register-closed-title = Registreren is gesloten
register-closed = U kunt zich niet zelf registreren bij { $service }. Vraag de beheerder van uw organisatie of de klantenservice om een uitnodiging.
registration-title = Uw account aanmaken
registration-intro = Kies uw naam en wachtwoord voor { $service }. Uw e-mailadres: { $email }.
error-registration-closed = Registreren is gesloten: vraag uw beheerder of de klantenservice om een uitnodiging.
error-already-registered = Dit e-mailadres heeft al een account. Log daarmee in; bent u uw wachtwoord of telefoon kwijt, neem dan contact op met de klantenservice.
email-verify-subject = Bevestig uw e-mailadres voor { $service }
email-verify-body = Iemand, hopelijk u, wil zich met dit e-mailadres registreren bij { $service }.
email-verify-next = Open de link hieronder om uw naam en wachtwoord te kiezen. Daarna stelt u een tweede stap voor het inloggen in: een authenticator-app of een beveiligingssleutel.
email-verify-button = Account aanmaken
email-verify-expires = De link werkt één keer en is geldig tot { $when } (UTC). Stuur deze e-mail niet door: de link is alleen voor u.
email-verify-unexpected = Hebt u dit niet aangevraagd? Negeer deze e-mail dan: zonder de link wordt er geen account aangemaakt.
email-already-subject = U hebt al een account bij { $service }
email-already-body = Iemand, hopelijk u, wilde zich met dit e-mailadres registreren bij { $service }. Dit adres heeft al een account, dus er is geen nieuw account aangemaakt.
email-already-login = U kunt zoals altijd inloggen met uw e-mailadres en wachtwoord.
email-already-button = Inloggen
email-already-reset-administrator = Telefoon of beveiligingssleutel kwijt? Dan kan uw beheerder uw extra verificatie (MFA) resetten.
email-already-reset-customer-service = Telefoon of beveiligingssleutel kwijt? Dan kan de klantenservice uw extra verificatie (MFA) resetten.
email-already-reset-either = Telefoon of beveiligingssleutel kwijt? Dan kan uw beheerder of de klantenservice uw extra verificatie (MFA) resetten.
email-already-unexpected = Hebt u dit niet aangevraagd? Negeer deze e-mail dan: er is niets veranderd.
# Organization: API tokens
nav-tokens = API-tokens
tokens-title = API-tokens
tokens-intro = Met een token gebruiken de systemen van uw organisatie de beheer-API (de beschrijving staat op /api/openapi.json). Een token handelt als u, beperkt tot zijn rechten: bent u geen beheerder meer, dan werken uw tokens niet meer.
tokens-none = Nog geen tokens.
tokens-name = Naam
tokens-scopes = Rechten
tokens-expires = Verloopt
tokens-last-used = Laatst gebruikt
tokens-state = Status
tokens-live = actief
tokens-expired = verlopen
tokens-revoked = ingetrokken
tokens-revoke = Intrekken
tokens-create-title = Nieuw token
tokens-days = Geldig (dagen, hoogstens 366)
tokens-create = Token aanmaken
tokens-created = Kopieer dit token nu: het wordt niet nog eens getoond.
tokens-revoked-notice = Het token is ingetrokken; het werkt niet meer.
tokens-error-settings = Geef het token een naam, minstens één recht en 1 tot 366 dagen.
scope-users-read = leden bekijken
scope-users-write = leden uitnodigen, blokkeren en deblokkeren, rollen wijzigen
scope-mfa-reset = MFA van leden resetten
scope-audit-read = het auditlog lezen

# OpenID Connect (single sign-on voor de diensten)
error-client-settings = Deze instellingen van de dienst zijn niet geldig.
oidc-refused-no-client = De dienst die u hierheen stuurde, zei niet wie hij is. Ga terug naar de dienst en probeer het opnieuw.
oidc-refused-unknown-client = De dienst die u hierheen stuurde, is niet bij deze login aangemeld (of is uitgeschakeld). Meld het aan de support van de dienst.
oidc-refused-no-redirect = De dienst die u hierheen stuurde, zei niet waarheen u terug moet. Meld het aan de support van de dienst.
oidc-refused-redirect = De dienst vroeg u terug te sturen naar een adres dat hij niet heeft aangemeld; daarom wordt u nergens heen gestuurd. Meld het aan de support van de dienst.
oidc-gone = Dit inlogverzoek is verlopen of al beantwoord. Ga terug naar de dienst en log opnieuw in.
oidc-consent-title = Toegang geven?
oidc-consent-intro = { $service } wil uw login gebruiken. De dienst kan dan zien:
oidc-scope-openid = dat u het bent (een kenmerk dat nooit verandert)
oidc-scope-profile = uw naam en taal
oidc-scope-email = uw e-mailadres
oidc-scope-org = uw organisatie en uw rol daarin
oidc-scope-offline_access = dat u ingelogd blijft zolang u de dienst gebruikt
oidc-scope-other = toegang die de dienst “{ $scope }” noemt
oidc-consent-allow = Toestaan
oidc-consent-deny = Niet toestaan
oidc-needs-key-title = Een beveiligingssleutel is nodig
oidc-needs-key-text = { $service } accepteert alleen logins met een beveiligingssleutel (zoals een YubiKey of een Feitian-sleutel), en uw account heeft er nog geen.
oidc-needs-key-how = Voeg eerst een beveiligingssleutel aan uw account toe: u hebt de sleutel bij de hand nodig en het duurt een minuut. Ga daarna verder naar de dienst en bevestig met de sleutel.
oidc-needs-key-add = Beveiligingssleutel toevoegen
oidc-needs-key-continue = Verder naar { $service }
oidc-needs-key-cancel = Annuleren en terug naar de dienst
oidc-return-title = Terug naar de dienst
oidc-return-text = U wordt teruggestuurd naar de dienst.
oidc-return-link = Verder
oidc-logout-title = Uitloggen
oidc-logout-question = Uitloggen? U wordt uitgelogd bij elke dienst die deze login gebruikt.
oidc-logout-asked-by = { $service } vraagt u uit te loggen.
oidc-logout-button = Uitloggen
oidc-logged-out = U bent uitgelogd.
oidc-continue-service = Verder naar de dienst
oidc-login-again = Opnieuw inloggen
challenge-key-needed = Deze dienst vraagt om uw beveiligingssleutel: bevestig met de sleutel om verder te gaan.
nav-clients = Diensten
clients-intro = De diensten die deze login gebruiken (OpenID Connect-clients). Redirect-URI's moeten exact overeenkomen, zonder jokertekens.
clients-name = Naam
clients-id = Client-ID
clients-type = Soort
clients-public = openbaar (geen geheim)
clients-confidential = vertrouwelijk (met een geheim)
clients-require-key = Beveiligingssleutel verplicht
clients-redirect-uris = Redirect-URI's (één per regel)
clients-redirect-hint = Elk precies zoals de dienst hem meestuurt, zoals https://dienst.example/callback: geen jokertekens (*), geen #fragment, https (gewoon http alleen voor localhost).
clients-enabled = Actief
clients-yes = ja
clients-no = nee
clients-none = Er zijn nog geen diensten geregistreerd.
clients-register = Een dienst registreren
clients-public-choice = Openbare client (draait in een browser of op een telefoon en kan geen geheim bewaren; gebruikt PKCE)
clients-require-key-choice = Gebruikers moeten bevestigen met een beveiligingssleutel
clients-created = { $name } is geregistreerd.
clients-secret = Clientgeheim
clients-secret-once = Kopieer het geheim nu en geef het veilig door: het wordt niet nog eens getoond.
clients-edit = De instellingen wijzigen
clients-back = Terug naar de diensten
clients-post-logout-uris = Adressen na het uitloggen (één per regel)
clients-post-logout-hint = Waar de dienst gebruikers na het uitloggen heen mag sturen; exact vergeleken, net als de redirect-URI's.
clients-backchannel-uri = Back-channel-logout-URI (optioneel)
clients-backchannel-hint = Portcullis stuurt hier een uitlogtoken heen als een gebruiker uitlogt, zodat de dienst ook zijn sessie kan beëindigen.
clients-scopes = Toegestane scopes (gescheiden door spaties)
clients-scopes-hint = Moet openid bevatten. Bekend: openid profile email org offline_access; andere zijn voor de eigen toegangstokens van de dienst.
clients-signing-alg = Ondertekeningsalgoritme van de tokens
clients-signing-alg-hint = ES256, tenzij de bibliotheek van de dienst alleen RS256 begrijpt.
clients-access-ttl = Geldigheid van het toegangstoken
clients-refresh-idle-ttl = Vernieuwingstoken: vervalt als het niet gebruikt is gedurende
clients-refresh-max-ttl = Vernieuwingstoken: vervalt uiterlijk na
clients-ttl-hint = Schrijf een duur zoals 5m, 30m, 12h of 7d. Toegangstokens: 1 minuut tot 1 uur; vernieuwingstokens: 1 minuut tot 90 dagen.
clients-consent-choice = Gebruikers om toestemming vragen (niet nodig voor onze eigen diensten)
clients-enabled-choice = Actief (gebruikers kunnen inloggen bij de dienst)
clients-save = Opslaan
clients-saved = De instellingen zijn opgeslagen.
clients-invalid = Er is niets opgeslagen: { $problem }.
clients-error-alg = Kies ES256 of RS256 als ondertekeningsalgoritme.
clients-error-scopes = Er is niets opgeslagen: “{ $scope }” is geen geldige scope.
clients-error-duration = Er is niets opgeslagen: schrijf “{ $field }” als een duur zoals 5m, 30m of 12h.
clients-replace-secret = Het geheim vervangen
clients-replace-secret-hint = De dienst krijgt een nieuw geheim en het huidige werkt meteen niet meer: de dienst kan pas weer gebruikers laten inloggen als het nieuwe geheim daar is ingevoerd.
clients-secret-replaced = Het nieuwe geheim:
