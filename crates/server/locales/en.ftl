# English messages. Every key here must also be in nl.ftl (a test checks).
lang-name = English
nav-login = Log in
nav-logout = Log out
footer-language = Language

wait-seconds = { $n ->
    [one] in 1 second
   *[other] in { $n } seconds
}
wait-minutes = { $n ->
    [one] in 1 minute
   *[other] in { $n } minutes
}
wait-hours = { $n ->
    [one] in 1 hour
   *[other] in { $n } hours
}

login-title = Log in
login-intro = Log in with your email address and password. A second step with your authenticator app or security key follows.
field-email = Email address
field-password = Password
field-confirm = Repeat password
field-name = Your name
show-password = Show password
hide-password = Hide password
login-submit = Log in
login-error-invalid = Wrong email address or password.
login-error-throttled = Too many failed attempts. You can try again { $wait }.
login-error-disabled = This account has been disabled. Contact your administrator.

invite-title = Set up your account
invite-intro = You have been invited to { $service } with the email address { $email }.
invite-intro-org = You have been invited to { $service } by { $org }, with the email address { $email }.
invite-role = Role: { $role }
setup-title = Set up the first administrator
setup-intro = This one-time link creates the first account of this { $service } installation: a customer-service administrator, who can then create organizations and invite people.
password-hint = At least 12 characters. A sentence or a few unrelated words is strong and easy to remember. Pasting from a password manager is fine.
invite-submit = Save and continue
link-expires = This link is valid until { $when } (UTC).

role-main_admin = main administrator
role-user_admin = user administrator
role-employee = employee
role-customer_service = customer service

pw-too-short = The password must be at least { $min } characters long.
pw-too-long = The password must be at most { $max } characters long.
pw-contains-email = The password must not contain your email address.
pw-common = This is a commonly used password. Choose something less predictable.
pw-pattern = This password is a predictable pattern (a keyboard row, a repetition, a sequence or a date).
pw-word = A single word or name is easy to guess. Add a few more unrelated words.
pw-guessable = This password is too easy to guess. Make it longer or less predictable.
pw-mismatch = The two passwords are not the same.
name-invalid = Enter your name (at most 100 characters).
email-invalid = Enter a valid email address, such as name@example.com.
email-taken = An account with this email address already exists. Log in instead.


home-title = Welcome
home-signed-in = You are logged in as { $name } ({ $email }).

error-title = Something is not right
error-bad-request = The form could not be read. Go back, check what you filled in, and try again.
error-csrf = This form has expired or was sent from another site. Reload the page and try again.
error-not-found = This page does not exist.
error-too-large = What was sent is too large.
error-unsupported-media = This kind of request is not accepted here.
error-method = This address does not accept this kind of request.
error-internal = Something went wrong on our side. Please try again; if it keeps happening, give the reference below to customer service.
error-unavailable = The service is temporarily unavailable. Please try again in a moment.
error-link-unknown = This link is not valid. Check that you opened the whole link from your email.
error-link-used = This link has already been used. Log in with your email address and password.
error-link-expired = This link has expired. Ask your administrator or customer service for a new invitation.
error-unknown-org = There is no such organization.
error-org-taken = An organization with this name already exists.
error-main-admin-exists = This organization already has a main administrator.
error-role-not-invitable = A main administrator is created with the organization, not invited.
request-id = Reference: { $id }
back-home = Go to the start page

back = Back
mfa-setup-title = Set up extra verification (MFA)
mfa-setup-intro = Every login needs a second step besides your password. Set up at least one method below; then choose Finish.
mfa-method-app = Authenticator app
mfa-method-app-help = A free app on your smartphone, such as Google Authenticator, Microsoft Authenticator or DUO Mobile, shows a new 6-digit code every 30 seconds.
mfa-setup-button = Set up
mfa-method-done = Set up
mfa-finish = Finish
mfa-finish-hint = Finish becomes available once a method has its green check.

app-phone-title = Which phone do you have?
app-phone-intro = This tells us where you can get the authenticator app.
app-phone-android = Android
app-phone-iphone = iPhone
app-phone-other = Other
app-phone-choose = Choose the type of your phone.
app-next = Next
app-get-android = If you have no authenticator app yet, install the free Google Authenticator from the Google Play Store on your phone. Microsoft Authenticator and DUO Mobile work too.
app-get-iphone = If you have no authenticator app yet, install the free Google Authenticator from the App Store on your iPhone. Microsoft Authenticator and DUO Mobile work too.
app-get-other = If you have no authenticator app yet, install one on your phone: Google Authenticator, Microsoft Authenticator and DUO Mobile all work, as does any app for time-based codes (TOTP).
app-scan-title = Add this account to your authenticator app
app-scan-step = In the app, tap "+" and choose "Scan a QR code". Point your phone's camera at the QR code below.
app-qr-alt = QR code to scan with your authenticator app
app-cant-scan = Can't scan?
app-manual-intro = In the app, tap "+" and choose "Enter a setup key" (or "Enter key manually"). Then type:
app-manual-account = Account
app-manual-key = Key
app-manual-type-label = Type of key
app-manual-type = Time based
app-copy = Copy key
app-copied = Copied
app-phone-path = Setting up on this phone itself?
app-open-link = Open in authenticator app
app-code-title = Enter the code from the app
app-code-step = The app now shows a 6-digit code for { $service }. Type it here and choose Verify.
app-verify = Verify
app-expires = This QR code is valid until { $when } (UTC). After that, start again to get a new one.
field-code = 6-digit code

challenge-title = Extra verification
challenge-intro = Open your authenticator app and type the 6-digit code it shows for { $service }.
challenge-submit = Verify

code-error-empty = Type the 6-digit code from your authenticator app.
code-error-format = A code has exactly 6 digits, such as 123 456.
code-wrong = This code is not correct. Use the code shown for this account, and type it before it changes.
code-replayed = This code has already been used. Wait for the next code in your app: a new one appears every 30 seconds.
clock-ahead = This code does not match, but it is the one your app would show if your phone's clock ran { $minutes ->
    [one] about 1 minute
   *[other] about { $minutes } minutes
} fast. Your phone's clock is off; set it right and try the new code:
clock-behind = This code does not match, but it is the one your app would show if your phone's clock ran { $minutes ->
    [one] about 1 minute
   *[other] about { $minutes } minutes
} slow. Your phone's clock is off; set it right and try the new code:
clock-fix-android = Android: open Google Authenticator, tap the three dots (More), then Settings → Time correction for codes → Sync now.
clock-fix-iphone = iPhone: open Settings → General → Date & Time and turn on Set automatically (restarting the iPhone may help).
mfa-error-locked = Too many wrong codes: extra verification for this account is locked. Ask your administrator or customer service to unlock it.
error-setup-unknown = There is no such setup in progress (anymore). Start again from the MFA setup page.
error-setup-expired = This QR code has expired. Start again to get a new one.
error-no-mfa-method = Set up at least one method first.
error-wrong-stage = This step is not available now. Go to the start page to continue.
