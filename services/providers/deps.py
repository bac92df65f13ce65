"""What the registry's routes need: who may write."""

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, Role, require_roles

CommissionerPrincipal = Annotated[Principal, Depends(require_roles(Role.COMMISSIONER))]
CapacitySetter = Annotated[Principal, Depends(require_roles(Role.COMMISSIONER, Role.BROKER, Role.PROVIDER))]
"""Staff may set anyone's capacity; a provider client its own (checked against the path's id)."""
