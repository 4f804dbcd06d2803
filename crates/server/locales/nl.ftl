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

mfa-next-title = Hierna volgt extra verificatie
mfa-next-body = Uw wachtwoord klopt. Om uw account te beschermen vraagt elke inlog ook een tweede stap: een authenticator-app op uw telefoon of een beveiligingssleutel.
mfa-next-step = Het instellen van die tweede stap is de volgende stap. Tot dat gebeurd is, is met dit account geen enkele dienst bereikbaar.

home-title = Welkom
home-signed-in = U bent ingelogd als { $name } ({ $email }).

error-title = Er klopt iets niet
error-bad-request = Het formulier kon niet gelezen worden. Ga terug, controleer wat u invulde en probeer het opnieuw.
error-csrf = Dit formulier is verlopen of werd vanaf een andere site verstuurd. Laad de pagina opnieuw en probeer het nog eens.
error-not-found = Deze pagina bestaat niet.
error-too-large = Wat u verstuurde is te groot.
error-unsupported-media = Dit soort verzoek wordt hier niet geaccepteerd.
error-method = Dit adres accepteert dit soort verzoek niet.
error-internal = Er ging bij ons iets mis. Probeer het opnieuw; blijft het gebeuren, geef dan de referentie hieronder aan de klantenservice.
error-unavailable = De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.
error-link-unknown = Deze link is niet geldig. Controleer of u de hele link uit uw e-mail hebt geopend.
error-link-used = Deze link is al gebruikt. Log in met uw e-mailadres en wachtwoord.
error-link-expired = Deze link is verlopen. Vraag uw beheerder of de klantenservice om een nieuwe uitnodiging.
error-unknown-org = Deze organisatie bestaat niet.
error-org-taken = Er bestaat al een organisatie met deze naam.
error-main-admin-exists = Deze organisatie heeft al een hoofdbeheerder.
error-role-not-invitable = Een hoofdbeheerder wordt met de organisatie aangemaakt, niet uitgenodigd.
request-id = Referentie: { $id }
back-home = Naar de startpagina
