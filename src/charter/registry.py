"""Imports every feature's tables so ``Base.metadata`` is complete for Alembic and tests."""

from __future__ import annotations

from charter.audit import models as audit_models
from charter.consent import models as consent_models
from charter.db import Base
from charter.installation import models as installation_models
from charter.vault import models as vault_models

FEATURE_MODELS = (audit_models, consent_models, installation_models, vault_models)

metadata = Base.metadata
