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
error-invalid-token = The sign-in token is not valid or has expired. Go back to the service and sign in again.
error-too-large = What was sent is too large.
error-unsupported-media = This kind of request is not accepted here.
error-method = This address does not accept this kind of request.
error-internal = Something went wrong on our side. Please try again; if it keeps happening, give the reference below to customer service.
error-unavailable = The service is temporarily unavailable. Please try again in a moment.
error-link-unknown = This link is not valid. Check that you opened the whole link from your email.
error-link-used = This link has already been used. Log in with your email address and password.
error-link-expired = This link has expired. Ask your administrator or customer service for a new invitation, or, if you registered yourself, register again.
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

## Security keys (FIDO2 / WebAuthn)
mfa-method-key = Security key
mfa-method-key-help = A FIDO2 security key, such as a YubiKey 5 NFC, a Security Key NFC by Yubico or a Feitian ePass FIDO2, that you insert in a USB port (or hold to your phone) and touch.
key-add-another = Add another key
key-rdp = Working through Microsoft Remote Desktop on a thin client? Security keys do not pass through it: set up the authenticator app instead.
key-setup-title = Set up a security key
key-setup-intro = Have your security key at hand. When you choose Enroll, your browser takes you through these steps:
key-step-insert = Insert the key into a USB port of this computer (or keep it ready to hold against the reader).
key-step-where = If the browser asks where to save the passkey, choose "Security key" (not this device or your phone).
key-step-allow = If the browser asks to see the make and model of your key, allow it: this page then shows which key you registered.
key-step-pin = If your key has a PIN, enter it.
key-step-pin-required = Enter your key's PIN. This service only accepts keys with a PIN; a key without one is refused.
key-step-touch = Touch the key when it blinks.
key-enroll = Enroll
key-yours = Your security keys
key-name = Name
key-rename = Rename
key-model-unknown = Model not known
key-added = added { $when } UTC
key-back-to-setup = Back to the overview
key-default-name = Security key
key-name-invalid = Give the key a name of 1 to 64 characters.
key-msg-waiting = Follow your browser's instructions: insert the key, enter its PIN if asked, and touch it.
key-msg-checking = Checking the key…
key-msg-cancelled = The security key step was cancelled. Choose the button to try again.
key-msg-cancelled-pin = The security key step ended without an answer: it was cancelled, or the key has no PIN (this service requires one; your browser offers to set it). Choose the button to try again.
key-msg-timeout = The key was not touched in time. Choose the button to try again.
key-msg-unsupported = This browser cannot use security keys. Use a current version of Chrome, Edge, Firefox or Safari, or set up the authenticator app instead.
key-msg-security = The browser refused to use the key for this address. Open the login page at its usual address and try again.
key-msg-failed = The security key step did not work. Try again, or use another key.
key-msg-needs-script = Security keys need JavaScript. Turn it on for this site, or set up the authenticator app instead.
key-error-already-registered = This security key is already registered. Use another key, or choose Finish.
key-error-malformed = The browser's answer from the key could not be read. Try again.
key-error-ceremony-unknown = This security key step is no longer valid (it was used already or started in another window). Try again.
key-error-ceremony-expired = The security key step took longer than 5 minutes. Try again.
key-error-policy-known = This key is not accepted: this service only accepts security-key models it knows from the FIDO metadata (policy "known models"). Use another key or the authenticator app.
key-error-policy-allow-list = This key is not accepted: this service only accepts the security-key models on its allow-list (policy "allow-list"). Use another key or the authenticator app.
key-error-attestation = This key is not accepted: it could not prove that it is the model it claims to be (policy "known models"). Use another key or the authenticator app.
key-error-pin-required = This key is not accepted without its PIN: this service requires keys that verify you with a PIN (policy "PIN required"). Set a PIN on the key, or use another key.
key-error-failed = The security key could not be verified. Try again.
key-error-unknown-key = This security key is not registered to your account. Use the key you registered.
key-error-clone = This security key was refused because it may have been copied. Contact your administrator (or customer service) before you use it again.
challenge-key-intro = Insert your security key, choose the button below, and touch the key to log in to { $service }.
challenge-key-button = Use security key
challenge-use-app = Use the authenticator app instead
challenge-use-key = Use a security key instead

