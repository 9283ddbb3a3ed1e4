"""Imports every feature's tables so ``Base.metadata`` is complete for Alembic and tests."""

from __future__ import annotations

from charter.accounts import models as accounts_models
from charter.analytics import models as analytics_models
from charter.api import models as api_models
from charter.audit import models as audit_models
from charter.backup import models as backup_models
from charter.breaches import models as breaches_models
from charter.campaigns import models as campaigns_models
from charter.compliance import models as compliance_models
from charter.consent import models as consent_models
from charter.cookies import models as cookies_models
from charter.db import Base
from charter.disclosures import models as disclosures_models
from charter.engagements import models as engagements_models
from charter.enquiries import models as enquiries_models
from charter.erasure import models as erasure_models
from charter.installation import models as installation_models
from charter.jobs import models as jobs_models
from charter.keys import models as keys_models
from charter.mail import models as mail_models
from charter.newsletter import models as newsletter_models
from charter.orders import models as orders_models
from charter.privacy_centre import models as privacy_centre_models
from charter.retention import models as retention_models
from charter.rights import models as rights_models
from charter.staff import models as staff_models
from charter.subjects import models as subjects_models
from charter.vault import models as vault_models
from charter.web import ratelimit as ratelimit_models

FEATURE_MODELS = (
    backup_models,
    breaches_models,
    campaigns_models,
    compliance_models,
    disclosures_models,
    engagements_models,
    jobs_models,
    keys_models,
    retention_models,
    subjects_models,
    accounts_models,
    analytics_models,
    api_models,
    audit_models,
    consent_models,
    cookies_models,
    enquiries_models,
    erasure_models,
    installation_models,
    mail_models,
    newsletter_models,
    orders_models,
    privacy_centre_models,
    ratelimit_models,
    staff_models,
    rights_models,
    vault_models,
)

metadata = Base.metadata
