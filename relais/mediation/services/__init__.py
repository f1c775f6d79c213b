# Transitional: the module moved here whole; the next commit splits it by entity.
from relais.mediation.services.workshops import *  # noqa: F403