# Menu
nav-menu = Menu
nav-profile = Profile
nav-dashboard = Dashboard
nav-users = Users
nav-audit = Audit log
cancel = Cancel
page-next = Next page
page-previous = Previous page

# Login notices and refusals
login-notice-reset = Your MFA has been reset and you are logged out everywhere. Log in to set up your authenticator app or security key again.
login-notice-logged-out = You are logged out.
login-error-enrollment-expired = Your MFA was reset, but it was not set up again in time. For your safety you can no longer log in with your password alone: ask your administrator (or customer service) to reset your MFA again.

# Fresh check before an MFA change
recheck-title = Confirm it is you
recheck-intro = Before you change your extra verification, confirm it is you with your authenticator app or security key.
error-recheck-required = Confirm it is you with your authenticator app or security key first.
mfa-back-to-profile = Back to your profile

# Profile
profile-title = Profile
profile-org = Organization
profile-role = Role
role-individual = individual (no organization)
profile-change-password = Change password
profile-mfa = Extra verification (MFA)
profile-method-added = added { $when }
profile-method-used = last used { $when }
profile-never = never
profile-remove = Remove
profile-last-method = This is your only method, so it cannot be removed. To replace it, use Reset.
profile-add-method = Add another method
profile-rename-keys = Rename security keys
profile-reset = Reset
profile-reset-hint = New phone? As long as your old phone still works, use Reset: all methods are removed, you are logged out everywhere, and at your next login you set up your new phone.
profile-lost-admin = Lost your phone? Ask your administrator to reset your MFA.
profile-lost-support = Lost your phone? Ask customer service to reset your MFA.
profile-sessions = Where you are logged in
profile-this-device = this device
profile-last-seen = last active { $when }
profile-device-unknown = unknown device
profile-logout-everywhere = Log out everywhere
profile-back = Back to your profile
error-last-method = Your last MFA method cannot be removed. Use Reset to replace it.
error-method-unknown = This MFA method does not exist (any more).
error-session-unknown = This session has already ended.

# Reset of one's own MFA
reset-title = Reset your extra verification
reset-intro = Use this when you move to a new phone or security key while the old one still works.
reset-effect-methods = All your authenticator apps and security keys are removed.
reset-effect-sessions = You are logged out everywhere, on every device.
reset-effect-setup = At your next login you set up MFA again, straight after your password.
reset-confirm = Reset my MFA and log out

# Password change
password-title = Change password
password-current = Current password
password-new = New password
password-submit = Change password
password-changed = Your password has been changed. Your other sessions have been logged out.
error-wrong-current-password = The current password is wrong.

