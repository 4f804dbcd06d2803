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

mfa-next-title = Extra verification comes next
mfa-next-body = Your password is correct. To protect your account, every login also needs a second step: an authenticator app on your phone or a security key.
mfa-next-step = Setting up that second step is next. Until it is done, no service can be reached with this account.

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
