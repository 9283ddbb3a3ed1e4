"""One error tree for the whole system.

Every error a user can cause derives from :class:`CharterError`, which carries the HTTP
status and a *public* message that is safe to show: it never contains personal data
(UK GDPR Art. 5(1)(f), integrity and confidentiality). One handler in ``app.py`` renders
it as HTML for pages and JSON for the API; the CLI prints it and exits non-zero.

    CharterError (500)
    ├── InvalidInput (422)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PolicyRefusal (403)            the policy in force does not allow this
    │   ├── UndeclaredPurpose
    │   ├── CategoryNotAllowed
    │   ├── ProcessingRestricted       Art. 18: only storage and legal claims
    │   └── UndeclaredField
    ├── PolicyInvalid (500)            the policy file fails validation
    ├── KeyringError (500)             master key missing, wrong or unreadable
    └── AuditChainBroken (500)

Feature errors extend these branches where they are raised, e.g.
``vault.keys.DataErased(Conflict)``, ``crypto.DecryptionFailed``,
``web.csrf.CsrfFailed`` (403), ``mail.sender.MailNotSent``.
"""

from __future__ import annotations


class CharterError(Exception):
    """Base of every Charter error; ``public_message`` is safe to show to anyone."""

    status_code = 500
    default_message = "Something went wrong."

    def __init__(self, public_message: str | None = None) -> None:
        self.public_message = public_message or self.default_message
        super().__init__(self.public_message)


class InvalidInput(CharterError):
    status_code = 422
    default_message = "The input is not valid."


class NotFound(CharterError):
    status_code = 404
    default_message = "Not found."


class Conflict(CharterError):
    status_code = 409
    default_message = "That conflicts with the current state."


class PolicyRefusal(CharterError):
    """The policy in force does not declare what was asked for, so Charter refuses it."""

    status_code = 403
    default_message = "The privacy policy in force does not allow this."


class UndeclaredPurpose(PolicyRefusal):
    default_message = "That purpose is not declared in the privacy policy."


class CategoryNotAllowed(PolicyRefusal):
    default_message = "That purpose may not use that category of data."


class ProcessingRestricted(PolicyRefusal):
    default_message = "Processing of this person's data is restricted (UK GDPR Art. 18)."


class UndeclaredField(PolicyRefusal):
    default_message = "That field is not declared for this collection point."


class PolicyInvalid(CharterError):
    default_message = "The policy file is not valid."


class KeyringError(CharterError):
    default_message = "The key ring is missing or does not match this installation."


class AuditChainBroken(CharterError):
    default_message = "The audit log has been altered."