# Organization: users
org-users-title = Users
member-name = Name
org-search = Search by email or name
org-search-button = Search
org-status = Status
org-last-login = Last login
org-no-users = No users found.
org-invite-title = Invite a user
org-invite-button = Send invitation
org-invited = An invitation has been sent to { $email }.
org-email-taken = There is already an account with this email address (in this or another organization). Search for it in the list, or ask customer service.
status-invited = invited
status-active = active
status-disabled = disabled
mfa-state-none = no MFA
mfa-state-app = app
mfa-state-key = security key
mfa-state-both = app and key
org-enroll-by = Must set up MFA before
org-invitation-expired = The invitation has expired; send a new one.
org-resend = Send invitation again
org-revoke = Withdraw invitation
org-reset = Reset MFA
org-reset-hint = Reset MFA when someone lost their phone or security key: their methods are removed, they are logged out, and they set up MFA again at their next login (within 72 hours by default). They get an email about it.
org-disable = Disable
org-enable = Enable
org-make-user-admin = Make user administrator
org-make-employee = Make employee
org-hand-over = Make main administrator (you become user administrator)
org-member-events = Recent security events
org-back = Back to users
org-reset-confirm-intro = Reset the extra verification (MFA) of { $email }?
org-reset-effect-methods = All their authenticator apps and security keys are removed.
org-reset-effect-sessions = They are logged out everywhere and get an email about the reset.
org-reset-effect-window = At their next login they set up MFA again, within { $hours } hours; after that they have to ask again.
org-reset-confirm-check = Make sure it is really them who asked (for example by calling them back): with a reset, whoever knows their password can set up a new phone.
org-reset-confirm = Reset the MFA of { $email }
org-reset-done = MFA has been reset. The user has been logged out and emailed.
org-enabled = The account is enabled.
org-disabled = The account is disabled and logged out everywhere.
org-role-changed = The role has been changed.
org-handed-over = This user is now the main administrator; you are a user administrator.
org-invitation-resent = A new invitation has been sent; the old link no longer works.
error-not-admin = Only administrators of an organization can open this page.
error-user-unknown = There is no such user in your organization.
error-already-reset = This user's MFA has already been reset and is waiting to be set up again.
error-not-invited = This user has no open invitation.
error-not-support = Only customer service can open this page.
error-reason-required = Give a reason (it is recorded and shown to the user).
error-not-yet-active = This user has not accepted the invitation yet, so there is no MFA to reset. Send the invitation again if needed.
error-unchanged = Nothing changed: the account was already in that state.
reset-refused-only-customer-service = Only customer service can reset the MFA of a main administrator or of someone without an organization. Ask them to contact customer service.
reset-refused-only-main-admin = Only the main administrator of the organization (or customer service) can reset a user administrator's MFA.
reset-refused-not-theirs = You can only reset the MFA of users you administer in your own organization.
manage-refused-other-org = You can only manage users of your own organization.
manage-refused-only-main-admin = Only the main administrator can do this.
manage-refused-main-admin-fixed = The main administrator cannot be disabled or demoted; the main administrator can hand the role to another member.
manage-refused-own-account = You cannot do this to your own account.

# Dashboard
dashboard-title = Dashboard
dashboard-with-mfa = active users with MFA
dashboard-open-invitations = open invitations
dashboard-by-method = Users by MFA method
dashboard-recent = Recent security events
dashboard-all-events = All events

# Audit log
audit-title = Audit log
audit-user = User
audit-event = Event
audit-any = any
audit-from = From
audit-until = Until
audit-filter = Filter
audit-export = Export
audit-when = When (UTC)
audit-actor = By
audit-target = User
audit-empty = No events.
event-api_token_created = API token created
event-api_token_revoked = API token revoked
event-api_token_refused = API token refused (expired, revoked or its creator no longer an administrator)
event-api_call_refused = API call refused (scope missing)
event-admin_action_refused = administrator action refused
event-invitation_accepted = invitation accepted
event-invitation_resent = invitation sent again
event-invitation_revoked = invitation withdrawn
event-login_failed = login failed
event-login_mfa_ok = logged in
event-login_password_ok = password correct
event-login_refused_disabled = login refused: account disabled
event-login_refused_enrollment_expired = login refused: MFA not set up in time
event-login_throttled = login throttled
event-logout = logged out
event-main_admin_handed_over = main administrator handed over
event-mfa_method_removed = MFA method removed
event-mfa_recheck_ok = identity confirmed
event-mfa_reset = MFA reset
event-mfa_reset_refused = MFA reset refused
event-mfa_security_key_added = security key added
event-mfa_setup_finished = MFA setup finished
event-mfa_totp_added = authenticator app added
event-org_created = organization created
event-password_change_failed = password change failed
event-password_changed = password changed
event-role_changed = role changed
event-security_key_clone_suspected = security key possibly cloned
event-security_key_refused_by_policy = security key refused by policy
event-security_key_renamed = security key renamed
event-security_key_setup_refused = security key refused
event-security_key_setup_started = security key setup started
event-session_ended = session ended
event-sessions_ended_everywhere = logged out everywhere
event-signing_keys_created = token-signing keys created
event-signing_keys_rotated = token-signing keys rotated
event-throttle_lifted = lockout lifted
event-totp_code_replayed = code used twice
event-totp_setup_code_refused = setup code refused
event-totp_setup_started = app setup started
event-user_disabled = user disabled
event-user_enabled = user enabled
event-user_invited = user invited
# Emails. Each says what happened, when, and what to do if it was not you.
email-greeting = Hello,
email-when = When: { $when } (UTC)
email-footer = This is an automatic message from { $service } about your account. Replies are not read.
email-contact-administrator = your administrator
email-contact-customer-service = customer service
email-contact-either = your administrator (or customer service, if you do not belong to an organization)
email-not-you-urgent = Was this not you? Then contact { $contact } right away: someone else may be able to log in to your account.

email-invitation-subject = You are invited to { $service }
email-invitation-by-org = { $inviter } invited you to { $service } on behalf of { $org }.
email-invitation-org = You have been invited to { $service } on behalf of { $org }.
email-invitation-by = { $inviter } invited you to { $service }.
email-invitation-plain = You have been invited to { $service }.
email-invitation-role = Your role: { $role }.
email-invitation-next = Open the link below to choose your password. After that you set up a second step for logging in: an authenticator app or a security key.
email-invitation-button = Set up your account
email-invitation-expires = The link works once and is valid until { $when } (UTC). Do not forward this email: the link is for you alone.
email-invitation-unexpected = Did you not expect this invitation? Then ignore this email; without the link nobody can use the account.

email-mfa-reset-subject = Your extra verification (MFA) was reset
email-mfa-reset-self = You reset the extra verification (MFA) of your account: all your methods were removed and all your sessions were ended.
email-mfa-reset-self-next = At your next login you set up a new method: an authenticator app or a security key.
email-mfa-reset-by-org-admin = A { $role } of { $org } reset the extra verification (MFA) of your account: all your methods were removed and all your sessions were ended.
email-mfa-reset-by-admin = An administrator reset the extra verification (MFA) of your account: all your methods were removed and all your sessions were ended.
email-mfa-reset-by-support = Customer service reset the extra verification (MFA) of your account: all your methods were removed and all your sessions were ended.
email-mfa-reset-reason = Reason given: { $reason }
email-mfa-reset-ticket = Ticket: { $ticket }
email-mfa-reset-enroll-by = Log in and set up a new method (an authenticator app or a security key) before { $when } (UTC). After that you have to ask for a reset again.

email-mfa-added-subject = A new login method was added to your account
email-mfa-added-app = An authenticator app was added to your account as a second step for logging in.
email-mfa-added-key = A security key was added to your account as a second step for logging in.
email-mfa-added-key-named = A security key ("{ $name }") was added to your account as a second step for logging in.
email-mfa-removed-subject = A login method was removed from your account
email-mfa-removed-app = An authenticator app was removed from your account: it no longer works as a second step for logging in.
email-mfa-removed-key = A security key was removed from your account: it no longer works as a second step for logging in.
email-mfa-removed-key-named = The security key "{ $name }" was removed from your account: it no longer works as a second step for logging in.

email-throttled-subject = Failed login attempts on your account
email-throttled-password = Several wrong passwords were entered for your account. To protect it, logging in is slowed down: the next attempt is possible from { $until } (UTC), and each further failure makes the wait longer.
email-throttled-password-you = Was this you? Then wait a moment and try again.
email-throttled-password-not-you = Was this not you? Nobody got in: the slowdown protects your account. If it keeps happening, contact { $contact }.
email-throttled-second-factor = Your password was entered correctly, but the second step (a code from your authenticator app or your security key) then failed several times. To protect your account, logging in is slowed down: the next attempt is possible from { $until } (UTC).
email-throttled-second-factor-not-you = Was this not you? Then someone else knows your password: contact { $contact } right away.

# Customer service
nav-support = Customer service
nav-orgs = Organizations
support-title = Find a user
support-search = Email address, name or organization (the start is enough)
support-back = Back to the search
support-password-throttle = Password attempts
support-second-factor-throttle = Second-step attempts
support-throttle-none = no failures
support-throttle-failures = { $n } recent { $n ->
    [one] failure
   *[other] failures
}, not held back
support-throttle-until = held back until { $when } (UTC)
support-throttle-locked = locked after too many failures
support-unlock = Lift the lockout
support-unlocked = The lockout has been lifted.
support-reason = Reason (required; recorded and shown to the user)
support-reason-hint = For example how you checked it is really them: "lost phone, called back on the number in the HR file".
support-ticket = Ticket reference (optional)
support-members = Members
support-replace = Replace the main administrator
support-new-main-admin = New main administrator's email (a member, or a new address to invite)
support-replace-hint = The current main administrator becomes a disabled user administrator and is logged out.
support-main-admin-replaced = { $email } is now the main administrator (or has been invited as such).
support-create-org = Create an organization
support-org-name = Organization name
support-main-admin-email = Main administrator's email
support-staff = Customer-service staff
support-invite-staff = Invite to customer service
event-main_admin_replaced = main administrator replaced
## Self-registration (individuals)
login-register = No account? Register
register-title = Register
register-intro = An account of your own, not connected to an organization (for example if you pay inland port dues). Enter your email address: we send you a link to choose your name and password. Does your organization use { $service }? Then ask your administrator for an invitation instead.
register-submit = Send link
register-login = Already have an account? Log in
register-sent-title = Check your email
register-sent = We have sent an email to { $email }. Follow the instructions in it to continue. It may take a few minutes; also look in your spam folder.
register-closed-title = Registration is closed
register-closed = You cannot register yourself at { $service }. Ask your organization's administrator or customer service for an invitation.
registration-title = Create your account
registration-intro = Choose your name and password for { $service }. Your email address: { $email }.
error-registration-closed = Registration is closed: ask your administrator or customer service for an invitation.
error-already-registered = This email address already has an account. Log in with it; if you lost your password or phone, contact customer service.
email-verify-subject = Confirm your email address for { $service }
email-verify-body = Someone, hopefully you, asked to register at { $service } with this email address.
email-verify-next = Open the link below to choose your name and password. After that you set up a second step for logging in: an authenticator app or a security key.
email-verify-button = Create your account
email-verify-expires = The link works once and is valid until { $when } (UTC). Do not forward this email: the link is for you alone.
email-verify-unexpected = Did you not ask for this? Then ignore this email: without the link no account is made.
email-already-subject = You already have an account at { $service }
email-already-body = Someone, hopefully you, asked to register at { $service } with this email address. This address already has an account, so no new one was made.
email-already-login = You can log in with your email address and password as always.
email-already-button = Log in
email-already-reset-administrator = Lost your phone or security key? Then your administrator can reset your extra verification (MFA).
email-already-reset-customer-service = Lost your phone or security key? Then customer service can reset your extra verification (MFA).
email-already-reset-either = Lost your phone or security key? Then your administrator or customer service can reset your extra verification (MFA).
email-already-unexpected = Did you not ask for this? Then ignore this email: nothing was changed.
# Organization: API tokens
nav-tokens = API tokens
tokens-title = API tokens
tokens-intro = A token lets your organization's systems use the admin API (its description is at /api/openapi.json). A token acts as you, limited to its scopes: if you stop being an administrator, your tokens stop working.
tokens-none = No tokens yet.
tokens-name = Name
tokens-scopes = Scopes
tokens-expires = Expires
tokens-last-used = Last used
tokens-state = State
tokens-live = active
tokens-expired = expired
tokens-revoked = revoked
tokens-revoke = Revoke
tokens-create-title = New token
tokens-days = Valid for (days, at most 366)
tokens-create = Create token
tokens-created = Copy this token now: it is not shown again.
tokens-revoked-notice = The token was revoked; it no longer works.
tokens-error-settings = Give the token a name, at least one scope, and 1 to 366 days.
scope-users-read = read members
scope-users-write = invite, disable and enable members, change roles
scope-mfa-reset = reset members' MFA
scope-audit-read = read the audit log

# OpenID Connect (single sign-on for the services)
error-client-settings = These service settings are not valid.
oidc-refused-no-client = The service that sent you here did not say who it is. Go back to the service and try again.
oidc-refused-unknown-client = The service that sent you here is not registered with this login (or has been switched off). Tell the service's support.
oidc-refused-no-redirect = The service that sent you here did not say where to return to. Tell the service's support.
oidc-refused-redirect = The service asked to send you back to an address it has not registered, so you are not sent anywhere. Tell the service's support.
oidc-gone = This login request has expired or was already answered. Go back to the service and log in again.
oidc-consent-title = Allow access?
oidc-consent-intro = { $service } wants to use your login. It will be able to see:
oidc-scope-openid = that it is you (an identifier that never changes)
oidc-scope-profile = your name and language
oidc-scope-email = your email address
oidc-scope-org = your organization and your role in it
oidc-scope-offline_access = that you stay logged in while you use it
oidc-scope-other = access it calls “{ $scope }”
oidc-consent-allow = Allow
oidc-consent-deny = Do not allow
oidc-needs-key-title = A security key is needed
oidc-needs-key-text = { $service } only accepts logins with a security key (such as a YubiKey or a Feitian key), and your account has none yet.
oidc-needs-key-how = Add a security key to your account first: you need the key at hand, and it takes a minute. Then continue to the service and confirm with the key.
oidc-needs-key-add = Add a security key
oidc-needs-key-continue = Continue to { $service }
oidc-needs-key-cancel = Cancel and go back to the service
oidc-return-title = Back to the service
oidc-return-text = You are being sent back to the service.
oidc-return-link = Continue
oidc-logout-title = Log out
oidc-logout-question = Log out? You will be logged out of every service that uses this login.
oidc-logout-asked-by = { $service } asks to log you out.
oidc-logout-button = Log out
oidc-logged-out = You are logged out.
oidc-continue-service = Continue to the service
oidc-login-again = Log in again
challenge-key-needed = This service needs your security key: confirm with the key to continue.
nav-clients = Services
clients-intro = The services that use this login (OpenID Connect clients). Redirect URIs are matched exactly, without wildcards.
clients-name = Name
clients-id = Client ID
clients-type = Type
clients-public = public (no secret)
clients-confidential = confidential (with a secret)
clients-require-key = Security key required
clients-redirect-uris = Redirect URIs (one per line)
clients-redirect-hint = Each exactly as the service sends it, such as https://service.example/callback: no wildcards (*), no #fragment, https (plain http only for localhost).
clients-enabled = Enabled
clients-yes = yes
clients-no = no
clients-none = No services are registered yet.
clients-register = Register a service
clients-public-choice = Public client (runs in a browser or on a phone and cannot keep a secret; it uses PKCE)
clients-require-key-choice = Users must confirm with a security key
clients-created = { $name } has been registered.
clients-secret = Client secret
clients-secret-once = Copy the secret now and hand it over safely: it will not be shown again.
clients-edit = Edit its settings
clients-back = Back to the services
clients-post-logout-uris = Addresses after logout (one per line)
clients-post-logout-hint = Where the service may send users after logging out; matched exactly, like the redirect URIs.
clients-backchannel-uri = Back-channel logout URI (optional)
clients-backchannel-hint = Portcullis posts a logout token here when a user logs out, so the service can end its session too.
clients-scopes = Allowed scopes (separated by spaces)
clients-scopes-hint = Must include openid. Known: openid profile email org offline_access; others are for the service's own access tokens.
clients-signing-alg = Signing algorithm of the tokens
clients-signing-alg-hint = ES256 unless the service's library only understands RS256.
clients-access-ttl = Access-token lifetime
clients-refresh-idle-ttl = Refresh token: ends after being unused for
clients-refresh-max-ttl = Refresh token: ends at the latest after
clients-ttl-hint = Write a duration such as 5m, 30m, 12h or 7d. Access tokens: 1 minute to 1 hour; refresh tokens: 1 minute to 90 days.
clients-consent-choice = Ask users for consent (not needed for our own first-party services)
clients-enabled-choice = Enabled (users can log in to the service)
clients-save = Save
clients-saved = The settings have been saved.
clients-invalid = Nothing was saved: { $problem }.
clients-error-alg = Choose ES256 or RS256 as the signing algorithm.
clients-error-scopes = Nothing was saved: “{ $scope }” is not a valid scope.
clients-error-duration = Nothing was saved: write “{ $field }” as a duration such as 5m, 30m or 12h.
clients-replace-secret = Replace the secret
clients-replace-secret-hint = The service gets a new secret and the current one stops working at once: the service cannot log users in until the new secret is entered there.
clients-secret-replaced = The new secret:
